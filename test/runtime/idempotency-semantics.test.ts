/**
 * The documented results of keyed write calls, end to end through the SDK client against the notes
 * fixture: replay, conflict (422), still running (409), missing key, the Idempotency-Key header,
 * per-principal scoping, expiry, unknown outcomes, and the audit entries they leave.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildServer, type ServerOptions } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { REPLAY_META_KEY } from '../../runtime/idempotency/run-keyed-call.js';
import { redactArgumentsForAudit } from '../../runtime/mcp/call-tool.js';
import { openMemoryStore } from '../../runtime/stores/memory-store.js';
import type { Store } from '../../runtime/stores/store-types.js';
import notesApi from '../fixtures/runtime/notes-api.js';
import { type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

let upstream: NotesUpstream;
const open: { app: FastifyInstance; clients: Client[] }[] = [];

beforeAll(async () => {
  upstream = await startNotesUpstream();
});

afterAll(async () => {
  await upstream.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
  upstream.respond = undefined;
});

afterEach(async () => {
  for (const { app, clients } of open.splice(0)) {
    for (const client of clients) await client.close();
    await app.close();
  }
});

interface Started {
  readonly store: Store;
  /** The server's origin. */
  readonly origin: string;
  /** A client; `headers` are sent on every HTTP request, `responses` records each answer's headers. */
  connect(headers?: Record<string, string>): Promise<{ client: Client; responses: Headers[] }>;
}

async function start(
  options: Partial<ServerOptions> & { upstream?: Partial<ApiDefinition['upstream']> } = {},
): Promise<Started> {
  const store = openMemoryStore();
  const { upstream: upstreamSettings, ...rest } = options;
  const api: ApiDefinition = {
    ...notesApi,
    upstream: { ...notesApi.upstream, timeoutMs: 2_000, ...upstreamSettings },
    ...(rest.api !== undefined && rest.api),
  };
  const app = await buildServer({
    upstreamUrl: `${upstream.url}/v1`,
    retryBackoffMs: 1,
    store,
    ...rest,
    api,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const entry = { app, clients: [] as Client[] };
  open.push(entry);
  return {
    store,
    origin: address,
    async connect(headers = {}) {
      const responses: Headers[] = [];
      const client = new Client(
        { name: 'idempotency-test', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      const transport = new StreamableHTTPClientTransport(new URL(`${address}/mcp`), {
        requestInit: { headers },
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          responses.push(response.headers);
          return response;
        },
      });
      await client.connect(transport);
      entry.clients.push(client);
      return { client, responses };
    },
  };
}

function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
}

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

function replayOf(result: CallToolResult): { key: string; replayed: boolean } | undefined {
  return result._meta?.[REPLAY_META_KEY] as { key: string; replayed: boolean } | undefined;
}

const posts = () => upstream.requests.filter((request) => request.method === 'POST');

describe('keyed write calls', () => {
  it('a retry with the same key and arguments replays the stored result and is marked as a replay', async () => {
    const { connect } = await start();
    const { client } = await connect();
    const first = await call(client, 'create_note', {
      title: 'A',
      tags: ['x'],
      idempotency_key: 'key-00001',
    });
    // Same arguments in another order: the same call.
    const again = await call(client, 'create_note', {
      idempotency_key: 'key-00001',
      tags: ['x'],
      title: 'A',
    });
    expect(posts()).toHaveLength(1);
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(replayOf(first)).toEqual({ key: 'key-00001', replayed: false });
    expect(replayOf(again)).toMatchObject({ key: 'key-00001', replayed: true });
    expect((replayOf(again) as { completedAt?: string }).completedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('the same key with other arguments is an isError conflict and sends nothing', async () => {
    const { connect } = await start();
    const { client } = await connect();
    await call(client, 'create_note', { title: 'A', idempotency_key: 'key-00002' });
    const other = await call(client, 'create_note', { title: 'B', idempotency_key: 'key-00002' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toBe(
      'create_note was already called with idempotency key "key-00002" and different arguments, so this call was not performed (a key stands for one action). To perform a new action, call create_note again with a new idempotency key; to retry the earlier action, repeat its exact arguments.',
    );
    expect(posts()).toHaveLength(1);
  });

  it('a missing required key is an isError that says how to make one, and sends nothing', async () => {
    const { connect, store } = await start();
    const { client } = await connect();
    const result = await call(client, 'create_note', { title: 'A' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^create_note needs an "idempotency_key" argument because it changes data\. Make one by generating a new random string \(for example a UUID/,
    );
    expect(upstream.requests).toHaveLength(0);
    const [entry] = await store.audit.query();
    expect(entry).toMatchObject({ tool: 'create_note', outcome: 'rejected', principal: 'anonymous' });
  });

  it('a tool with an optional key runs every call without one', async () => {
    const { connect } = await start();
    const { client } = await connect();
    await call(client, 'archive_note', { note_id: 'n_1' });
    await call(client, 'archive_note', { note_id: 'n_1' });
    expect(posts()).toHaveLength(2);
  });

  it('the Idempotency-Key header of the MCP request stands in for the argument', async () => {
    const { connect } = await start();
    const { client } = await connect({ 'Idempotency-Key': 'header-key-1' });
    const first = await call(client, 'create_note', { title: 'From header' });
    const again = await call(client, 'create_note', { title: 'From header' });
    expect(first.isError).toBeFalsy();
    expect(posts().map((request) => request.headers['idempotency-key'])).toEqual(['header-key-1']);
    expect(replayOf(again)).toMatchObject({ key: 'header-key-1', replayed: true });

    const mismatch = await call(client, 'create_note', { title: 'x', idempotency_key: 'other-key-1' });
    expect(mismatch.isError).toBe(true);
    expect(textOf(mismatch)).toContain('a different Idempotency-Key header');
  });

  it('keys are scoped per principal: the same key from two users is two actions', async () => {
    const { connect } = await start({ trustedPrincipalHeader: 'X-Forwarded-User' });
    const ann = await connect({ 'X-Forwarded-User': 'ann' });
    const bob = await connect({ 'X-Forwarded-User': 'bob' });
    await call(ann.client, 'create_note', { title: 'Shared key', idempotency_key: 'same-key-1' });
    const fromBob = await call(bob.client, 'create_note', {
      title: 'Shared key',
      idempotency_key: 'same-key-1',
    });
    expect(replayOf(fromBob)).toMatchObject({ replayed: false });
    expect(posts()).toHaveLength(2);
  });

  it('an expired record is gone: the same key runs again', async () => {
    const { connect } = await start({ idempotency: { retentionMs: 50 } });
    const { client } = await connect();
    await call(client, 'create_note', { title: 'A', idempotency_key: 'key-expire' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const later = await call(client, 'create_note', { title: 'A', idempotency_key: 'key-expire' });
    expect(replayOf(later)).toMatchObject({ replayed: false });
    expect(posts()).toHaveLength(2);
  });

  it('a retry while the first call runs waits, answers 409-style after the wait, then replays once done', async () => {
    const { connect } = await start({ idempotency: { waitMs: 200 } });
    const { client } = await connect();
    upstream.respond = (request) => (request.method === 'POST' ? 'hang' : undefined);
    const first = call(client, 'create_note', { title: 'Slow', idempotency_key: 'key-slow-1' });
    await vi.waitFor(() => expect(posts()).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const during = await call(client, 'create_note', { title: 'Slow', idempotency_key: 'key-slow-1' });
    expect(during.isError).toBe(true);
    expect(textOf(during)).toMatch(
      /^create_note with idempotency key "key-slow-1" is still running from an earlier call \(waited 1 s\)\. Call it again with the same key/,
    );
    // The hung request ends by timeout (2 s); the platform deduplicates on the forwarded key, so the
    // claim is released and a retry sends once more with the same key.
    const firstResult = await first;
    expect(firstResult.isError).toBe(true);
    upstream.respond = undefined;
    const retried = await call(client, 'create_note', { title: 'Slow', idempotency_key: 'key-slow-1' });
    expect(retried.isError).toBeFalsy();
    expect(posts().map((request) => request.headers['idempotency-key'])).toEqual([
      'key-slow-1',
      'key-slow-1',
    ]);
    const replay = await call(client, 'create_note', { title: 'Slow', idempotency_key: 'key-slow-1' });
    expect(replayOf(replay)).toMatchObject({ replayed: true });
    expect(posts()).toHaveLength(2);
  }, 15_000);

  it('without key forwarding, a write whose outcome is unknown is never sent again', async () => {
    const { connect, store } = await start({ upstream: { forwardIdempotencyKey: false } });
    const { client } = await connect();
    upstream.respond = () => ({ status: 500, body: { message: 'crashed mid-write' } });
    const first = await call(client, 'create_note', { title: 'A', idempotency_key: 'key-unknown' });
    expect(first.isError).toBe(true);
    upstream.respond = undefined;
    const retry = await call(client, 'create_note', { title: 'A', idempotency_key: 'key-unknown' });
    expect(retry.isError).toBe(true);
    expect(textOf(retry)).toMatch(
      /^create_note with idempotency key "key-unknown" was sent to the platform at \d{4}-.*Z, but no answer came back, so it may or may not have taken effect\. It was not sent again, to avoid doing it twice\. Check with list_notes whether it took effect; only if it did not, call create_note again with a new idempotency key\.$/,
    );
    expect(posts()).toHaveLength(1);
    const outcomes = (await store.audit.query()).map((entry) => [entry.outcome, entry.upstreamStatus]);
    expect(outcomes).toEqual([
      ['outcome_unknown', undefined],
      ['failed', 500],
    ]);
  });

  it('a refusal the platform did not apply (503) releases the key, so a retry sends again', async () => {
    const { connect } = await start({ upstream: { forwardIdempotencyKey: false, retries: 0 } });
    const { client } = await connect();
    upstream.respond = () => ({ status: 503, headers: { 'retry-after': '1' }, body: { message: 'busy' } });
    const first = await call(client, 'create_note', { title: 'A', idempotency_key: 'key-503-1' });
    expect(first.isError).toBe(true);
    upstream.respond = undefined;
    const retry = await call(client, 'create_note', { title: 'A', idempotency_key: 'key-503-1' });
    expect(retry.isError).toBeFalsy();
    expect(posts()).toHaveLength(2);
  });
});

describe('rate limits', () => {
  const limited = (rateLimits: ApiDefinition['rateLimits']): Partial<ServerOptions> => ({
    api: { ...notesApi, rateLimits },
  });

  it('per principal: over the limit is an isError with the retry time, in _meta and Retry-After', async () => {
    const { connect, store } = await start(
      limited([{ key: 'principal', limit: 2, windowSeconds: 60, window: 'fixed' }]),
    );
    const ann = await connect();
    expect((await call(ann.client, 'get_note', { note_id: 'n_1' })).isError).toBeFalsy();
    expect((await call(ann.client, 'get_note', { note_id: 'n_2' })).isError).toBeFalsy();
    const refused = await call(ann.client, 'get_note', { note_id: 'n_3' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /^get_note was not performed: the limit of 2 calls per minute for your credential is used up\. Try again in (60|59) s/,
    );
    expect(refused._meta?.['spec2mcp/rate-limit']).toMatchObject({
      limit: 2,
      windowSeconds: 60,
      key: 'principal',
    });
    expect(ann.responses.at(-1)?.get('retry-after')).toMatch(/^(60|59)$/);
    expect(upstream.requests).toHaveLength(2);
    // Reads are limited but not audited.
    expect(await store.audit.query()).toEqual([]);
  });

  it('per argument: the counter belongs to the argument value, and calls without it are not counted', async () => {
    const { connect } = await start(
      limited([{ key: 'note_id', limit: 1, windowSeconds: 60, window: 'sliding', tools: ['get_note'] }]),
    );
    const { client } = await connect();
    expect((await call(client, 'get_note', { note_id: 'n_1' })).isError).toBeFalsy();
    const again = await call(client, 'get_note', { note_id: 'n_1' });
    expect(textOf(again)).toContain('for note_id "n_1" is used up');
    expect((await call(client, 'get_note', { note_id: 'n_2' })).isError).toBeFalsy();
    expect((await call(client, 'list_notes', {})).isError).toBeFalsy();
    expect((await call(client, 'list_notes', {})).isError).toBeFalsy();
  });

  it('an upstream 429 carries its Retry-After into _meta and the HTTP answer', async () => {
    const { connect } = await start();
    const { client, responses } = await connect();
    upstream.respond = () => ({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { message: 'slow down' },
    });
    const result = await call(client, 'list_notes', {});
    expect(result.isError).toBe(true);
    expect(result._meta?.['spec2mcp/retry-after']).toEqual({ retryAfterSeconds: 7 });
    expect(responses.at(-1)?.get('retry-after')).toBe('7');
  });
});

describe('audit', () => {
  it('records every write call with principal, client, redacted arguments, key, outcome, status and duration', async () => {
    const { connect, store } = await start({ trustedPrincipalHeader: 'X-Forwarded-User' });
    const { client } = await connect({ 'X-Forwarded-User': 'ann@example.com' });
    await call(client, 'create_note', { title: 'Audited', idempotency_key: 'key-audit-1' });
    await call(client, 'create_note', { title: 'Audited', idempotency_key: 'key-audit-1' });
    await call(client, 'get_note', { note_id: 'n_1' });
    upstream.respond = () => ({ status: 404, body: { message: 'no such note' } });
    await call(client, 'delete_note', { note_id: 'n_404' });
    const entries = await store.audit.query();
    expect(
      entries.map(({ tool, outcome, upstreamStatus, idempotencyKey }) => ({
        tool,
        outcome,
        upstreamStatus,
        idempotencyKey,
      })),
    ).toEqual([
      { tool: 'delete_note', outcome: 'failed', upstreamStatus: 404, idempotencyKey: undefined },
      { tool: 'create_note', outcome: 'replayed', upstreamStatus: undefined, idempotencyKey: 'key-audit-1' },
      { tool: 'create_note', outcome: 'succeeded', upstreamStatus: 201, idempotencyKey: 'key-audit-1' },
    ]);
    for (const entry of entries) {
      expect(entry.principal).toBe('ann@example.com');
      expect(entry.client).toBe('proxy:x-forwarded-user');
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(entries[2]?.arguments).toEqual({ title: 'Audited', idempotency_key: 'key-audit-1' });
  });

  it('every call also reaches the Prometheus series by tool and outcome', async () => {
    const { connect, origin } = await start();
    const { client } = await connect();
    await call(client, 'create_note', { title: 'Counted', idempotency_key: 'key-metrics-1' });
    await call(client, 'create_note', { title: 'Counted', idempotency_key: 'key-metrics-1' });
    await call(client, 'create_note', { title: 'Counted' });
    const exposition = await (await fetch(`${origin}/metrics`)).text();
    expect(exposition).toContain('spec2mcp_tool_calls_total{tool="create_note",outcome="succeeded"} 1');
    expect(exposition).toContain('spec2mcp_tool_calls_total{tool="create_note",outcome="replayed"} 1');
    expect(exposition).toContain('spec2mcp_tool_calls_total{tool="create_note",outcome="rejected"} 1');
    expect(exposition).toContain('spec2mcp_tool_call_errors_total{tool="create_note"} 1');
  });

  it('audit arguments hide credential-looking values and file contents', () => {
    expect(
      redactArgumentsForAudit({
        name: 'crm',
        config: { api_key: 'sk_live_1', password: 'hunter2', region: 'eu' },
        file: { content_base64: 'aGVsbG8gd29ybGQh', filename: 'a.txt' },
      }),
    ).toEqual({
      name: 'crm',
      config: { api_key: '[REDACTED]', password: '[REDACTED]', region: 'eu' },
      file: { content_base64: '[12 bytes]', filename: 'a.txt' },
    });
  });

  it('a request without the trusted principal header is refused with 401', async () => {
    const { connect } = await start({ trustedPrincipalHeader: 'X-Forwarded-User' });
    await expect(connect()).rejects.toThrow(/401/);
  });
});
