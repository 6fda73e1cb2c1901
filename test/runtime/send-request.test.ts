/**
 * sendUpstreamRequest against real sockets: refused connections, cancellation, the byte cap, the
 * call deadline over every phase (queue, headers, a trickling body), and the retry policy.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPoolOptions } from '../../runtime/plugins/upstream-client.js';
import { buildUpstreamRequest } from '../../runtime/upstream/build-request.js';
import {
  computeRetryDelayMs,
  readCappedBody,
  type SendRequestOptions,
  sendUpstreamRequest,
} from '../../runtime/upstream/send-request.js';
import {
  type FaultRoute,
  type FaultUpstream,
  HUGE_BODY_BYTES,
  startFaultUpstream,
} from './fault-upstream.js';
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
    expect(outcome).toEqual({
      kind: 'unreachable',
      code: 'ECONNREFUSED',
      notSent: true,
      attempts: 3,
      phase: 'headers',
    });
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

/** Slack for timer and scheduling delays on a busy two-core machine. */
const MARGIN_MS = 250;
const UNDICI_TIMER_TICK_MS = 1_000;

describe('sendUpstreamRequest against a faulty platform', () => {
  let faults: FaultUpstream;
  let pool: Pool;

  beforeAll(async () => {
    faults = await startFaultUpstream();
  });
  afterAll(async () => {
    await faults.close();
  });
  beforeEach(() => {
    faults.hits.clear();
    pool = new Pool(faults.url);
  });
  afterEach(async () => {
    await pool.destroy();
  });

  /** Sends to one fault route; returns the outcome and how long it took. */
  async function send(
    route: string,
    overrides: Partial<Omit<SendRequestOptions, 'request'>> & { method?: string } = {},
  ) {
    const { method = 'GET', ...rest } = overrides;
    const started = performance.now();
    const outcome = await sendUpstreamRequest({
      dispatcher: pool,
      request: {
        method,
        url: `${faults.url}/v1/${route}`,
        headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
        ...(method !== 'GET' && { body: '{}' }),
      },
      timeoutMs: 2_000,
      retries: 2,
      retrySafe: method === 'GET',
      maxBytes: 100_000,
      backoffMs: 1,
      ...rest,
    });
    return { outcome, ms: performance.now() - started };
  }

  describe('deadlines', () => {
    it('a body trickling a byte every 200 ms ends at the call deadline, not at the idle body timeout', async () => {
      const { outcome, ms } = await send('slow_body', { timeoutMs: 500 });
      expect(outcome).toEqual({ kind: 'timeout', attempts: 1, phase: 'body', status: 200 });
      expect(ms).toBeGreaterThanOrEqual(480);
      expect(ms).toBeLessThan(500 + MARGIN_MS);
    });

    // undici checks its headers and body timers on a coarse tick (about 1 s): fine for the
    // seconds they are set to in production; the call deadline is the exact bound.
    it('a silent body ends at bodyTimeoutMs, well before the deadline', async () => {
      const { outcome, ms } = await send('stall_body', { timeoutMs: 5_000, bodyTimeoutMs: 150 });
      expect(outcome).toEqual({ kind: 'timeout', attempts: 1, phase: 'body', status: 200 });
      expect(ms).toBeLessThan(150 + UNDICI_TIMER_TICK_MS + MARGIN_MS);
    });

    it('missing headers end at headersTimeoutMs, well before the deadline', async () => {
      const { outcome, ms } = await send('hang', { timeoutMs: 5_000, headersTimeoutMs: 150 });
      expect(outcome).toEqual({ kind: 'timeout', attempts: 1, phase: 'headers' });
      expect(ms).toBeLessThan(150 + UNDICI_TIMER_TICK_MS + MARGIN_MS);
    });

    it('missing headers end at the deadline, and a timeout is not retried', async () => {
      const { outcome, ms } = await send('hang', { timeoutMs: 300 });
      expect(outcome).toEqual({ kind: 'timeout', attempts: 1, phase: 'headers' });
      expect(ms).toBeLessThan(300 + MARGIN_MS);
      expect(faults.hits.get('hang')).toBe(1);
    });

    it('a call queued behind a full pool ends at its own deadline and is never sent', async () => {
      const single = new Pool(faults.url, { connections: 1 });
      const blocker = sendUpstreamRequest({
        dispatcher: single,
        request: { method: 'GET', url: `${faults.url}/v1/hang`, headers: {} },
        timeoutMs: 800,
        retries: 0,
        retrySafe: true,
        maxBytes: 1000,
      });
      const started = performance.now();
      const queued = await sendUpstreamRequest({
        dispatcher: single,
        request: { method: 'GET', url: `${faults.url}/v1/ok`, headers: {} },
        timeoutMs: 200,
        retries: 2,
        retrySafe: true,
        maxBytes: 1000,
      });
      expect(queued).toEqual({ kind: 'timeout', attempts: 1, phase: 'headers' });
      expect(performance.now() - started).toBeLessThan(200 + MARGIN_MS);
      expect(await blocker).toMatchObject({ kind: 'timeout' });
      // The connection is free now: undici dispatches the expired request, which aborts unsent.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(faults.hits.get('ok')).toBeUndefined();
      expect(single.stats).toMatchObject({ pending: 0, running: 0, queued: 0 });
      await single.destroy();
    });

    it("the caller's abort ends a queued call at once", async () => {
      const single = new Pool(faults.url, { connections: 1 });
      const blocker = sendUpstreamRequest({
        dispatcher: single,
        request: { method: 'GET', url: `${faults.url}/v1/hang`, headers: {} },
        timeoutMs: 600,
        retries: 0,
        retrySafe: true,
        maxBytes: 1000,
      });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 50);
      const started = performance.now();
      const queued = await sendUpstreamRequest({
        dispatcher: single,
        request: { method: 'GET', url: `${faults.url}/v1/ok`, headers: {} },
        timeoutMs: 5_000,
        retries: 0,
        retrySafe: true,
        maxBytes: 1000,
        signal: abort.signal,
      });
      expect(queued).toEqual({ kind: 'aborted', attempts: 1 });
      expect(performance.now() - started).toBeLessThan(50 + MARGIN_MS);
      await blocker;
      await single.destroy();
    });

    it('retries stop at the deadline with the last answer, whatever the retry budget', async () => {
      const { outcome, ms } = await send('busy_503', { timeoutMs: 300, retries: 1_000, backoffMs: 20 });
      expect(outcome).toMatchObject({ kind: 'response', status: 503 });
      expect(outcome.attempts).toBeGreaterThan(1);
      expect(ms).toBeLessThan(300 + MARGIN_MS);
    });

    it('a Retry-After longer than the time left: the answer comes back at once, not retried', async () => {
      const { outcome, ms } = await send('busy_503?retry_after=3', { timeoutMs: 2_000 });
      expect(outcome).toMatchObject({ kind: 'response', status: 503, attempts: 1 });
      expect(ms).toBeLessThan(MARGIN_MS);
    });

    it('a short Retry-After is honoured before the retry', async () => {
      const { outcome, ms } = await send('busy_503?retry_after=1', { timeoutMs: 3_000, retries: 1 });
      expect(outcome).toMatchObject({ kind: 'response', status: 503, attempts: 2 });
      expect(ms).toBeGreaterThanOrEqual(990);
    });
  });

  describe('retry policy', () => {
    it.each<{
      given: string;
      route: string;
      method: string;
      retrySafe: boolean;
      want: object;
      hits: number;
      hitRoute: FaultRoute;
    }>([
      {
        given: '503 on a GET: retried',
        route: 'busy_503',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'response', status: 503, attempts: 3 },
        hits: 3,
        hitRoute: 'busy_503',
      },
      {
        given: '503 on a POST without a key: never retried',
        route: 'busy_503',
        method: 'POST',
        retrySafe: false,
        want: { kind: 'response', status: 503, attempts: 1 },
        hits: 1,
        hitRoute: 'busy_503',
      },
      {
        given: '503 on a POST with an idempotency key: retried',
        route: 'busy_503',
        method: 'POST',
        retrySafe: true,
        want: { kind: 'response', status: 503, attempts: 3 },
        hits: 3,
        hitRoute: 'busy_503',
      },
      {
        given: '500: not retried (the platform failed, not a passing overload)',
        route: 'error_500',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'response', status: 500, attempts: 1 },
        hits: 1,
        hitRoute: 'error_500',
      },
      {
        given: '429 with a short Retry-After on a GET: retried',
        route: 'rate_limited_429?retry_after=0',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'response', status: 429, attempts: 3 },
        hits: 3,
        hitRoute: 'rate_limited_429',
      },
      {
        given: '429 with a short Retry-After on an unsafe POST: not retried',
        route: 'rate_limited_429?retry_after=0',
        method: 'POST',
        retrySafe: false,
        want: { kind: 'response', status: 429, attempts: 1 },
        hits: 1,
        hitRoute: 'rate_limited_429',
      },
      {
        given: '429 with a long Retry-After: not retried',
        route: 'rate_limited_429',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'response', status: 429, attempts: 1, headers: { 'retry-after': '30' } },
        hits: 1,
        hitRoute: 'rate_limited_429',
      },
      {
        given: '429 without Retry-After: not retried',
        route: 'rate_limited_no_hint_429',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'response', status: 429, attempts: 1 },
        hits: 1,
        hitRoute: 'rate_limited_no_hint_429',
      },
      {
        given: 'reset before the headers on a GET: retried, may have reached the platform',
        route: 'reset_before_headers',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'unreachable', code: 'ECONNRESET', notSent: false, attempts: 3, phase: 'headers' },
        hits: 3,
        hitRoute: 'reset_before_headers',
      },
      {
        given: 'reset before the headers on an unsafe POST: tried once',
        route: 'reset_before_headers',
        method: 'POST',
        retrySafe: false,
        want: { kind: 'unreachable', notSent: false, attempts: 1, phase: 'headers' },
        hits: 1,
        hitRoute: 'reset_before_headers',
      },
      {
        given: 'reset mid-body on an unsafe POST: tried once, the status that came is kept',
        route: 'reset_mid_body',
        method: 'POST',
        retrySafe: false,
        want: { kind: 'unreachable', notSent: false, attempts: 1, phase: 'body', status: 200 },
        hits: 1,
        hitRoute: 'reset_mid_body',
      },
      {
        given: 'reset mid-body on a GET: retried',
        route: 'reset_mid_body',
        method: 'GET',
        retrySafe: true,
        want: { kind: 'unreachable', attempts: 3, phase: 'body', status: 200 },
        hits: 3,
        hitRoute: 'reset_mid_body',
      },
    ])('$given', async ({ route, method, retrySafe, want, hits, hitRoute }) => {
      const { outcome } = await send(route, { method, retrySafe });
      expect(outcome).toMatchObject(want);
      expect(faults.hits.get(hitRoute)).toBe(hits);
    });
  });

  it('a 50 MB body is cut at maxBytes while streaming and its socket destroyed, not drained', async () => {
    const { outcome, ms } = await send('huge', { maxBytes: 100_000 });
    expect(outcome).toMatchObject({ kind: 'response', status: 200, truncated: true });
    expect(outcome.kind === 'response' && outcome.body.length).toBe(100_000);
    expect(ms).toBeLessThan(1_000);
    await expect.poll(() => faults.hugeBodies.length).toBe(1);
    const [report] = faults.hugeBodies.splice(0);
    expect(report?.finished).toBe(false);
    // Loopback socket buffers hold a few MB at most; draining would have sent all 50.
    expect(report?.written).toBeLessThan(HUGE_BODY_BYTES / 5);
    expect(pool.stats).toMatchObject({ running: 0, pending: 0 });
  });
});

describe('computeRetryDelayMs', () => {
  it.each([
    { given: 'first retry: up to the base', attempt: 1, random: 0.5, retryAfterSeconds: undefined, want: 50 },
    {
      given: 'third retry: up to 4x the base',
      attempt: 3,
      random: 1,
      retryAfterSeconds: undefined,
      want: 400,
    },
    { given: 'backoff capped at 5 s', attempt: 12, random: 1, retryAfterSeconds: undefined, want: 5_000 },
    { given: 'Retry-After 0', attempt: 1, random: 1, retryAfterSeconds: 0, want: 0 },
    { given: 'Retry-After 2 s wins over jitter', attempt: 1, random: 0, retryAfterSeconds: 2, want: 2_000 },
    { given: 'Retry-After at the cap', attempt: 1, random: 0, retryAfterSeconds: 5, want: 5_000 },
    {
      given: 'Retry-After past the cap: no retry',
      attempt: 1,
      random: 0,
      retryAfterSeconds: 6,
      want: undefined,
    },
  ])('$given', ({ attempt, random, retryAfterSeconds, want }) => {
    expect(computeRetryDelayMs({ attempt, backoffMs: 100, retryAfterSeconds, random: () => random })).toBe(
      want,
    );
  });
});

describe('upstream pool options', () => {
  it('separate connect / headers / body timeouts; connect capped at 10 s; connections bounded', () => {
    expect(buildPoolOptions({ baseUrl: 'http://x', timeoutMs: 30_000 })).toMatchObject({
      connections: 64,
      connectTimeout: 10_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    expect(buildPoolOptions({ baseUrl: 'http://x', timeoutMs: 2_000, connections: 8 })).toMatchObject({
      connections: 8,
      connectTimeout: 2_000,
    });
    expect(
      buildPoolOptions({
        baseUrl: 'http://x',
        timeoutMs: 30_000,
        connectTimeoutMs: 1_000,
        headersTimeoutMs: 5_000,
        bodyTimeoutMs: 2_000,
      }),
    ).toMatchObject({ connectTimeout: 1_000, headersTimeout: 5_000, bodyTimeout: 2_000 });
    expect(() => buildPoolOptions({ baseUrl: 'http://x', timeoutMs: 1, connections: 0 })).toThrow(
      'positive integer',
    );
  });
});
