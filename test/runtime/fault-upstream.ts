/**
 * A platform that fails in every way a real one does, on plain node:http so each fault is exact:
 * headers that never come or come late, a body that trickles, connections reset before the headers
 * or mid-body, 500 / 503 / 429 answers, a 50 MB body generated while streaming (never held in
 * memory), and invalid JSON. It counts its sockets so tests can see what the client left open.
 *
 * Every route answers any method at `<base>/<route>`; the route is the last path segment.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_ROUTES = [
  'ok',
  'hang',
  'late',
  'slow_body',
  'stall_body',
  'reset_before_headers',
  'reset_mid_body',
  'error_500',
  'busy_503',
  'unavailable_503',
  'rate_limited_429',
  'rate_limited_no_hint_429',
  'huge',
  'invalid_json',
] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

export const HUGE_BODY_BYTES = 50 * 1024 * 1024;
/**
 * Seconds in the Retry-After of `unavailable_503` and `rate_limited_429`; `busy_503` says 0.
 * `?retry_after=N` overrides it on `busy_503` and `rate_limited_429`.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 30;
export const TRICKLE_INTERVAL_MS = 200;

export interface HugeBodyReport {
  /** Bytes handed to the socket before the client went away. */
  readonly written: number;
  /** The whole body was sent: the client drained it instead of closing the connection. */
  readonly finished: boolean;
}

export interface FaultUpstream {
  readonly url: string;
  /** Requests received, per route. */
  readonly hits: Map<FaultRoute, number>;
  readonly hugeBodies: HugeBodyReport[];
  /** Sockets currently open on the server side. */
  openSockets(): number;
  /** Sockets ever accepted. */
  acceptedSockets(): number;
  /** Milliseconds `late` waits before answering. */
  lateMs: number;
  /** Resolves when no socket is open, or rejects after `timeoutMs`. */
  waitForNoSockets(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultUpstream(): Promise<FaultUpstream> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const hits = new Map<FaultRoute, number>();
  const hugeBodies: HugeBodyReport[] = [];
  const state = { lateMs: 1_500 };

  const server = createServer((request, response) => {
    const route = routeOf(request);
    const retryAfter = new URL(request.url ?? '/', 'http://upstream').searchParams.get('retry_after');
    hits.set(route ?? 'ok', (hits.get(route ?? 'ok') ?? 0) + 1);
    // The request body is never needed; reading it keeps the socket usable for the next request.
    request.resume();
    switch (route) {
      case undefined:
        return sendJson(response, 404, { message: 'No such fault route' });
      case 'ok':
        return sendJson(response, 200, { ok: true, method: request.method });
      case 'hang':
        return; // accept and never answer
      case 'late': {
        const timer = setTimeout(() => sendJson(response, 200, { ok: true, late: true }), state.lateMs);
        response.on('close', () => clearTimeout(timer));
        return;
      }
      case 'slow_body':
        return trickle(response);
      case 'stall_body':
        // Headers and a first chunk, then silence: only an idle (body) timeout ends it early.
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        response.write('{"items":[');
        return;
      case 'reset_before_headers':
        request.socket.resetAndDestroy();
        return;
      case 'reset_mid_body':
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
        response.write(`{"items":["${'x'.repeat(1000)}`);
        // A moment later, so the client has read the headers: an RST discards unread data.
        setTimeout(() => request.socket.resetAndDestroy(), 50);
        return;
      case 'error_500':
        return sendJson(response, 500, { error: { message: 'database is down' } });
      case 'busy_503':
        return sendJson(response, 503, { message: 'busy' }, { 'retry-after': retryAfter ?? '0' });
      case 'unavailable_503':
        return sendJson(
          response,
          503,
          { message: 'maintenance' },
          { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
        );
      case 'rate_limited_429':
        return sendJson(
          response,
          429,
          { message: 'Slow down' },
          { 'retry-after': retryAfter ?? String(RATE_LIMIT_RETRY_AFTER_SECONDS) },
        );
      case 'rate_limited_no_hint_429':
        return sendJson(response, 429, { message: 'Slow down' });
      case 'huge':
        return streamHugeBody(response, hugeBodies);
      case 'invalid_json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id": "n_1", "title": ');
        return;
    }
  });
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const upstream: FaultUpstream = {
    url: `http://127.0.0.1:${port}`,
    hits,
    hugeBodies,
    openSockets: () => sockets.size,
    acceptedSockets: () => accepted,
    get lateMs() {
      return state.lateMs;
    },
    set lateMs(value: number) {
      state.lateMs = value;
    },
    waitForNoSockets: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (sockets.size > 0) {
        if (Date.now() > until) throw new Error(`${sockets.size} upstream sockets still open`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return upstream;
}

function routeOf(request: IncomingMessage): FaultRoute | undefined {
  const { pathname } = new URL(request.url ?? '/', 'http://upstream');
  const last = pathname.split('/').pop() ?? '';
  return (FAULT_ROUTES as readonly string[]).includes(last) ? (last as FaultRoute) : undefined;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** One byte every TRICKLE_INTERVAL_MS, forever: never idle long enough for a body timeout. */
function trickle(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('[');
  const timer = setInterval(() => response.write(' '), TRICKLE_INTERVAL_MS);
  response.on('close', () => clearInterval(timer));
}

const FILLER = Buffer.alloc(64 * 1024, 'x');

/** A 50 MB JSON string, generated chunk by chunk as the socket drains; stops when the client leaves. */
function streamHugeBody(response: ServerResponse, reports: HugeBodyReport[]): void {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HUGE_BODY_BYTES) });
  let written = 0;
  const write = (chunk: Buffer | string): boolean => {
    written += Buffer.byteLength(chunk);
    return response.write(chunk);
  };
  const pump = () => {
    if (response.destroyed) return;
    if (written === 0) write('"');
    while (written < HUGE_BODY_BYTES - 1) {
      const size = Math.min(FILLER.length, HUGE_BODY_BYTES - 1 - written);
      if (!write(size === FILLER.length ? FILLER : FILLER.subarray(0, size))) {
        response.once('drain', pump);
        return;
      }
    }
    response.end('"');
    written += 1;
  };
  response.on('close', () => reports.push({ written, finished: response.writableFinished }));
  pump();
}
