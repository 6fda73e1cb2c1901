/** sendUpstreamRequest against real sockets: refused connections, cancellation, the byte cap. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUpstreamRequest } from '../../runtime/upstream/build-request.js';
import { readCappedBody, sendUpstreamRequest } from '../../runtime/upstream/send-request.js';
import { startNotesUpstream } from './notes-upstream.js';

/** A port nothing listens on: bind, read the port, close. */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sendUpstreamRequest', () => {
  let slow: Server;
  let slowUrl: string;
  let received = 0;

  beforeAll(async () => {
    slow = createServer((request, response) => {
      received += 1;
      if (request.url === '/stream') {
        // Streams far more than any cap, slowly; the reader must stop early.
        response.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => response.write('x'.repeat(1024)), 1);
        response.on('close', () => clearInterval(timer));
        return;
      }
      // Otherwise never answer.
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });

  it('a refused connection is retried when safe, then reported as not sent', async () => {
    const url = `http://127.0.0.1:${await findClosedPort()}`;
    const pool = new Pool(url);
    const outcome = await sendUpstreamRequest({
      dispatcher: pool,
      request: { method: 'GET', url: `${url}/notes`, headers: {} },
      timeoutMs: 1000,
      retries: 2,
      retrySafe: true,
      maxBytes: 1000,
      backoffMs: 1,
    });
    expect(outcome).toEqual({ kind: 'unreachable', code: 'ECONNREFUSED', notSent: true, attempts: 3 });
    await pool.close();
  });

  it('a refused connection for an unsafe call is tried once', async () => {
    const url = `http://127.0.0.1:${await findClosedPort()}`;
    const pool = new Pool(url);
    const outcome = await sendUpstreamRequest({
      dispatcher: pool,
      request: { method: 'POST', url: `${url}/notes`, headers: {}, body: '{}' },
      timeoutMs: 1000,
      retries: 2,
      retrySafe: false,
      maxBytes: 1000,
    });
    expect(outcome).toMatchObject({ kind: 'unreachable', attempts: 1 });
    await pool.close();
  });

  it("the caller's abort signal cancels a pending call", async () => {
    const pool = new Pool(slowUrl);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const outcome = await sendUpstreamRequest({
      dispatcher: pool,
      request: { method: 'GET', url: `${slowUrl}/hang`, headers: {} },
      timeoutMs: 5000,
      retries: 2,
      retrySafe: true,
      maxBytes: 1000,
      signal: abort.signal,
    });
    expect(outcome).toEqual({ kind: 'aborted', attempts: 1 });
    await pool.destroy();
  });

  it('stops reading an endless body at maxBytes', async () => {
    const pool = new Pool(slowUrl);
    const outcome = await sendUpstreamRequest({
      dispatcher: pool,
      request: { method: 'GET', url: `${slowUrl}/stream`, headers: {} },
      timeoutMs: 5000,
      retries: 0,
      retrySafe: true,
      maxBytes: 10_000,
    });
    expect(outcome).toMatchObject({ kind: 'response', status: 200, truncated: true });
    expect(outcome.kind === 'response' && outcome.body.length).toBe(10_000);
    expect(received).toBeGreaterThan(0);
    await pool.destroy();
  });
});

describe('multipart bodies on the wire', () => {
  it('sends fields and base64 files as multipart/form-data with a boundary', async () => {
    const upstream = await startNotesUpstream();
    upstream.respond = () => ({ status: 200, body: { ok: true } });
    const pool = new Pool(upstream.url);
    const request = buildUpstreamRequest({
      tool: {
        name: 'upload_attachment',
        title: 'Upload',
        description: 'Upload',
        annotations: {
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: false,
          openWorldHint: false,
        },
        scopes: [],
        idempotency: 'none',
        toolsets: [],
        http: {
          method: 'post',
          path: '/attachments',
          params: [],
          body: {
            mediaType: 'multipart/form-data',
            required: true,
            mode: 'properties',
            properties: [
              { argument: 'file', property: 'file' },
              { argument: 'note_id', property: 'noteId' },
            ],
          },
        },
        inputSchema: {
          type: 'object',
          properties: { file: { type: 'string', contentEncoding: 'base64' }, note_id: { type: 'string' } },
        },
        response: { redact: [], maxBytes: 1000, maxItems: 10 },
      },
      args: { file: Buffer.from('hello file').toString('base64'), note_id: 'n_1' },
      baseUrl: `${upstream.url}/v1`,
    });
    const outcome = await sendUpstreamRequest({
      dispatcher: pool,
      request,
      timeoutMs: 2000,
      retries: 0,
      retrySafe: false,
      maxBytes: 1000,
    });
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    const sent = upstream.requests[0];
    expect(sent?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent?.body).toContain('name="noteId"\r\n\r\nn_1');
    expect(sent?.body).toMatch(
      /name="file"; filename="file"\r\nContent-Type: application\/octet-stream\r\n\r\nhello file/,
    );
    await pool.close();
    await upstream.close();
  });
});

describe('readCappedBody', () => {
  it.each([
    { given: 'under the cap', chunks: ['ab', 'cd'], max: 10, want: 'abcd', truncated: false },
    { given: 'exactly the cap', chunks: ['ab', 'cd'], max: 4, want: 'abcd', truncated: false },
    { given: 'over the cap mid-chunk', chunks: ['ab', 'cdef', 'gh'], max: 3, want: 'abc', truncated: true },
  ])('$given', async ({ chunks, max, want, truncated }) => {
    const result = await readCappedBody(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), max);
    expect(result).toEqual({ body: Buffer.from(want), truncated });
  });
});
