/**
 * Upstream faults end to end: the SDK v2 client calls the runtime (buildServer), which calls a
 * platform that fails on purpose (fault-upstream.ts). Every fault must end by the call's deadline
 * with an isError result that says what happened and what to try, leave no socket, timer or memory
 * behind, and leave the server serving.
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import { describeNoAnswer, retryAfterSecondsOf } from '../../runtime/mcp/describe-upstream-error.js';
import { DEFAULT_UPSTREAM_CONNECTIONS } from '../../runtime/plugins/upstream-client.js';
import { type ConnectedClient, connectClient } from './connect-client.js';
import { buildFaultApi, FAULT_TOOL_MAX_BYTES } from './fault-api.js';
import {
  type FaultRoute,
  type FaultUpstream,
  HUGE_BODY_BYTES,
  RATE_LIMIT_RETRY_AFTER_SECONDS,
  startFaultUpstream,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './fault-upstream.js';

/**
 * Slack over the deadline for the MCP round trip and a busy two-core machine: generous, because an
 * unbounded fault would take forever, not two seconds.
 */
const MARGIN_MS = 1_500;

interface ToolResult {
  readonly isError?: boolean;
  readonly content?: unknown;
}

function textsOf(result: ToolResult): string[] {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content.filter((block) => block.type === 'text').map((block) => block.text ?? '');
}

async function startRuntime(faults: FaultUpstream, timeoutMs: number) {
  const app = await buildServer({
    api: buildFaultApi({ timeoutMs, retries: 2 }),
    upstreamUrl: `${faults.url}/v1`,
    retryBackoffMs: 5,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const connected = await connectClient(`${address}/mcp`, '2026-07-28');
  return { app, connected };
}

async function callTimed(connected: ConnectedClient, name: string, args: Record<string, unknown> = {}) {
  const started = performance.now();
  const result = (await connected.client.callTool({ name, arguments: args })) as ToolResult;
  return { result, ms: performance.now() - started, text: textsOf(result).join('\n') };
}

describe('each upstream fault ends by its deadline with a result that says what to do', () => {
  const TIMEOUT_MS = 500;
  let faults: FaultUpstream;
  let app: FastifyInstance;
  let connected: ConnectedClient;

  beforeAll(async () => {
    faults = await startFaultUpstream();
    faults.lateMs = TIMEOUT_MS * 3;
    ({ app, connected } = await startRuntime(faults, TIMEOUT_MS));
  });

  afterAll(async () => {
    await connected?.close();
    await app?.close();
    await faults?.close();
  });

  interface Case {
    readonly given: string;
    readonly tool: string;
    readonly args?: Record<string, unknown>;
    readonly want: readonly (string | RegExp)[];
    /** Requests the platform received: retries show here. */
    readonly hits: number;
    /** The call runs into the deadline (rather than failing fast). */
    readonly slow?: boolean;
  }

  const withKey = () => ({ idempotency_key: `key-${randomUUID()}` });
  const cases: Case[] = [
    {
      given: 'GET, headers never come',
      tool: 'get_hang',
      want: [
        `get_hang failed: the platform did not answer within ${TIMEOUT_MS} ms.`,
        'It is safe to retry (the operation is idempotent); wait a moment first.',
      ],
      hits: 1,
      slow: true,
    },
    {
      given: 'GET, headers come after the deadline',
      tool: 'get_late',
      want: [`did not answer within ${TIMEOUT_MS} ms`, 'safe to retry'],
      hits: 1,
      slow: true,
    },
    {
      given: 'GET, a body trickling a byte every 200 ms forever',
      tool: 'get_slow_body',
      want: [`within ${TIMEOUT_MS} ms`, 'It is safe to retry'],
      hits: 1,
      slow: true,
    },
    {
      given: 'POST, a body trickling forever: the platform answered, so it may have applied it',
      tool: 'create_slow_body',
      want: [`within ${TIMEOUT_MS} ms`, /not safe to simply retry|most likely applied/],
      hits: 1,
      slow: true,
    },
    {
      given: 'POST, headers never come: not safe to simply retry',
      tool: 'create_hang',
      want: [
        `create_hang failed: the platform did not answer within ${TIMEOUT_MS} ms.`,
        'It is not safe to simply retry: the platform may have applied the request.',
        'Check the current state first',
      ],
      hits: 1,
      slow: true,
    },
    {
      given: 'GET, connection reset before the headers: retried, then reported',
      tool: 'get_reset_before_headers',
      want: ['connection to the platform', 'ECONNRESET', 'It is safe to retry'],
      hits: 3,
    },
    {
      given: 'POST, connection reset before the headers: tried once, may have been applied',
      tool: 'create_reset_before_headers',
      want: [/ECONNRESET|EPIPE|UND_ERR_SOCKET/, 'not safe to simply retry'],
      hits: 1,
    },
    {
      given: 'POST with an idempotency key, connection reset: retried, safe to retry',
      tool: 'create_reset_before_headers',
      args: withKey(),
      want: ['It is safe to retry (it carries an idempotency key)'],
      hits: 3,
    },
    {
      given: 'GET, connection reset mid-body: retried, then reported',
      tool: 'get_reset_mid_body',
      want: ['the connection to the platform broke', 'It is safe to retry'],
      hits: 3,
    },
    {
      given: 'POST, connection reset mid-body: tried once, may have been applied',
      tool: 'create_reset_mid_body',
      want: ['the connection to the platform broke', /not safe to simply retry|most likely applied/],
      hits: 1,
    },
    {
      given: 'GET, 500: the platform failed, retrying is safe; not retried here',
      tool: 'get_error_500',
      want: [
        'get_error_500 failed: the platform answered HTTP 500 Internal Server Error: "database is down".',
        'The platform had an internal problem. Retry later; retrying this call is safe.',
      ],
      hits: 1,
    },
    {
      given: 'POST, 500: may or may not have been applied',
      tool: 'create_error_500',
      want: ['HTTP 500', 'may or may not have been applied: check the current state before retrying'],
      hits: 1,
    },
    {
      given: 'GET, 503 with Retry-After 0: retried with the platform, then reported',
      tool: 'get_busy_503',
      want: ['HTTP 503 Service Unavailable: "busy"', 'retrying this call is safe'],
      hits: 3,
    },
    {
      given: 'POST without a key, 503: never retried',
      tool: 'create_busy_503',
      want: ['HTTP 503', 'may or may not have been applied'],
      hits: 1,
    },
    {
      given: 'POST with a key, 503: retried',
      tool: 'create_busy_503',
      args: withKey(),
      want: ['HTTP 503', 'retrying this call is safe'],
      hits: 3,
    },
    {
      given: 'GET, 503 with a Retry-After past the deadline: says when, at once',
      tool: 'get_unavailable_503',
      want: [
        'HTTP 503 Service Unavailable: "maintenance"',
        `The platform asked to wait ${UNAVAILABLE_RETRY_AFTER_SECONDS} seconds first.`,
      ],
      hits: 1,
    },
    {
      given: '429 with Retry-After: says when to retry',
      tool: 'get_rate_limited_429',
      want: [
        'HTTP 429 Too Many Requests: "Slow down"',
        `Rate limited: retry after ${RATE_LIMIT_RETRY_AFTER_SECONDS} seconds.`,
      ],
      hits: 1,
    },
    {
      given: '429 without Retry-After: a short while',
      tool: 'get_rate_limited_no_hint_429',
      want: ['HTTP 429', 'retry after a short while'],
      hits: 1,
    },
    {
      given: 'invalid JSON with a JSON content type: shown as text, with a note',
      tool: 'get_invalid_json',
      want: [
        '{"id": "n_1", "title":',
        'The platform said this was JSON, but it does not parse; shown as text.',
      ],
      hits: 1,
    },
  ];

  it.each(cases)('$given', async ({ tool, args, want, hits, slow }) => {
    faults.hits.clear();
    const { result, ms, text } = await callTimed(connected, tool, args);
    expect(result.isError).toBe(true);
    for (const expected of want) {
      if (typeof expected === 'string') expect(text).toContain(expected);
      else expect(text).toMatch(expected);
    }
    expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    if (slow) expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    const route = tool.replace(/^(get|create)_/, '') as FaultRoute;
    expect(faults.hits.get(route)).toBe(hits);
  });

  it('a 50 MB body: cut at the tool maxBytes while streaming, the socket closed instead of drained', async () => {
    faults.hugeBodies.length = 0;
    const { result, ms } = await callTimed(connected, 'get_huge');
    expect(result.isError).toBe(true);
    const [partial, note] = textsOf(result);
    expect(partial?.length).toBe(FAULT_TOOL_MAX_BYTES);
    expect(note).toContain(
      `The response was cut at ${FAULT_TOOL_MAX_BYTES} bytes because the platform sent more.`,
    );
    expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    await expect.poll(() => faults.hugeBodies.length).toBe(1);
    expect(faults.hugeBodies[0]?.finished).toBe(false);
    // What loopback buffers absorbed before the close, not the 50 MB a drain would have read.
    expect(faults.hugeBodies[0]?.written).toBeLessThan(HUGE_BODY_BYTES / 5);
  });

  it('keeps serving: a normal call succeeds after every fault', async () => {
    const { result } = await callTimed(connected, 'get_ok');
    expect(result.isError).toBeFalsy();
    expect((result as { structuredContent?: unknown }).structuredContent).toEqual({
      ok: true,
      method: 'GET',
    });
  });
});

describe('fault texts', () => {
  it.each<{ status: number; headers: Record<string, string>; want: number | undefined }>([
    { status: 429, headers: { 'retry-after': '17' }, want: 17 },
    { status: 503, headers: { 'Retry-After': '2' }, want: 2 },
    { status: 429, headers: {}, want: undefined },
    { status: 503, headers: { 'retry-after': 'soon' }, want: undefined },
    // Only 429 and 503 carry a wait in this sense.
    { status: 500, headers: { 'retry-after': '5' }, want: undefined },
    { status: 200, headers: { 'retry-after': '5' }, want: undefined },
  ])('retryAfterSecondsOf($status, $headers) = $want', ({ status, headers, want }) => {
    expect(retryAfterSecondsOf(status, headers)).toBe(want);
  });

  const base = { toolName: 'create_note', timeoutMs: 500, retrySafe: false, idempotencyKeySent: false };
  it.each([
    {
      given: 'a body that did not finish in time after a 2xx, on an unsafe write',
      input: { ...base, kind: 'timeout' as const, phase: 'body' as const, status: 201 },
      want:
        'create_note failed: the platform answered HTTP 201 but did not finish sending it within 500 ms. ' +
        'The platform accepted the request (HTTP 201), so it was most likely applied: do not repeat it; ' +
        'check the current state (for example with a get or list tool) instead.',
    },
    {
      given: 'a reset before the headers, on an unsafe write',
      input: {
        ...base,
        kind: 'unreachable' as const,
        code: 'ECONNRESET',
        notSent: false,
        phase: 'headers' as const,
      },
      want:
        'create_note failed: the connection to the platform was closed before it answered (ECONNRESET). ' +
        'It is not safe to simply retry: the platform may have applied the request.',
    },
    {
      given: 'a reset mid-body, on an idempotent call',
      input: {
        ...base,
        retrySafe: true,
        kind: 'unreachable' as const,
        code: 'UND_ERR_SOCKET',
        notSent: false,
        phase: 'body' as const,
        status: 200,
      },
      want:
        'create_note failed: the connection to the platform broke while it was sending its answer (HTTP 200, UND_ERR_SOCKET). ' +
        'It is safe to retry (the operation is idempotent)',
    },
    {
      given: 'a refused connection: never sent',
      input: { ...base, kind: 'unreachable' as const, code: 'ECONNREFUSED', notSent: true },
      want: 'create_note failed: the platform could not be reached (ECONNREFUSED). It is safe to retry (the request was never sent)',
    },
  ])('$given', ({ input, want }) => {
    expect(describeNoAnswer(input)).toContain(want);
  });
});

/** gc() if this process can have it: --expose-gc, or switched on at run time. */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function countResources(): { tcp: number; timers: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    tcp: resources.filter((name) => name === 'TCPSocketWrap').length,
    timers: resources.filter((name) => name === 'Timeout').length,
  };
}

async function runBounded(count: number, concurrency: number, run: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('1,000 faulted calls leak nothing', () => {
  const TIMEOUT_MS = 200;
  const CALLS = 1_000;
  const CONCURRENCY = 16;
  const MIX: readonly { tool: string; key?: boolean }[] = [
    { tool: 'get_hang' },
    { tool: 'get_late' },
    { tool: 'get_slow_body' },
    { tool: 'get_stall_body' },
    { tool: 'get_reset_before_headers' },
    { tool: 'get_reset_mid_body' },
    { tool: 'get_error_500' },
    { tool: 'get_busy_503' },
    { tool: 'get_unavailable_503' },
    { tool: 'get_rate_limited_429' },
    { tool: 'get_huge' },
    { tool: 'get_invalid_json' },
    { tool: 'create_hang' },
    { tool: 'create_slow_body' },
    { tool: 'create_reset_before_headers' },
    { tool: 'create_reset_mid_body', key: true },
    { tool: 'create_busy_503', key: true },
    { tool: 'create_huge' },
  ];

  it('sockets, handles, timers and heap return to bounds; the server still answers', async () => {
    const gc = findGc();
    const before = countResources();
    const faults = await startFaultUpstream();
    const { app, connected } = await startRuntime(faults, TIMEOUT_MS);
    const pool = () => {
      const loaded = app.upstream.loadedPool();
      if (loaded === undefined) throw new Error('the first upstream call creates the pool');
      return loaded;
    };

    // Warm up every path once, and keep-alive sockets at full concurrency, so one-time costs
    // (compiled code, lazy state) are in the baseline and the growth measured is per call.
    await runBounded(MIX.length, CONCURRENCY, async (index) => {
      const pick = MIX[index]!;
      await callTimed(connected, pick.tool, pick.key ? { idempotency_key: `warm-${randomUUID()}` } : {});
    });
    await runBounded(CONCURRENCY * 2, CONCURRENCY, async () => {
      await connected.client.callTool({ name: 'get_ok', arguments: {} });
    });
    await settle(100);
    gc?.();
    const baseline = { ...countResources(), heap: process.memoryUsage().heapUsed };

    const durations: number[] = [];
    let errors = 0;
    const started = performance.now();
    await runBounded(CALLS, CONCURRENCY, async (index) => {
      const pick = MIX[index % MIX.length]!;
      const { result, ms } = await callTimed(
        connected,
        pick.tool,
        pick.key ? { idempotency_key: `leak-${index}-${randomUUID()}` } : {},
      );
      durations.push(ms);
      if (result.isError) errors += 1;
    });
    const totalMs = performance.now() - started;

    await settle(300);
    gc?.();
    const after = { ...countResources(), heap: process.memoryUsage().heapUsed };
    const sorted = [...durations].sort((a, b) => a - b);
    const report = {
      totalMs: Math.round(totalMs),
      p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      maxMs: Math.round(sorted[sorted.length - 1] ?? 0),
      upstreamSocketsOpen: faults.openSockets(),
      upstreamSocketsAccepted: faults.acceptedSockets(),
      pool: { ...pool().stats },
      baseline,
      after,
      heapGrowthMb: Math.round(((after.heap - baseline.heap) / 1024 / 1024) * 10) / 10,
      gc: gc !== undefined,
    };
    console.info('upstream faults leak check', JSON.stringify(report));

    expect(errors).toBe(CALLS);
    // Calls end by their deadline (exact timing is asserted above, one call at a time); this bound
    // covers 16 MCP round trips at once on two busy cores, and still fails a call that retries
    // past its deadline (Retry-After 2 s on unavailable_503).
    expect(report.maxMs).toBeLessThan(TIMEOUT_MS + 1_800);
    expect(pool().stats).toMatchObject({ running: 0, pending: 0, queued: 0 });
    // Only idle keep-alive sockets remain, at most the pool size (undici may open one more idle
    // connection after an aborted request, so more than the calls in flight at once).
    expect(report.upstreamSocketsOpen).toBeLessThanOrEqual(DEFAULT_UPSTREAM_CONNECTIONS);
    expect(pool().stats.connected).toBeLessThanOrEqual(DEFAULT_UPSTREAM_CONNECTIONS);
    // Both ends of each idle upstream socket live in this process; 1,000 calls opened ~1,000 sockets.
    expect(after.tcp - baseline.tcp).toBeLessThanOrEqual(2 * DEFAULT_UPSTREAM_CONNECTIONS);
    expect(after.timers - baseline.timers).toBeLessThanOrEqual(8);
    // Measured: ~5 MB whether 1,000 or 4,000 calls (one-time); a retained 64 KB body per call is 64 MB.
    expect(after.heap - baseline.heap).toBeLessThan((gc ? 16 : 96) * 1024 * 1024);

    const { result } = await callTimed(connected, 'get_ok');
    expect(result.isError).toBeFalsy();

    await connected.close();
    await app.close();
    await faults.waitForNoSockets(2_000);
    await faults.close();
    await settle(100);
    const closed = countResources();
    console.info('after close', JSON.stringify({ before, closed }));
    expect(closed.tcp - before.tcp).toBeLessThanOrEqual(2);
    expect(closed.timers - before.timers).toBeLessThanOrEqual(2);
  }, 60_000);
});
