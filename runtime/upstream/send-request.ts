/**
 * Sends one upstream request through the shared undici dispatcher: per-attempt timeout, the
 * caller's abort signal, retries only when repeating the request is safe, and a body read that
 * stops at the byte cap instead of buffering whatever the platform sends.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { UpstreamRequest } from './build-request.js';

export interface SendRequestOptions {
  readonly dispatcher: Dispatcher;
  readonly request: UpstreamRequest;
  readonly timeoutMs: number;
  /** Extra attempts after the first, used only when `retrySafe`. */
  readonly retries: number;
  /** Idempotent method or an Idempotency-Key: repeating the request cannot apply it twice. */
  readonly retrySafe: boolean;
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /** Base of the jittered exponential backoff, in ms. */
  readonly backoffMs?: number;
}

export type SendOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Buffer;
      /** The platform sent more than `maxBytes`; `body` holds the first `maxBytes`. */
      readonly truncated: boolean;
      readonly attempts: number;
    }
  | { readonly kind: 'timeout'; readonly attempts: number }
  | {
      readonly kind: 'unreachable';
      readonly code: string;
      /** The connection failed before anything was sent, so the platform cannot have applied it. */
      readonly notSent: boolean;
      readonly attempts: number;
    }
  | { readonly kind: 'aborted'; readonly attempts: number };

const RETRY_STATUSES = new Set([502, 503, 504]);
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const NOT_SENT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_ERROR_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const MAX_BACKOFF_MS = 5_000;

export async function sendUpstreamRequest(options: SendRequestOptions): Promise<SendOutcome> {
  const { request, retrySafe } = options;
  const url = new URL(request.url);
  const maxAttempts = 1 + (retrySafe ? Math.max(0, options.retries) : 0);

  for (let attempt = 1; ; attempt += 1) {
    if (options.signal?.aborted) return { kind: 'aborted', attempts: attempt - 1 };
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
    try {
      const response = await options.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body ?? null,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const headers = flattenHeaders(response.headers);
      if (RETRY_STATUSES.has(response.statusCode) && attempt < maxAttempts) {
        await response.body.dump();
        await waitBeforeRetry(options, attempt, headers['retry-after']);
        continue;
      }
      const { body, truncated } = await readCappedBody(response.body, options.maxBytes);
      return { kind: 'response', status: response.statusCode, headers, body, truncated, attempts: attempt };
    } catch (error) {
      if (options.signal?.aborted) return { kind: 'aborted', attempts: attempt };
      if (deadline.aborted || TIMEOUT_ERROR_CODES.has(readErrorCode(error))) {
        return { kind: 'timeout', attempts: attempt };
      }
      const code = readErrorCode(error);
      if (!CONNECTION_ERROR_CODES.has(code)) throw error;
      if (attempt >= maxAttempts) {
        return { kind: 'unreachable', code, notSent: NOT_SENT_ERROR_CODES.has(code), attempts: attempt };
      }
      await waitBeforeRetry(options, attempt, undefined);
    }
  }
}

async function waitBeforeRetry(options: SendRequestOptions, attempt: number, retryAfter: string | undefined) {
  const base = options.backoffMs ?? 100;
  // Full jitter spreads retries from many callers; a short Retry-After from the platform wins.
  const jittered = Math.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
  const hinted = parseRetryAfterSeconds(retryAfter);
  const delay = hinted !== undefined && hinted * 1000 <= MAX_BACKOFF_MS ? hinted * 1000 : jittered;
  // An abort during the wait is noticed at the top of the next attempt.
  await sleepFor(delay, undefined, options.signal === undefined ? {} : { signal: options.signal }).catch(
    () => {},
  );
}

/** Reads at most `maxBytes`, then drops the connection's remaining body instead of buffering it. */
export async function readCappedBody(
  body: AsyncIterable<Uint8Array> & { destroy?: () => unknown },
  maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    if (size + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - size));
      body.destroy?.();
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(buffer);
    size += buffer.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}

/** Retry-After as seconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfterSeconds(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function readErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? '' : readErrorCode(cause);
}
