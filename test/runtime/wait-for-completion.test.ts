/**
 * x-mcp `wait` end to end: the SDK v2 client calls the generated execute_workflow against the real
 * Conveyor platform (its execution engine runs QUEUED -> RUNNING -> SUCCEEDED | FAILED, PAUSED at a
 * human_input block). Given: the generated API with the poll interval shortened to 100-300 ms (the
 * overlay says 1-5 s), a platform tick of 100 ms, and a platform clock a test can stop, so a run
 * stays QUEUED for as long as a test needs.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, DEMO_API_KEY, getPlatformState } from '../../platform/conveyor/build-platform.js';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';
import { WAIT_META_KEY, type WaitMeta } from '../../runtime/mcp/wait-for-completion.js';
import { type ConnectedClient, connectClient, type Revision } from './connect-client.js';

const TICK_MS = 100;
let platform: FastifyInstance;
let mcp: FastifyInstance;
let mcpUrl: string;
/** While set, the platform's clock stands still at this time: executions do not progress. */
let frozenAt: number | undefined;

beforeAll(async () => {
  platform = await buildPlatform({ tickMs: TICK_MS, clock: () => frozenAt ?? Date.now() });
  const platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  const generated = await loadApi(resolve('generated/conveyor'));
  const api: ApiDefinition = {
    ...generated,
    tools: generated.tools.map((tool) =>
      tool.wait === undefined
        ? tool
        : { ...tool, wait: { ...tool.wait, intervalSeconds: 0.1, maxIntervalSeconds: 0.3 } },
    ),
  };
  mcp = await buildServer({ api, upstreamUrl: `${platformUrl}/v1`, upstreamCredential: DEMO_API_KEY });
  mcpUrl = `${await mcp.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
});

afterAll(async () => {
  await mcp?.close();
  await platform?.close();
});

interface Progress {
  readonly progress: number;
  readonly message?: string;
}

/** Calls a tool asking for progress; returns the result and the notifications that arrived. */
async function callWithProgress(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<{ result: CallToolResult; progress: Progress[] }> {
  const progress: Progress[] = [];
  const result = (await client.callTool(
    { name, arguments: args },
    {
      onprogress: (p) => {
        progress.push(p);
        options.onProgress?.(p);
      },
      ...(options.signal !== undefined && { signal: options.signal }),
    },
  )) as CallToolResult;
  return { result, progress };
}

const textOf = (result: CallToolResult) =>
  result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
const metaOf = (result: CallToolResult) => result._meta?.[WAIT_META_KEY] as WaitMeta | undefined;

/** GET requests for one execution's status that reached the platform. */
function countStatusReads(): number {
  const counts = getPlatformState(platform).requestCounts;
  return counts.get('GET /v1/workspaces/:workspaceId/executions/:executionId') ?? 0;
}

function execute(workflowId: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    workspace_id: 'wsp_acme',
    workflow_id: workflowId,
    idempotency_key: randomUUID(),
    input,
    ...extra,
  };
}

describe.each(['2026-07-28', '2025-11-25'] as const)('wait over revision %s', (revision: Revision) => {
  let connected: ConnectedClient;
  beforeAll(async () => {
    connected = await connectClient(mcpUrl, revision);
  });
  afterAll(async () => {
    await connected?.close();
  });

  it('wait: true returns the SUCCEEDED execution after progress notifications from each poll', async () => {
    const { result, progress } = await callWithProgress(
      connected.client,
      'execute_workflow',
      execute('wf_invoice_sync', {}, { wait: true }),
    );
    expect(result.isError, textOf(result)).toBeFalsy();
    const execution = result.structuredContent as { id: string; status: string; output: unknown };
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.id).toMatch(/^exe_/);
    expect(execution.output).not.toBeNull();
    // At least two polls saw it still going before the one that saw it end.
    expect(progress.filter((p) => !p.message?.startsWith('SUCCEEDED')).length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)?.message).toMatch(/^SUCCEEDED/);
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    // The current block is the detail of a running poll.
    expect(progress.some((p) => /^RUNNING \(\w+\)$/.test(p.message ?? ''))).toBe(true);
    expect(metaOf(result)).toMatchObject({ outcome: 'finished', state: 'SUCCEEDED', polls: progress.length });
    expect(textOf(result)).toContain('It ended SUCCEEDED.');
  });

  it('wait: true returns a FAILED execution as an ordinary result naming the failing block', async () => {
    const { result, progress } = await callWithProgress(
      connected.client,
      'execute_workflow',
      execute('wf_crm_export', {}, { wait: true }),
    );
    expect(result.isError).toBeFalsy();
    const execution = result.structuredContent as { status: string; error: { blockId: string } | null };
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.blockId).toBeTruthy();
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)?.message).toMatch(/^FAILED/);
  });

  it('a run that waits for a person returns PAUSED with the pending request', async () => {
    const { result } = await callWithProgress(
      connected.client,
      'execute_workflow',
      execute('wf_expense_approval', { amount: 120, employee: 'ada' }, { wait: true }),
    );
    expect(result.isError).toBeFalsy();
    const execution = result.structuredContent as { status: string; pendingHumanInput: { inputId: string } };
    expect(execution.status).toBe('PAUSED');
    expect(execution.pendingHumanInput.inputId).toMatch(/^hin_/);
    expect(metaOf(result)?.outcome).toBe('finished');
  });

  it('a run that outlives a short wait returns its id and exactly how to poll it, not an error', async () => {
    frozenAt = Date.now();
    try {
      const { result, progress } = await callWithProgress(
        connected.client,
        'execute_workflow',
        execute('wf_invoice_sync', {}, { wait: true, wait_seconds: 1 }),
      );
      expect(result.isError).toBeFalsy();
      const execution = result.structuredContent as { id: string; status: string };
      expect(execution.status).toBe('QUEUED');
      const meta = metaOf(result);
      expect(meta).toMatchObject({
        outcome: 'timeout',
        state: 'QUEUED',
        poll: {
          tool: 'get_execution_status',
          arguments: { workspace_id: 'wsp_acme', execution_id: execution.id, log_tail_lines: 5 },
        },
      });
      expect(meta?.waitedSeconds).toBeGreaterThanOrEqual(1);
      expect(meta?.waitedSeconds).toBeLessThan(3);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      const text = textOf(result);
      expect(text).toContain('still QUEUED and keeps running');
      expect(text).toContain(
        `call get_execution_status with {"execution_id":"${execution.id}","log_tail_lines":5,"workspace_id":"wsp_acme"}`,
      );
      // The instructions work: the poll call they name answers for the same execution.
      const polled = await connected.client.callTool({
        name: 'get_execution_status',
        arguments: meta?.poll.arguments as Record<string, unknown>,
      });
      expect((polled.structuredContent as { id: string }).id).toBe(execution.id);
    } finally {
      frozenAt = undefined;
    }
  });

  it('without wait (or wait: false) answers at once with the QUEUED execution and polls nothing', async () => {
    for (const extra of [{}, { wait: false }]) {
      const before = countStatusReads();
      const { result, progress } = await callWithProgress(
        connected.client,
        'execute_workflow',
        execute('wf_invoice_sync', {}, extra),
      );
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { status: string }).status).toBe('QUEUED');
      expect(metaOf(result)).toBeUndefined();
      expect(progress).toEqual([]);
      expect(countStatusReads()).toBe(before);
    }
  });

  it('retrying the same idempotency key with wait: true replays the start and waits for that execution', async () => {
    const args = execute('wf_invoice_sync', {});
    const first = await connected.client.callTool({ name: 'execute_workflow', arguments: args });
    const id = (first.structuredContent as { id: string }).id;
    const { result } = await callWithProgress(connected.client, 'execute_workflow', { ...args, wait: true });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ id, status: 'SUCCEEDED' });
  });
});

describe('cancellation stops polling; the execution keeps running upstream', () => {
  it('2026-07-28: aborting the call closes its stream and the server stops polling', async () => {
    const connected = await connectClient(mcpUrl, '2026-07-28');
    frozenAt = Date.now();
    try {
      const abort = new AbortController();
      const call = callWithProgress(
        connected.client,
        'execute_workflow',
        execute('wf_invoice_sync', {}, { wait: true, wait_seconds: 30 }),
        {
          signal: abort.signal,
          onProgress: (p) => {
            if (p.progress >= 2) abort.abort();
          },
        },
      );
      await expect(call).rejects.toThrow();
      // Let the server notice the closed stream and any poll already sent finish.
      await new Promise((r) => setTimeout(r, 400));
      const after = countStatusReads();
      await new Promise((r) => setTimeout(r, 1_000));
      // With polls every 100-300 ms, a server still waiting would have read the status 3+ times by now.
      expect(countStatusReads()).toBe(after);
      // Cancelling the wait cancels nothing upstream: the execution is still there, still QUEUED.
      const state = getPlatformState(platform);
      const latest = [...state.executions.values()].at(-1);
      expect(latest?.status).toBe('QUEUED');
    } finally {
      frozenAt = undefined;
      await connected.close();
    }
  });

  it('2025-11-25: aborting the call sends notifications/cancelled on its session and the server stops polling', async () => {
    const connected = await connectClient(mcpUrl, '2025-11-25');
    frozenAt = Date.now();
    try {
      const abort = new AbortController();
      const call = callWithProgress(
        connected.client,
        'execute_workflow',
        execute('wf_invoice_sync', {}, { wait: true, wait_seconds: 30 }),
        { signal: abort.signal, onProgress: (p) => p.progress >= 2 && abort.abort() },
      );
      await expect(call).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 400));
      const after = countStatusReads();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(countStatusReads()).toBe(after);
    } finally {
      frozenAt = undefined;
      await connected.close();
    }
  });

  it('2025-11-25: ending the session mid-wait stops polling', async () => {
    const connected = await connectClient(mcpUrl, '2025-11-25');
    frozenAt = Date.now();
    try {
      let reached: () => void = () => {};
      const twoPolls = new Promise<void>((r) => {
        reached = r;
      });
      const call = callWithProgress(
        connected.client,
        'execute_workflow',
        execute('wf_invoice_sync', {}, { wait: true, wait_seconds: 30 }),
        { onProgress: (p) => p.progress >= 2 && reached() },
      );
      call.catch(() => {});
      await twoPolls;
      await connected.transport.terminateSession();
      await connected.close();
      await new Promise((r) => setTimeout(r, 400));
      const after = countStatusReads();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(countStatusReads()).toBe(after);
    } finally {
      frozenAt = undefined;
    }
  });
});
