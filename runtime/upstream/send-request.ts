/**
 * Sends one upstream request through the shared undici dispatcher. `timeoutMs` is the deadline of
 * the whole call: waiting for a free pooled connection, connecting, the headers, every byte of the
 * body, retries and the waits between them all end by it. Retries happen only when repeating the
 * request is safe, and the body read stops at the byte cap instead of buffering what the platform sends.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { UpstreamRequest } from './build-request.js';

export interface SendRequestOptions {
  readonly dispatcher: Dispatcher;
  readonly request: UpstreamRequest;
  /** Deadline of the whole call, retries and backoff included. */
  readonly timeoutMs: number;
  /** Extra attempts after the first, used only when `retrySafe`. */
  readonly retries: number;
  /** Idempotent method or an Idempotency-Key: repeating the request cannot apply it twice. */
  readonly retrySafe: boolean;
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /** Base of the jittered exponential backoff, in ms. */
  readonly backoffMs?: number;
  /** Longest wait for the response headers once the request is on a socket. Default: the dispatcher's. */
  readonly headersTimeoutMs?: number;
  /** Longest silence between two body chunks (undici's idle timer). Default: the dispatcher's. */
  readonly bodyTimeoutMs?: number;
}

/** Where an attempt stood when it failed: before the response headers, or while reading the body. */
export type AttemptPhase = 'headers' | 'body';

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
  | {
      readonly kind: 'timeout';
      readonly attempts: number;
      readonly phase?: AttemptPhase;
      /** Status of the answer whose body did not arrive in time. */
      readonly status?: number;
    }
  | {
      readonly kind: 'unreachable';
      readonly code: string;
      /** The connection failed before anything was sent, so the platform cannot have applied it. */
      readonly notSent: boolean;
      readonly attempts: number;
      readonly phase?: AttemptPhase;
      /** Status of the answer whose body was cut by the connection error: the request reached the platform. */
      readonly status?: number;
    }
  | { readonly kind: 'aborted'; readonly attempts: number };

type Failure = Exclude<SendOutcome, { kind: 'aborted' }>;

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
/** Longest wait before a retry, jitter or Retry-After; a platform asking for more is not retried. */
export const MAX_RETRY_WAIT_MS = 5_000;

class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

export async function sendUpstreamRequest(options: SendRequestOptions): Promise<SendOutcome> {
  const { retrySafe } = options;
  const maxAttempts = 1 + (retrySafe ? Math.max(0, options.retries) : 0);
  const started = performance.now();
  // One controller per call: the deadline and the caller's signal both end whatever is in progress.
  const call = new AbortController();
  const deadline = setTimeout(() => call.abort(new DeadlineExceeded()), options.timeoutMs);
  const onCallerAbort = () => call.abort(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  try {
    let previous: Failure | undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (options.signal?.aborted) return { kind: 'aborted', attempts: attempt - 1 };
      const result = await sendOnce(options, call.signal, attempt);
      if (result.kind === 'aborted') return result;
      // A retry cut by the deadline before any answer: the earlier failure says more than "timeout".
      if (
        result.kind === 'timeout' &&
        result.phase === 'headers' &&
        previous !== undefined &&
        call.signal.aborted
      ) {
        return { ...previous, attempts: attempt };
      }
      const delay =
        attempt < maxAttempts ? retryDelayOf(result, attempt, options.backoffMs ?? 100) : undefined;
      if (delay === undefined || performance.now() - started + delay >= options.timeoutMs) return result;
      previous = result;
      await sleepFor(delay, undefined, { signal: call.signal }).catch(() => {});
      if (options.signal?.aborted) return { kind: 'aborted', attempts: attempt };
      if (call.signal.aborted) return result;
    }
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** The retry wait for a failed attempt, or undefined when it must not be retried. */
function retryDelayOf(outcome: Failure, attempt: number, backoffMs: number): number | undefined {
  if (outcome.kind === 'timeout') return undefined; // a slow platform is not helped by more load
  if (outcome.kind === 'unreachable') return computeRetryDelayMs({ attempt, backoffMs });
  const retryAfterSeconds = parseRetryAfterSeconds(outcome.headers['retry-after']);
  // 429 only with a short Retry-After: without one, an immediate retry just spends the quota.
  if (!RETRY_STATUSES.has(outcome.status) && !(outcome.status === 429 && retryAfterSeconds !== undefined)) {
    return undefined;
  }
  return computeRetryDelayMs({ attempt, backoffMs, retryAfterSeconds });
}

/**
 * Full-jitter exponential backoff (spreads retries from many callers), or the platform's own
 * Retry-After when it gives one: undefined when that is longer than MAX_RETRY_WAIT_MS, since
 * retrying earlier than asked only adds load.
 */
export function computeRetryDelayMs(input: {
  readonly attempt: number;
  readonly backoffMs: number;
  readonly retryAfterSeconds?: number | undefined;
  readonly random?: () => number;
}): number | undefined {
  if (input.retryAfterSeconds !== undefined) {
    const hinted = input.retryAfterSeconds * 1000;
    return hinted <= MAX_RETRY_WAIT_MS ? hinted : undefined;
  }
  const random = input.random ?? Math.random;
  return random() * Math.min(MAX_RETRY_WAIT_MS, input.backoffMs * 2 ** (input.attempt - 1));
}

async function sendOnce(
  options: SendRequestOptions,
  signal: AbortSignal,
  attempt: number,
): Promise<Failure | { kind: 'aborted'; attempts: number }> {
  const url = new URL(options.request.url);
  let status: number | undefined;
  try {
    const response = await untilAborted(
      options.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: options.request.method as Dispatcher.HttpMethod,
        headers: options.request.headers,
        body: options.request.body ?? null,
        signal,
        // Unset: the dispatcher's own (the pool's, from the plugin's options).
        ...(options.headersTimeoutMs !== undefined && { headersTimeout: options.headersTimeoutMs }),
        ...(options.bodyTimeoutMs !== undefined && { bodyTimeout: options.bodyTimeoutMs }),
      }),
      signal,
    );
    status = response.statusCode;
    // `signal` stays attached to the body: the deadline destroys it even while bytes keep trickling in.
    const { body, truncated } = await readCappedBody(response.body, options.maxBytes);
    const headers = flattenHeaders(response.headers);
    return { kind: 'response', status, headers, body, truncated, attempts: attempt };
  } catch (error) {
    const phase: AttemptPhase = status === undefined ? 'headers' : 'body';
    const answered = status === undefined ? {} : { status };
    if (options.signal?.aborted) return { kind: 'aborted', attempts: attempt };
    const code = readErrorCode(error);
    if (signal.aborted || TIMEOUT_ERROR_CODES.has(code)) {
      return { kind: 'timeout', attempts: attempt, phase, ...answered };
    }
    if (!CONNECTION_ERROR_CODES.has(code)) throw error;
    return {
      kind: 'unreachable',
      code,
      notSent: status === undefined && NOT_SENT_ERROR_CODES.has(code),
      attempts: attempt,
      phase,
      ...answered,
    };
  }
}

/**
 * undici only acts on an abort once a queued request reaches a socket, so a call waiting for a
 * free pooled connection would outlive its deadline; this settles it on the abort instead. The
 * request itself is then dropped unsent when dispatched, and a late answer's body is destroyed.
 */
function untilAborted(
  pending: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      pending.then(
        (late) => late.body.destroy(),
        () => {},
      );
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Reads at most `maxBytes`, then destroys the body: undici closes the socket rather than draining
 * whatever else the platform sends.
 */
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
