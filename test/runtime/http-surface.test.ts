/**
 * The HTTP surface around MCP, through `app.inject()`: JSON-RPC error bodies for bad requests,
 * DNS-rebinding checks, health and readiness.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import { openMemoryStore } from '../../runtime/stores/memory-store.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'inject', version: '1.0.0' },
  },
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildServer({ api: notesApi, upstreamUrl: 'http://127.0.0.1:9/v1' });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('bad requests get JSON-RPC error bodies, never a stack trace', () => {
  it.each([
    {
      given: 'malformed JSON',
      headers: JSON_HEADERS,
      payload: '{"jsonrpc": "2.0", "id": 1,',
      wantStatus: 400,
      wantCode: -32700,
    },
    { given: 'empty JSON body', headers: JSON_HEADERS, payload: '', wantStatus: 400, wantCode: -32700 },
    {
      given: 'a content type that is not JSON',
      headers: { ...JSON_HEADERS, 'content-type': 'application/xml' },
      payload: '<x/>',
      wantStatus: 415,
      wantCode: -32000,
    },
    {
      given: 'text/plain (parsed by Fastify, refused by the MCP handler)',
      headers: { ...JSON_HEADERS, 'content-type': 'text/plain' },
      payload: JSON.stringify(INITIALIZE),
      wantStatus: 415,
      wantCode: -32000,
    },
    {
      given: 'a prototype-poisoning body',
      headers: JSON_HEADERS,
      payload: '{"__proto__": {"x": 1}}',
      wantStatus: 400,
      wantCode: -32700,
    },
  ])('$given -> HTTP $wantStatus, code $wantCode', async ({ headers, payload, wantStatus, wantCode }) => {
    const response = await app.inject({ method: 'POST', url: '/mcp', headers, payload });
    expect(response.statusCode).toBe(wantStatus);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json() as { jsonrpc: string; error: { code: number; message: string } };
    expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: wantCode } });
    expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('an unknown path is a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Not Found: GET /nope' },
      id: null,
    });
  });

  it('GET on the stateless 2025 leg is 405 (no standalone SSE stream without sessions)', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/mcp',
      headers: { accept: 'text/event-stream' },
    });
    expect(response.statusCode).toBe(405);
  });
});

describe('DNS-rebinding protection on /mcp', () => {
  it('refuses a foreign Host header with 403', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...JSON_HEADERS, host: 'evil.example:3000' },
      payload: INITIALIZE,
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
  });

  it('refuses a foreign Origin with 403', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...JSON_HEADERS, origin: 'https://evil.example' },
      payload: INITIALIZE,
    });
    expect(response.statusCode).toBe(403);
  });

  it('accepts localhost and answers initialize', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...JSON_HEADERS, host: 'localhost:3000', origin: 'http://localhost:5173' },
      payload: INITIALIZE,
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"protocolVersion":"2025-11-25"');
  });

  it('does not apply to health checks (probes use the pod address as Host)', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz', headers: { host: '10.0.0.7:3000' } });
    expect(response.statusCode).toBe(200);
  });

  it('allowedHosts "*" turns the Host check off', async () => {
    const open = await buildServer({
      api: notesApi,
      upstreamUrl: 'http://127.0.0.1:9/v1',
      allowedHosts: ['*'],
    });
    const response = await open.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...JSON_HEADERS, host: 'mcp.example.com' },
      payload: INITIALIZE,
    });
    expect(response.statusCode).toBe(200);
    await open.close();
  });
});

describe('health', () => {
  it('/healthz is alive, /readyz ready once started', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('/readyz is 503 when the store does not answer, and ready again once it does', async () => {
    const store = openMemoryStore();
    let down = false;
    const flaky = {
      ...store,
      ping: () => (down ? Promise.reject(new Error('connection refused')) : store.ping()),
    };
    const server = await buildServer({ api: notesApi, upstreamUrl: 'http://127.0.0.1:9/v1', store: flaky });
    await server.ready();
    down = true;
    const unavailable = await server.inject({ method: 'GET', url: '/readyz' });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.json()).toEqual({ status: 'store_unavailable' });
    down = false;
    expect((await server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await server.close();
    await store.close();
  });

  it('readiness is false until every plugin has loaded', async () => {
    const fresh = await buildServer({ api: notesApi, upstreamUrl: 'http://127.0.0.1:9/v1' });
    expect(fresh.readiness.ready).toBe(false);
    await fresh.close();
  });
});

describe('buildServer configuration errors fail at startup', () => {
  it.each([
    {
      given: 'no upstream URL anywhere',
      api: { ...notesApi, servers: [] },
      want: /declares no upstream URL/,
    },
    { given: 'a relative server URL', api: { ...notesApi, servers: ['/v1'] }, want: /not absolute/ },
    {
      given: 'an unknown toolset',
      api: notesApi,
      toolsets: ['nope'],
      want: /Unknown toolset\(s\) nope; known: notes, search/,
    },
  ])('$given', async ({ api, toolsets, want }) => {
    await expect(buildServer({ api, ...(toolsets !== undefined && { toolsets }) })).rejects.toThrow(want);
  });

  it('toolsets filter the served tools', async () => {
    const filtered = await buildServer({
      api: notesApi,
      upstreamUrl: 'http://127.0.0.1:9/v1',
      toolsets: ['search'],
    });
    expect([...filtered.mcpEndpoint.tools.entries.keys()]).toEqual(['search_notes']);
    await filtered.close();
  });
});
