/**
 * 2025-era calls are answered with a plain JSON body unless the call carries a progress token
 * (then an SSE stream, so progress notifications can reach the client).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

let upstream: NotesUpstream;
let app: FastifyInstance;
beforeAll(async () => {
  upstream = await startNotesUpstream();
  app = await buildServer({ api: notesApi, upstreamUrl: `${upstream.url}/v1` });
});
afterAll(async () => {
  await app.close();
  await upstream.close();
});

function callGetNote(meta?: Record<string, unknown>) {
  return app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      host: 'localhost',
    },
    payload: {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'get_note', arguments: { note_id: 'n_1' }, ...(meta ? { _meta: meta } : {}) },
    },
  });
}

describe('stateless 2025-era response mode', () => {
  it.each([
    // given _meta -> want content type
    [undefined, 'application/json'],
    [{ progressToken: 'p-1' }, 'text/event-stream'],
  ])('_meta %j -> %s', async (meta, want) => {
    const response = await callGetNote(meta);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain(want);
    expect(response.body).toContain('"id":7');
    expect(response.body).toContain('structuredContent');
  });
});
