/**
 * How the runtime logs: one JSON object per line on stdout, level names and ISO times for log
 * pipelines, a request id on every request's lines, and secrets (credential headers, password- and
 * token-like fields, `?token=` and `?access_token=` in request URLs) replaced by `[redacted]` before a
 * line is written.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { type LoggerOptions, stdTimeFunctions } from 'pino';

export const REDACTED = '[redacted]';

/** Headers that carry credentials or replayable keys; Node lower-cases header names on both sides. */
const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'proxy-authorization',
  'idempotency-key',
] as const;

/** Field names whose values are secrets: as a top-level field or one level below one. */
const SECRET_FIELDS = [
  'password',
  'token',
  'secret',
  'apiKey',
  'api_key',
  'credential',
  'credentials',
  'authorization',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
] as const;

/**
 * pino paths are exact: `*.x` is one level below any top-level key, not any depth. Deeper wildcards
 * (`*.*.x`) would cover more but cost every line: with them a request line took about 30 µs against
 * 2 µs without redaction; these paths take about 10 µs. So log secret-bearing objects shallow.
 */
export const REDACT_PATHS: readonly string[] = [
  ...['req', 'res'].flatMap((parent) => SECRET_HEADERS.map((name) => `${parent}.headers["${name}"]`)),
  ...SECRET_FIELDS.flatMap((name) => [name, `*.${name}`]),
];

/** Logger options for Fastify's `logger` server option (or `pino()` directly). */
export function buildLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      // `"level":"info"` rather than 30: log pipelines index names without a lookup table.
      level: (label) => ({ level: label }),
    },
    serializers: {
      // Fastify's own fields plus the headers (secrets redacted): client, protocol version, session.
      req: (request: FastifyRequest) => ({
        method: request.method,
        // Any object logged as `req` passes through here, not only Fastify requests.
        url: typeof request.url === 'string' ? redactTokenInUrl(request.url) : request.url,
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
        headers: request.headers,
      }),
      res: (reply: FastifyReply) => ({
        statusCode: reply.statusCode,
        ...(typeof reply.getHeaders === 'function' && { headers: redactLocation(reply.getHeaders()) }),
      }),
    },
  };
}

/** An authorization redirect carries the code (RFC 6749 §4.1.2) or, in old flows, tokens. */
const REDIRECT_SECRET_PARAMETERS: ReadonlySet<string> = new Set([
  'code',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
]);

function redactLocation(headers: Record<string, unknown>): Record<string, unknown> {
  const location = headers['location'];
  if (typeof location !== 'string' || !location.includes('?')) return headers;
  return { ...headers, location: redactQueryParameters(location, REDIRECT_SECRET_PARAMETERS) };
}

/**
 * Query parameters that carry bearer tokens: `?token=` (x-mcp `tokens.queryParameter`, for old SSE
 * clients that cannot set headers) and RFC 6750's `?access_token=`. Compared case-insensitively and
 * after percent-decoding, so `?TOKEN=` or `?%74oken=` are caught too.
 */
const SECRET_QUERY_PARAMETERS: ReadonlySet<string> = new Set(['token', 'access_token']);
/** Every name above contains `token`; `%` may be an escaped one. */
const TOKEN_HINT = /token|%/i;

/**
 * The URL (a request path or an absolute URL) with the value of every token query parameter replaced by
 * `[redacted]`; the same string when it has none. Pure string work, no URL parsing: it runs on every
 * logged request line.
 */
export function redactTokenInUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const hashStart = url.indexOf('#', queryStart);
  const queryEnd = hashStart === -1 ? url.length : hashStart;
  const query = url.slice(queryStart + 1, queryEnd);
  // Most queries name no token and escape nothing: skip the split (~0.4 µs) for them.
  if (!TOKEN_HINT.test(query)) return url;
  return redactQueryParameters(url, SECRET_QUERY_PARAMETERS);
}

/** The URL with the values of the named query parameters replaced by `[redacted]`. */
function redactQueryParameters(url: string, names: ReadonlySet<string>): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const hashStart = url.indexOf('#', queryStart);
  const queryEnd = hashStart === -1 ? url.length : hashStart;
  const query = url.slice(queryStart + 1, queryEnd);
  const pairs = query.split('&');
  let changed = false;
  for (let index = 0; index < pairs.length; index++) {
    const pair = pairs[index] ?? '';
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    if (names.has(decodeQueryName(rawName).toLowerCase())) {
      pairs[index] = `${rawName}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, queryStart + 1)}${pairs.join('&')}${url.slice(queryEnd)}` : url;
}

function decodeQueryName(name: string): string {
  if (!name.includes('%') && !name.includes('+')) return name;
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    // A malformed escape cannot name a parameter the server reads; keep it as written.
    return name;
  }
}

const REQUEST_ID_HEADER = 'x-request-id';
/** An inbound id is kept only when it is short and plain, so it cannot forge or break log lines. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify server options for request ids: the proxy's `X-Request-Id` when it looks like one, else a
 * random UUID (Fastify's default `req-1`, `req-2`... restarts with every process and collides across
 * instances). Fastify logs it as `reqId`.
 */
export function buildRequestIdOptions(): Pick<FastifyServerOptions, 'genReqId'> {
  return {
    genReqId: (request: IncomingMessage) => {
      const inbound = request.headers[REQUEST_ID_HEADER];
      return typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    },
  };
}
