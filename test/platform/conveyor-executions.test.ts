import { describe, expect, it } from 'vitest';
import { buildPlatform, DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import type { ErrorResponse, ExecutionResponse, PageResponse, TestPlatform } from './conveyor-test-kit.js';
import { startTestPlatform, TICK_MS } from './conveyor-test-kit.js';

const ACME = '/v1/workspaces/wsp_acme';

async function start(platform: TestPlatform, workflowId: string, body: unknown) {
  return platform.call<ExecutionResponse>('POST', `${ACME}/workflows/${workflowId}/executions`, { body });
}

async function read(platform: TestPlatform, executionId: string) {
  const response = await platform.call<ExecutionResponse>(
    'GET',
    `${ACME}/executions/${executionId}?logTailLines=200`,
  );
  expect(response.status).toBe(200);
  return response.body;
}

describe('Conveyor execution lifecycle (manual clock)', () => {
  it('given a published active workflow, want QUEUED -> RUNNING -> SUCCEEDED with accumulating logs', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_invoice_sync', { input: { since: '2026-03-01' } });
    expect(started.status).toBe(202);
    expect(started.headers['location']).toBe(`${ACME}/executions/${started.body.id}`);
    expect(started.body).toMatchObject({
      status: 'QUEUED',
      mode: 'production',
      input: { since: '2026-03-01' },
    });

    platform.advance(TICK_MS);
    const running = await read(platform, started.body.id);
    expect(running).toMatchObject({ status: 'RUNNING', currentBlockId: 'nightly' });

    platform.advance(2 * TICK_MS);
    const midway = await read(platform, started.body.id);
    expect(midway).toMatchObject({ status: 'RUNNING', currentBlockId: 'shape' });
    expect(midway.logLineCount).toBeGreaterThan(running.logLineCount);

    platform.advance(10 * TICK_MS);
    const done = await read(platform, started.body.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', currentBlockId: null, error: null });
    expect(done.output).toEqual({ sent: true, to: 'finance@acme.example' });
    const messages = done.logTail.map((line) => line.message);
    expect(
      messages.some((message) =>
        /^GET \S+invoices\?since=2026-03-01 answered 200 OK in \d+ ms$/.test(message),
      ),
    ).toBe(true);
    expect(messages.at(-1)).toMatch(/^Execution succeeded in \d+ ms$/);
    expect(done.logTail.map((line) => line.seq)).toEqual(
      Array.from({ length: done.logLineCount }, (_, i) => i + 1),
    );
  });

  it('given a human_input block, want PAUSED with the request, then submitHumanInput resumes to SUCCEEDED', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_expense_approval', {
      input: { amount: 1200, employee: 'Noor' },
    });
    platform.advance(10 * TICK_MS);
    const paused = await read(platform, started.body.id);
    expect(paused.status).toBe('PAUSED');
    expect(paused.pendingHumanInput).toMatchObject({
      blockId: 'approval',
      prompt: 'Approve the expense of 1200 EUR by Noor?',
    });
    expect(paused.pendingHumanInput?.fields.map((field) => field.name)).toEqual(['approved', 'comment']);

    platform.advance(100 * TICK_MS);
    expect((await read(platform, started.body.id)).status).toBe('PAUSED');

    const resumed = await platform.call<ExecutionResponse>(
      'POST',
      `${ACME}/executions/${started.body.id}/human-input`,
      {
        body: { inputId: paused.pendingHumanInput?.inputId, values: { approved: true, comment: 'ok' } },
      },
    );
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({
      status: 'RUNNING',
      pendingHumanInput: null,
      currentBlockId: 'decide',
    });

    platform.advance(10 * TICK_MS);
    const done = await read(platform, started.body.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      status: 200,
      body: { ok: true, url: 'https://erp.acme.example/api/expenses' },
    });
  });

  it('given a rejection, want the false branch to run', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_expense_approval', { input: { amount: 5, employee: 'Kim' } });
    platform.advance(10 * TICK_MS);
    const paused = await read(platform, started.body.id);
    await platform.call('POST', `${ACME}/executions/${started.body.id}/human-input`, {
      body: { inputId: paused.pendingHumanInput?.inputId, values: { approved: false } },
    });
    platform.advance(10 * TICK_MS);
    const done = await read(platform, started.body.id);
    expect(done.output).toEqual({ sent: true, to: 'hr@acme.example' });
  });

  it.each([
    {
      given: 'an execution that is not PAUSED',
      setup: 'running',
      body: (inputId: string) => ({ inputId, values: { approved: true } }),
      wantStatus: 409,
      wantCode: 'execution_not_paused',
    },
    {
      given: 'a stale inputId',
      setup: 'paused',
      body: () => ({ inputId: 'hin_000999_1', values: { approved: true } }),
      wantStatus: 409,
      wantCode: 'stale_input_id',
    },
    {
      given: 'a missing required value',
      setup: 'paused',
      body: (inputId: string) => ({ inputId, values: { comment: 'no decision' } }),
      wantStatus: 422,
      wantCode: 'invalid_human_input',
    },
    {
      given: 'a value of the wrong type',
      setup: 'paused',
      body: (inputId: string) => ({ inputId, values: { approved: 'yes' } }),
      wantStatus: 422,
      wantCode: 'invalid_human_input',
    },
  ])('given $given, want $wantStatus $wantCode', async ({ setup, body, wantStatus, wantCode }) => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_expense_approval', { input: { amount: 10, employee: 'Kim' } });
    platform.advance(setup === 'paused' ? 10 * TICK_MS : TICK_MS);
    const current = await read(platform, started.body.id);
    const response = await platform.call<ErrorResponse>(
      'POST',
      `${ACME}/executions/${started.body.id}/human-input`,
      {
        body: body(current.pendingHumanInput?.inputId ?? 'hin_000001_1'),
      },
    );
    expect(response.status).toBe(wantStatus);
    expect(response.body.error.code).toBe(wantCode);
    if (wantStatus === 422) expect(response.body.error.details?.field).toBe('values.approved');
  });

  it('given an http_request block whose URL contains "fail", want FAILED naming the block', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_crm_export', { input: {} });
    platform.advance(10 * TICK_MS);
    const failed = await read(platform, started.body.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toEqual({
      code: 'http_error',
      message:
        'POST https://crm.acme.example/api/contacts/export?simulate=fail answered 503 Service Unavailable',
      blockId: 'export',
    });
    expect(failed.finishedAt).not.toBeNull();
    expect(failed.logTail.filter((line) => line.level === 'error')).toHaveLength(2);
  });

  it('given a running execution, want cancel to end it CANCELLED and a second cancel to change nothing', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_invoice_sync', { input: {} });
    platform.advance(TICK_MS);
    const url = `${ACME}/executions/${started.body.id}/cancel`;
    const first = await platform.call<ExecutionResponse>('POST', url, { body: { reason: 'wrong day' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'CANCELLED', currentBlockId: null });
    expect(first.body.logTail.at(-1)?.message).toBe('Execution cancelled by usr_ada: wrong day');
    platform.advance(50 * TICK_MS);
    const second = await platform.call<ExecutionResponse>('POST', url);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it('given a finished execution, want cancel to return it unchanged with 200', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_invoice_sync', { input: {} });
    platform.advance(20 * TICK_MS);
    const before = await read(platform, started.body.id);
    const cancelled = await platform.call<ExecutionResponse>(
      'POST',
      `${ACME}/executions/${started.body.id}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('SUCCEEDED');
    expect(cancelled.body.logLineCount).toBe(before.logLineCount);
  });

  it('given a paused execution, want cancel to clear the pending request', async () => {
    const platform = await startTestPlatform();
    const paused = await platform.call<PageResponse<{ id: string }>>(
      'GET',
      `${ACME}/executions?status=PAUSED`,
    );
    const id = paused.body.items[0]?.id ?? '';
    const cancelled = await platform.call<ExecutionResponse>('POST', `${ACME}/executions/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', pendingHumanInput: null });
  });

  it('given a FAILED execution, want retry to create a new execution with retryOf; given a running one, 409', async () => {
    const platform = await startTestPlatform();
    const failed = await platform.call<PageResponse<{ id: string }>>(
      'GET',
      `${ACME}/executions?status=FAILED&limit=1`,
    );
    const failedId = failed.body.items[0]?.id ?? '';
    const retried = await platform.call<ExecutionResponse>('POST', `${ACME}/executions/${failedId}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'QUEUED', retryOf: failedId, workflowId: 'wf_crm_export' });
    expect(retried.body.id).not.toBe(failedId);
    const again = await platform.call('POST', `${ACME}/executions/${retried.body.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('execution_not_retryable');
  });

  it.each([
    {
      given: 'a DRAFT workflow',
      workflowId: 'wf_onboarding',
      mode: 'production',
      wantCode: 'workflow_not_published',
    },
    {
      given: 'an ARCHIVED workflow',
      workflowId: 'wf_legacy_report',
      mode: 'test',
      wantCode: 'workflow_not_published',
    },
    {
      given: 'an inactive workflow in production mode',
      workflowId: 'wf_lead_router',
      mode: 'production',
      wantCode: 'workflow_inactive',
    },
  ])('given $given, want 409 $wantCode with a clear message', async ({ workflowId, mode, wantCode }) => {
    const platform = await startTestPlatform();
    const response = await platform.call<ErrorResponse>(
      'POST',
      `${ACME}/workflows/${workflowId}/executions`,
      {
        body: { input: { email: 'x@example.com', customerEmail: 'x@example.com' }, mode },
      },
    );
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe(wantCode);
    expect(response.body.error.message).toContain(workflowId);
  });

  it('given an inactive workflow in test mode, want it to run and skip sending email', async () => {
    const platform = await startTestPlatform();
    const started = await start(platform, 'wf_lead_router', {
      input: { email: 'cold@example.com' },
      mode: 'test',
    });
    expect(started.status).toBe(202);
    platform.advance(20 * TICK_MS);
    const done = await read(platform, started.body.id);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      mode: 'test',
      input: { email: 'cold@example.com', score: 0 },
    });
    expect(done.output).toEqual({ sent: false, to: 'cold@example.com' });
  });

  it.each([
    { given: 'a missing required variable', input: { employee: 'Kim' }, wantField: 'input.amount' },
    {
      given: 'an unknown variable',
      input: { amount: 1, employee: 'Kim', project: 'x' },
      wantField: 'input.project',
    },
    {
      given: 'a variable of the wrong type',
      input: { amount: '12', employee: 'Kim' },
      wantField: 'input.amount',
    },
  ])('given $given, want 422 naming $wantField', async ({ input, wantField }) => {
    const platform = await startTestPlatform();
    const response = await platform.call<ErrorResponse>(
      'POST',
      `${ACME}/workflows/wf_expense_approval/executions`,
      {
        body: { input },
      },
    );
    expect(response.status).toBe(422);
    expect(response.body.error.details?.field).toBe(wantField);
  });

  it('given executions of several workflows, want listExecutions filters by workflowId and status', async () => {
    const platform = await startTestPlatform();
    const list = await platform.call<PageResponse<{ workflowId: string; status: string }>>(
      'GET',
      `${ACME}/executions?workflowId=wf_invoice_sync&status=SUCCEEDED`,
    );
    expect(list.body.items).toHaveLength(3);
    expect(
      list.body.items.every((item) => item.workflowId === 'wf_invoice_sync' && item.status === 'SUCCEEDED'),
    ).toBe(true);
  });

  it('given an execution, want listExecutionLogs to page through every line and filter by level', async () => {
    const platform = await startTestPlatform();
    const execution = await read(platform, 'exe_000004');
    const first = await platform.call<PageResponse<{ seq: number }>>(
      'GET',
      `${ACME}/executions/exe_000004/logs?limit=3`,
    );
    expect(first.body.items.map((line) => line.seq)).toEqual([1, 2, 3]);
    expect(first.body.nextCursor).not.toBeNull();
    const errors = await platform.call<PageResponse<{ level: string }>>(
      'GET',
      `${ACME}/executions/exe_000004/logs?level=error`,
    );
    expect(execution.status).toBe('FAILED');
    expect(errors.body.items.map((line) => line.level)).toEqual(['error', 'error']);
  });
});

describe('Conveyor execution lifecycle (real time)', () => {
  it('given tickMs 20, want a run to reach SUCCEEDED within a second of polling', async () => {
    const app = await buildPlatform({ tickMs: TICK_MS });
    try {
      const headers = { 'x-conveyor-api-key': DEMO_API_KEY };
      const started = await app.inject({
        method: 'POST',
        url: '/v1/workspaces/wsp_sandbox/workflows/wf_sandbox_hello/executions',
        headers,
        payload: { input: { name: 'Conveyor' } },
      });
      const id = (started.json() as ExecutionResponse).id;
      let execution = started.json() as ExecutionResponse;
      const deadline = Date.now() + 1000;
      while (execution.status !== 'SUCCEEDED' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
        execution = (
          await app.inject({ url: `/v1/workspaces/wsp_sandbox/executions/${id}`, headers })
        ).json();
      }
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toEqual({ greeting: 'Hello, Conveyor!' });
    } finally {
      await app.close();
    }
  });
});
