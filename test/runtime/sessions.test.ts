/**
 * 2025-era sessions: the table's expiry, LRU cap and binding (unit), and over HTTP: initialize
 * issues Mcp-Session-Id, the session serves only its own principal, DELETE and idle expiry end it
 * (404 after), session-less requests are still served statelessly, the cap closes the least
 * recently used idle session.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer, type ServerOptions } from '../../runtime/build-server.js';
import { SessionTable, type TableSession } from '../../runtime/mcp/session-table.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

class FakeSession implements TableSession {
  closed = false;
  constructor(readonly binding: string) {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('SessionTable', () => {
  it('given a session idle past the idle time, sweep closes it; one used since stays', () => {
    let now = 0;
    const table = new SessionTable<FakeSession>({ idleMs: 1000, maxSessions: 10, now: () => now });
    const idle = new FakeSession('alice');
    const used = new FakeSession('alice');
    table.add('a', idle);
    table.add('b', used);
    now = 900;
    table.use('b', 'alice');
    now = 1500;
    expect(table.sweep()).toBe(1);
    expect(idle.closed).toBe(true);
    expect(used.closed).toBe(false);
    expect(table.use('a', 'alice')).toBeUndefined();
  });

  it('given an open response, the session is never idle; once it ends the idle time counts again', () => {
    let now = 0;
    const table = new SessionTable<FakeSession>({ idleMs: 1000, maxSessions: 10, now: () => now });
    table.add('a', new FakeSession('alice'));
    const end = table.openResponse('a');
    now = 5000;
    expect(table.sweep()).toBe(0);
    end();
    now = 5500;
    expect(table.sweep()).toBe(0);
    now = 6000;
    expect(table.sweep()).toBe(1);
  });

  it('given a full table, makeRoom closes the least recently used idle session, or refuses when all are busy', () => {
    const table = new SessionTable<FakeSession>({ idleMs: 1000, maxSessions: 2 });
    const first = new FakeSession('alice');
    const second = new FakeSession('alice');
    table.add('a', first);
    table.add('b', second);
    table.use('a', 'alice');
    expect(table.makeRoom()).toBe(true);
    expect(second.closed).toBe(true);
    expect(first.closed).toBe(false);
    table.add('c', new FakeSession('alice'));
    table.openResponse('a');
    table.openResponse('c');
    expect(table.makeRoom()).toBe(false);
  });

  it('given another binding, use answers as for an unknown id', () => {
    const table = new SessionTable<FakeSession>({ idleMs: 1000, maxSessions: 2 });
    table.add('a', new FakeSession('alice\n/mcp'));
    expect(table.use('a', 'mallory\n/mcp')).toBeUndefined();
    expect(table.use('a', 'alice\n/mcp')).toBeDefined();
  });
});

describe('sessions over Streamable HTTP (2025-11-25)', () => {
  let app: FastifyInstance | undefined;
  const clients: Client[] = [];

  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((client) => client.close()));
    await app?.close();
    app = undefined;
  });

  async function start(options: Partial<ServerOptions> = {}): Promise<string> {
    app = await buildServer({
      api: notesApi,
      upstreamUrl: 'http://127.0.0.1:9/v1',
      trustedPrincipalHeader: 'X-User',
      ...options,
    });
    return `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  }

  async function connect(mcpUrl: string, user: string) {
    const client = new Client(
      { name: 'sessions-test', version: '1.0.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers: { 'X-User': user } },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  /** A raw 2025 tools/list, with or without a session id. */
  function listTools(mcpUrl: string, user: string, sessionId?: string): Promise<Response> {
    return fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'x-user': user,
        ...(sessionId !== undefined && { 'mcp-session-id': sessionId }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
    });
  }

  it('given an initialize, the session id serves its principal and is a 404 for anyone else', async () => {
    const mcpUrl = await start();
    const { client, transport } = await connect(mcpUrl, 'alice');
    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[\x21-\x7e]+$/);
    expect((await client.listTools()).tools).toHaveLength(notesApi.tools.length);

    const own = await listTools(mcpUrl, 'alice', sessionId);
    expect(own.status).toBe(200);
    await own.body?.cancel();
    const stolen = await listTools(mcpUrl, 'mallory', sessionId);
    expect(stolen.status).toBe(404);
    expect(await stolen.json()).toMatchObject({
      error: { message: expect.stringMatching(/initialize a new one/) },
    });
  });

  it('given a DELETE, the session ends and its id is a 404', async () => {
    const mcpUrl = await start();
    const { transport } = await connect(mcpUrl, 'alice');
    const sessionId = transport.sessionId;
    await transport.terminateSession();
    const after = await listTools(mcpUrl, 'alice', sessionId);
    expect(after.status).toBe(404);
  });

  it('given a request without a session id, it is served statelessly as before', async () => {
    const mcpUrl = await start();
    const response = await listTools(mcpUrl, 'alice');
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = (await response.json()) as { result: { tools: unknown[] } };
    expect(body.result.tools).toHaveLength(notesApi.tools.length);
  });

  /** A raw initialize: a session without the GET stream the SDK client opens. */
  async function openSession(mcpUrl: string, user: string): Promise<string> {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-user': user,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const sessionId = response.headers.get('mcp-session-id');
    if (sessionId === null) throw new Error('initialize issued no Mcp-Session-Id');
    return sessionId;
  }

  async function statusOf(response: Promise<Response>): Promise<number> {
    const answered = await response;
    await answered.body?.cancel();
    return answered.status;
  }

  it('given the idle time passes without requests, the session expires; one with an open GET stream does not', async () => {
    const mcpUrl = await start({ sessions: { idleSeconds: 1 } });
    const idle = await openSession(mcpUrl, 'alice');
    const streaming = await connect(mcpUrl, 'alice');
    await new Promise((done) => setTimeout(done, 2_500));
    expect(await statusOf(listTools(mcpUrl, 'alice', idle))).toBe(404);
    expect(await statusOf(listTools(mcpUrl, 'alice', streaming.transport.sessionId))).toBe(200);
  });

  it('given the cap is reached, a new session closes the least recently used idle one', async () => {
    const mcpUrl = await start({ sessions: { maxSessions: 2 } });
    const first = await openSession(mcpUrl, 'alice');
    const second = await openSession(mcpUrl, 'alice');
    expect(await statusOf(listTools(mcpUrl, 'alice', first))).toBe(200);
    const third = await openSession(mcpUrl, 'alice');
    expect(await statusOf(listTools(mcpUrl, 'alice', second))).toBe(404);
    expect(await statusOf(listTools(mcpUrl, 'alice', first))).toBe(200);
    expect(await statusOf(listTools(mcpUrl, 'alice', third))).toBe(200);
  });

  it('given the cap is reached and every session holds a stream, a new initialize is refused with 503', async () => {
    const mcpUrl = await start({ sessions: { maxSessions: 1 } });
    await connect(mcpUrl, 'alice');
    // The SDK client opens its GET stream right after initialize, without waiting for it.
    await new Promise((done) => setTimeout(done, 300));
    const refused = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-user': 'bob',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
  });
});
