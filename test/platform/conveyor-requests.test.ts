import { describe, expect, it } from 'vitest';
import { DEMO_OTHER_TENANT_API_KEY, DEMO_READ_ONLY_API_KEY } from '../../platform/conveyor/build-platform.js';
import type {
  ErrorResponse,
  ExecutionResponse,
  PageResponse,
  WorkflowResponse,
} from './conveyor-test-kit.js';
import { START_TIME, startTestPlatform } from './conveyor-test-kit.js';

const ACME = '/v1/workspaces/wsp_acme';

describe('Conveyor request validation against the spec', () => {
  it.each([
    {
      given: 'logTailLines above the maximum',
      method: 'GET',
      url: `${ACME}/executions/exe_000001?logTailLines=500`,
      body: undefined,
      want: { location: 'query', field: 'logTailLines', message: '<= 200' },
    },
    {
      given: 'logTailLines that is not an integer',
      method: 'GET',
      url: `${ACME}/executions/exe_000001?logTailLines=many`,
      body: undefined,
      want: { location: 'query', field: 'logTailLines', message: 'integer' },
    },
    {
      given: 'an unknown status filter',
      method: 'GET',
      url: `${ACME}/workflows?status=LIVE`,
      body: undefined,
      want: { location: 'query', field: 'status', message: 'DRAFT, PUBLISHED, ARCHIVED' },
    },
    {
      given: 'a limit of 0',
      method: 'GET',
      url: `${ACME}/workflows?limit=0`,
      body: undefined,
      want: { location: 'query', field: 'limit', message: '>= 1' },
    },
    {
      given: 'a workflow id without the wf_ prefix',
      method: 'GET',
      url: `${ACME}/workflows/exe_000001`,
      body: undefined,
      want: { location: 'path', field: 'workflowId', message: 'pattern' },
    },
    {
      given: 'a search without q',
      method: 'GET',
      url: `${ACME}/search`,
      body: undefined,
      want: { location: 'query', field: 'q', message: 'required' },
    },
    {
      given: 'a search type that does not exist',
      method: 'GET',
      url: `${ACME}/search?q=x&types=workflow,robot`,
      body: undefined,
      want: { location: 'query', field: 'types[1]', message: 'one of' },
    },
    {
      given: 'a body without the required name',
      method: 'POST',
      url: `${ACME}/workflows`,
      body: { description: 'no name' },
      want: { location: 'body', field: 'name', message: 'required' },
    },
    {
      given: 'a body with an unknown field',
      method: 'POST',
      url: `${ACME}/workflows`,
      body: { name: 'X', owner: 'me' },
      want: { location: 'body', field: 'owner', message: 'not a known field' },
    },
    {
      given: 'a nested block with an unknown type',
      method: 'POST',
      url: `${ACME}/workflows`,
      body: { name: 'X', blocks: [{ id: 'a', type: 'teleport', name: 'A', config: {} }] },
      want: { location: 'body', field: 'blocks[0].type', message: 'one of' },
    },
    {
      given: 'setWorkflowActive with a string',
      method: 'PUT',
      url: `${ACME}/workflows/wf_invoice_sync/active`,
      body: { active: 'yes' },
      want: { location: 'body', field: 'active', message: 'boolean' },
    },
    {
      given: 'startExecution without a body',
      method: 'POST',
      url: `${ACME}/workflows/wf_invoice_sync/executions`,
      body: undefined,
      want: { location: 'body', field: '', message: 'required' },
    },
    {
      given: 'an Idempotency-Key longer than 255 characters',
      method: 'POST',
      url: `${ACME}/workflows`,
      body: { name: 'X' },
      headers: { 'idempotency-key': 'k'.repeat(256) },
      want: { location: 'header', field: 'Idempotency-Key', message: '255' },
    },
  ])('given $given, want 400 naming $want.field', async ({ method, url, body, headers, want }) => {
    const platform = await startTestPlatform();
    const response = await platform.call<ErrorResponse>(method, url, {
      body,
      ...(headers ? { headers } : {}),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details).toMatchObject({ location: want.location, field: want.field });
    expect(response.body.error.message).toContain(want.message);
    if (want.field !== '') expect(response.body.error.message).toContain(`'${want.field}'`);
  });

  it('given a body that is not JSON, want 400 with the envelope', async () => {
    const platform = await startTestPlatform();
    const response = await platform.app.inject({
      method: 'POST',
      url: `${ACME}/workflows`,
      headers: { 'x-conveyor-api-key': 'cvk_demo_rw_4f7c2a9e1b8d6053', 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: 'invalid_request', details: { location: 'body' } },
    });
  });

  it('given an empty JSON body on a bodiless POST, want it accepted', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<WorkflowResponse>(
      'POST',
      `${ACME}/workflows/wf_onboarding/archive`,
      {
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ARCHIVED');
  });

  it('given an unknown route, want 404 with the error envelope', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call('GET', '/v1/robots');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('given an execution with 45 log lines, want the spec default of 20 and logTailLines honoured', async () => {
    const platform = await startTestPlatform();
    const execution = platform.state.executions.get('exe_000001');
    if (execution === undefined) throw new Error('seed changed: exe_000001 missing');
    while (execution.logs.length < 45) {
      const seq = execution.logs.length + 1;
      execution.logs.push({
        seq,
        at: execution.createdAt,
        level: 'debug',
        blockId: null,
        message: `line ${seq}`,
      });
    }
    const byDefault = await platform.call<ExecutionResponse>('GET', `${ACME}/executions/exe_000001`);
    const two = await platform.call<ExecutionResponse>('GET', `${ACME}/executions/exe_000001?logTailLines=2`);
    expect(byDefault.body.logLineCount).toBe(45);
    expect(byDefault.body.logTail.map((line) => line.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => 26 + i),
    );
    expect(two.body.logTail.map((line) => line.seq)).toEqual([44, 45]);
  });
});

describe('Conveyor pagination', () => {
  it('given limit 2, want every workflow exactly once and nextCursor null on the last page', async () => {
    const platform = await startTestPlatform();
    const all = await platform.call<PageResponse<{ id: string }>>('GET', `${ACME}/workflows?limit=100`);
    expect(all.body.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await platform.call<PageResponse<{ id: string }>>(
        'GET',
        `${ACME}/workflows?limit=2${query}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    expect(seen).toEqual(all.body.items.map((item) => item.id));
    expect(new Set(seen).size).toBe(all.body.items.length);
    expect(pages).toBe(Math.ceil(all.body.items.length / 2));
  });

  it('given filters, want only matching items', async () => {
    const platform = await startTestPlatform();
    const published = await platform.call<PageResponse<{ status: string; active: boolean }>>(
      'GET',
      `${ACME}/workflows?status=PUBLISHED&active=false`,
    );
    expect(published.body.items.length).toBeGreaterThan(0);
    expect(published.body.items.every((item) => item.status === 'PUBLISHED' && !item.active)).toBe(true);
  });

  it.each([
    { given: 'a cursor that is not one of ours', cursor: 'not-a-cursor', want: 'not a cursor' },
    { given: 'a cursor from a listing with other filters', cursor: undefined, want: 'other filters' },
  ])('given $given, want 400 naming cursor', async ({ cursor, want }) => {
    const platform = await startTestPlatform();
    const first = await platform.call<PageResponse<unknown>>('GET', `${ACME}/workflows?limit=1`);
    const used = cursor ?? first.body.nextCursor ?? '';
    const response = await platform.call('GET', `${ACME}/workflows?limit=1&status=DRAFT&cursor=${used}`);
    expect(response.status).toBe(400);
    expect(response.body.error.details?.field).toBe('cursor');
    expect(response.body.error.message).toContain(want);
  });
});

describe('Conveyor Idempotency-Key', () => {
  const run = `${ACME}/workflows/wf_invoice_sync/executions`;

  it('given the same key and body twice, want the first response replayed and one execution', async () => {
    const platform = await startTestPlatform();
    const headers = { 'idempotency-key': 'run-1' };
    const first = await platform.call<ExecutionResponse>('POST', run, { headers, body: { input: {} } });
    platform.advance(1000);
    const second = await platform.call<ExecutionResponse>('POST', run, { headers, body: { input: {} } });
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.status).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.headers['location']).toBe(first.headers['location']);
    const runs = [...platform.state.executions.values()].filter(
      (execution) => execution.createdAt >= START_TIME,
    );
    expect(runs).toHaveLength(1);
  });

  it('given the same key with a different body, want 422 idempotency_key_reused', async () => {
    const platform = await startTestPlatform();
    const headers = { 'idempotency-key': 'run-2' };
    await platform.call('POST', run, { headers, body: { input: {} } });
    const response = await platform.call('POST', run, { headers, body: { input: { since: 'last week' } } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('idempotency_key_reused');
  });

  it('given the same key on another path, want 422', async () => {
    const platform = await startTestPlatform();
    const headers = { 'idempotency-key': 'shared' };
    await platform.call('POST', `${ACME}/workflows`, { headers, body: { name: 'A' } });
    const response = await platform.call('POST', `${ACME}/workflows/wf_invoice_sync/duplicate`, {
      headers,
      body: { name: 'A' },
    });
    expect(response.status).toBe(422);
  });

  it('given the same key from another API key, want an independent request', async () => {
    const platform = await startTestPlatform();
    const headers = { 'idempotency-key': 'same-key' };
    const mine = await platform.call<WorkflowResponse>('POST', `${ACME}/workflows`, {
      headers,
      body: { name: 'Mine' },
    });
    const theirs = await platform.call<WorkflowResponse>('POST', '/v1/workspaces/wsp_globex/workflows', {
      key: DEMO_OTHER_TENANT_API_KEY,
      headers,
      body: { name: 'Theirs' },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('given no key, want two separate executions', async () => {
    const platform = await startTestPlatform();
    const first = await platform.call<ExecutionResponse>('POST', run, { body: { input: {} } });
    const second = await platform.call<ExecutionResponse>('POST', run, { body: { input: {} } });
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('given a first attempt that failed with 409, want a retry with the same key to act after the fix', async () => {
    const platform = await startTestPlatform();
    const headers = { 'idempotency-key': 'draft-run' };
    const url = `${ACME}/workflows/wf_lead_router/executions`;
    const body = { input: { email: 'lead@example.com' } };
    const first = await platform.call('POST', url, { headers, body });
    expect(first.status).toBe(409);
    await platform.call('PUT', `${ACME}/workflows/wf_lead_router/active`, { body: { active: true } });
    const second = await platform.call<ExecutionResponse>('POST', url, { headers, body });
    expect(second.status).toBe(202);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    const third = await platform.call<ExecutionResponse>('POST', url, { headers, body });
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.body.id).toBe(second.body.id);
  });

  it('given a read-only key, want 403 before any idempotency record is made', async () => {
    const platform = await startTestPlatform();
    const headers = { 'idempotency-key': 'ro' };
    const response = await platform.call('POST', run, {
      key: DEMO_READ_ONLY_API_KEY,
      headers,
      body: { input: {} },
    });
    expect(response.status).toBe(403);
    expect(platform.state.idempotency.size).toBe(0);
  });
});
