import { describe, expect, it } from 'vitest';
import type {
  ErrorResponse,
  ExecutionResponse,
  PageResponse,
  WorkflowResponse,
} from './conveyor-test-kit.js';
import { startTestPlatform, TICK_MS } from './conveyor-test-kit.js';

const WORKFLOWS = '/v1/workspaces/wsp_acme/workflows';

const PING_WORKFLOW = {
  name: 'Ping',
  description: 'Calls a health endpoint.',
  tags: ['ops'],
  variables: [{ name: 'target', type: 'string', required: true }],
  blocks: [
    { id: 'start', type: 'trigger_manual', name: 'Start', config: {} },
    { id: 'ping', type: 'http_request', name: 'Ping', config: { url: 'https://{{input.target}}/health' } },
  ],
  edges: [{ from: 'start', to: 'ping' }],
};

describe('Conveyor workflow lifecycle', () => {
  it('given a new workflow, want DRAFT -> publish -> activate -> run -> SUCCEEDED', async () => {
    const platform = await startTestPlatform();
    const created = await platform.call<WorkflowResponse>('POST', WORKFLOWS, { body: PING_WORKFLOW });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'DRAFT',
      active: false,
      version: 1,
      publishedVersion: null,
      hasUnpublishedChanges: false,
      triggerType: 'trigger_manual',
    });
    expect(created.headers['location']).toBe(`${WORKFLOWS}/${created.body.id}`);
    const url = `${WORKFLOWS}/${created.body.id}`;

    const draftRun = await platform.call('POST', `${url}/executions`, {
      body: { input: { target: 'a.example' } },
    });
    expect(draftRun.status).toBe(409);

    const activateDraft = await platform.call('PUT', `${url}/active`, { body: { active: true } });
    expect(activateDraft.status).toBe(409);

    const published = await platform.call<WorkflowResponse>('POST', `${url}/publish`, {
      body: { changeNote: 'v1' },
    });
    expect(published.body).toMatchObject({ status: 'PUBLISHED', publishedVersion: 1, active: false });

    const activated = await platform.call<WorkflowResponse>('PUT', `${url}/active`, {
      body: { active: true },
    });
    expect(activated.body.active).toBe(true);

    const run = await platform.call<ExecutionResponse>('POST', `${url}/executions`, {
      body: { input: { target: 'a.example' } },
    });
    expect(run.status).toBe(202);
    platform.advance(10 * TICK_MS);
    const done = await platform.call<ExecutionResponse>(
      'GET',
      `/v1/workspaces/wsp_acme/executions/${run.body.id}`,
    );
    expect(done.body.status).toBe('SUCCEEDED');
    expect(done.body.output).toEqual({ status: 200, body: { ok: true, url: 'https://a.example/health' } });
  });

  it('given edits to a published workflow, want a new version that runs only after publishing again', async () => {
    const platform = await startTestPlatform();
    const url = `${WORKFLOWS}/wf_invoice_sync`;
    const before = await platform.call<WorkflowResponse>('GET', url);
    const edited = await platform.call<WorkflowResponse>('PATCH', url, {
      body: { name: 'Sync invoices (v4)' },
    });
    expect(edited.body).toMatchObject({
      version: before.body.version + 1,
      publishedVersion: before.body.version,
      hasUnpublishedChanges: true,
      status: 'PUBLISHED',
    });
    const repeated = await platform.call<WorkflowResponse>('PATCH', url, {
      body: { name: 'Sync invoices (v4)' },
    });
    expect(repeated.body.version).toBe(edited.body.version);

    const run = await platform.call<ExecutionResponse>('POST', `${url}/executions`, { body: { input: {} } });
    expect(run.body).toMatchObject({ workflowVersion: before.body.version });
    const republished = await platform.call<WorkflowResponse>('POST', `${url}/publish`);
    expect(republished.body).toMatchObject({
      publishedVersion: edited.body.version,
      hasUnpublishedChanges: false,
    });
    const again = await platform.call<WorkflowResponse>('POST', `${url}/publish`);
    expect(again.body).toEqual(republished.body);
  });

  it.each([
    {
      given: 'a block config that violates its block-type schema',
      body: { name: 'X', blocks: [{ id: 'a', type: 'delay', name: 'Wait', config: { seconds: 0 } }] },
      wantField: 'blocks[0].config.seconds',
    },
    {
      given: 'a block config with an unknown key',
      body: {
        name: 'X',
        blocks: [{ id: 'a', type: 'trigger_manual', name: 'Go', config: { cron: '* * * * *' } }],
      },
      wantField: 'blocks[0].config.cron',
    },
    {
      given: 'an edge to a missing block',
      body: {
        name: 'X',
        blocks: [{ id: 'a', type: 'trigger_manual', name: 'Go', config: {} }],
        edges: [{ from: 'a', to: 'b' }],
      },
      wantField: 'edges[0].to',
    },
    {
      given: 'two blocks with the same id',
      body: {
        name: 'X',
        blocks: [
          { id: 'a', type: 'trigger_manual', name: 'Go', config: {} },
          { id: 'a', type: 'delay', name: 'Wait', config: { seconds: 1 } },
        ],
      },
      wantField: 'blocks[1].id',
    },
  ])('given $given, want 422 invalid_workflow naming $wantField', async ({ body, wantField }) => {
    const platform = await startTestPlatform();
    const response = await platform.call<ErrorResponse>('POST', WORKFLOWS, { body });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('invalid_workflow');
    expect(response.body.error.details?.field).toBe(wantField);
  });

  it.each([
    {
      given: 'no trigger block',
      blocks: [{ id: 'w', type: 'delay', name: 'Wait', config: { seconds: 1 } }],
      edges: [],
      want: 'exactly one trigger',
    },
    {
      given: 'a condition edge without a branch',
      blocks: [
        { id: 's', type: 'trigger_manual', name: 'Go', config: {} },
        { id: 'c', type: 'condition', name: 'If', config: { left: '{{input.x}}', operator: 'exists' } },
        { id: 'w', type: 'delay', name: 'Wait', config: { seconds: 1 } },
      ],
      edges: [
        { from: 's', to: 'c' },
        { from: 'c', to: 'w' },
      ],
      want: 'branch',
    },
    {
      given: 'a cycle',
      blocks: [
        { id: 's', type: 'trigger_manual', name: 'Go', config: {} },
        { id: 'a', type: 'delay', name: 'A', config: { seconds: 1 } },
        { id: 'b', type: 'delay', name: 'B', config: { seconds: 1 } },
      ],
      edges: [
        { from: 's', to: 'a' },
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
      want: 'cycle',
    },
  ])('given a draft with $given, want publish to answer 422', async ({ blocks, edges, want }) => {
    const platform = await startTestPlatform();
    const created = await platform.call<WorkflowResponse>('POST', WORKFLOWS, {
      body: { name: 'Broken', blocks, edges },
    });
    expect(created.status).toBe(201);
    const response = await platform.call<ErrorResponse>('POST', `${WORKFLOWS}/${created.body.id}/publish`);
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('workflow_not_publishable');
    expect(response.body.error.message).toContain(want);
  });

  it('given archive, want it idempotent, schedules disabled, and edits, publishing and enabling refused', async () => {
    const platform = await startTestPlatform();
    const url = `${WORKFLOWS}/wf_invoice_sync`;
    const archived = await platform.call<WorkflowResponse>('POST', `${url}/archive`);
    expect(archived.body).toMatchObject({ status: 'ARCHIVED', active: false });
    const again = await platform.call<WorkflowResponse>('POST', `${url}/archive`);
    expect(again.body).toEqual(archived.body);
    const schedule = await platform.call<{ enabled: boolean; nextRunAt: string | null }>(
      'GET',
      '/v1/workspaces/wsp_acme/schedules/sch_nightly_invoices',
    );
    expect(schedule.body).toMatchObject({ enabled: false, nextRunAt: null });
    expect((await platform.call('PATCH', url, { body: { name: 'x' } })).status).toBe(409);
    expect((await platform.call('POST', `${url}/publish`)).status).toBe(409);
    const enable = await platform.call(
      'PUT',
      '/v1/workspaces/wsp_acme/schedules/sch_nightly_invoices/enabled',
      {
        body: { enabled: true },
      },
    );
    expect(enable.status).toBe(409);
  });

  it('given delete, want drafts deleted (204, then 404) and published workflows refused (409)', async () => {
    const platform = await startTestPlatform();
    expect((await platform.call('DELETE', `${WORKFLOWS}/wf_invoice_sync`)).status).toBe(409);
    expect((await platform.call('DELETE', `${WORKFLOWS}/wf_onboarding`)).status).toBe(204);
    expect((await platform.call('GET', `${WORKFLOWS}/wf_onboarding`)).status).toBe(404);
    expect((await platform.call('DELETE', `${WORKFLOWS}/wf_onboarding`)).status).toBe(404);
  });

  it('given duplicate of an archived workflow, want an editable DRAFT copy', async () => {
    const platform = await startTestPlatform();
    const copy = await platform.call<WorkflowResponse>('POST', `${WORKFLOWS}/wf_legacy_report/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Copy of Legacy weekly report', status: 'DRAFT', version: 1 });
    expect(copy.body.blocks.map((block) => block.id)).toEqual(['weekly', 'report']);
  });
});

describe('Conveyor block types and schedules', () => {
  it('given listBlockTypes, want the nine block types, each with a config schema', async () => {
    const platform = await startTestPlatform();
    const list = await platform.call<{ items: { type: string }[] }>('GET', '/v1/block-types');
    const types = list.body.items.map((item) => item.type);
    expect(types).toEqual([
      'trigger_manual',
      'trigger_schedule',
      'trigger_webhook',
      'http_request',
      'transform',
      'condition',
      'human_input',
      'send_email',
      'delay',
    ]);
    for (const type of types) {
      const schema = await platform.call<{ configSchema: { type: string } }>(
        'GET',
        `/v1/block-types/${type}/schema`,
      );
      expect(schema.body.configSchema.type, type).toBe('object');
    }
  });

  it('given toggleSchedule, want enabled to flip, nextRunAt to follow, and repeats to change nothing', async () => {
    const platform = await startTestPlatform();
    const url = '/v1/workspaces/wsp_acme/schedules/sch_nightly_invoices';
    const off = await platform.call<{ enabled: boolean; nextRunAt: string | null }>('PUT', `${url}/enabled`, {
      body: { enabled: false },
    });
    expect(off.body).toMatchObject({ enabled: false, nextRunAt: null });
    const on = await platform.call<{ enabled: boolean; nextRunAt: string | null }>('PUT', `${url}/enabled`, {
      body: { enabled: true },
    });
    // START_TIME is 10:00 UTC, so the next 02:00 is the following day.
    expect(on.body).toMatchObject({ enabled: true, nextRunAt: '2026-03-03T02:00:00.000Z' });
    const enabledOnly = await platform.call<PageResponse<{ enabled: boolean }>>(
      'GET',
      '/v1/workspaces/wsp_acme/schedules?enabled=true',
    );
    expect(enabledOnly.body.items.length).toBeGreaterThan(0);
    expect(enabledOnly.body.items.every((item) => item.enabled)).toBe(true);
  });
});
