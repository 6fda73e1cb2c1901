/**
 * Writes the text of an `isError` result for an upstream failure: the HTTP status, the
 * platform's own message from whatever error envelope it uses, and what the model should do next.
 */
import { STATUS_CODES } from 'node:http';
import { parseRetryAfterSeconds } from '../upstream/send-request.js';

const MAX_MESSAGE_CHARS = 500;

export interface PlatformError {
  readonly message?: string;
  /** Argument / field names the platform blamed (400/422 validation envelopes). */
  readonly fields: readonly string[];
}

/** Pulls the human message out of the common error envelopes, or a short text excerpt. */
export function extractPlatformError(body: Buffer, contentType: string | undefined): PlatformError {
  const text = body.toString('utf8').trim();
  if (text === '') return { fields: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (/html/i.test(contentType ?? '') || text.startsWith('<')) return { fields: [] };
    return { message: clip(text), fields: [] };
  }
  return readEnvelope(parsed);
}

function readEnvelope(value: unknown): PlatformError {
  if (typeof value === 'string') return { message: clip(value), fields: [] };
  if (typeof value !== 'object' || value === null) return { fields: [] };
  const record = value as Record<string, unknown>;
  const fields: string[] = [];
  const messages: string[] = [];

  const error = record['error'];
  if (typeof error === 'object' && error !== null && !Array.isArray(error)) {
    const nested = readEnvelope(error);
    if (nested.message !== undefined) messages.push(nested.message);
    fields.push(...nested.fields);
  } else if (typeof error === 'string') {
    messages.push(
      typeof record['error_description'] === 'string' ? `${error}: ${record['error_description']}` : error,
    );
  }
  if (typeof record['message'] === 'string') messages.push(record['message']);
  const title = typeof record['title'] === 'string' ? record['title'] : undefined;
  const detail = record['detail'];
  if (typeof detail === 'string') messages.push(title !== undefined ? `${title}: ${detail}` : detail);
  else if (title !== undefined) messages.push(title);
  if (Array.isArray(detail)) collectItemErrors(detail, messages, fields);
  if (Array.isArray(record['errors'])) collectItemErrors(record['errors'], messages, fields);
  if (messages.length === 0 && typeof record['msg'] === 'string') messages.push(record['msg']);

  const unique = [...new Set(messages.map((message) => message.trim()).filter((message) => message !== ''))];
  return {
    ...(unique.length > 0 && { message: clip(unique.join('; ')) }),
    fields: [...new Set(fields)],
  };
}

/** `errors: [{message, field}]`, JSON:API `{detail, source: {pointer}}`, FastAPI `{msg, loc}`. */
function collectItemErrors(items: unknown[], messages: string[], fields: string[]): void {
  for (const item of items) {
    if (typeof item === 'string') {
      messages.push(item);
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    const field = readFieldName(record);
    const text = [record['message'], record['detail'], record['msg'], record['title']].find(
      (candidate): candidate is string => typeof candidate === 'string',
    );
    if (field !== undefined) fields.push(field);
    if (text !== undefined)
      messages.push(field !== undefined && !text.includes(field) ? `${field}: ${text}` : text);
  }
}

function readFieldName(record: Record<string, unknown>): string | undefined {
  for (const key of ['field', 'param', 'parameter', 'path', 'property', 'name']) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  const location = record['loc'];
  if (Array.isArray(location) && location.length > 0) return String(location[location.length - 1]);
  const source = record['source'];
  if (typeof source === 'object' && source !== null) {
    const pointer =
      (source as Record<string, unknown>)['pointer'] ?? (source as Record<string, unknown>)['parameter'];
    if (typeof pointer === 'string' && pointer !== '')
      return pointer.split('/').filter(Boolean).pop() ?? pointer;
  }
  return undefined;
}

/**
 * Seconds the platform asked the caller to wait, from Retry-After on a 429 or a 503 (the statuses
 * that define it for this purpose); undefined when absent or unreadable.
 */
export function retryAfterSecondsOf(
  status: number,
  headers: Readonly<Record<string, string>>,
): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'retry-after');
  return parseRetryAfterSeconds(name === undefined ? undefined : headers[name]);
}

function formatSeconds(seconds: number): string {
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

function clip(text: string): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length > MAX_MESSAGE_CHARS ? `${single.slice(0, MAX_MESSAGE_CHARS)}…` : single;
}

export interface UpstreamErrorContext {
  readonly toolName: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Whether repeating the call cannot apply it twice (idempotent method or idempotency key). */
  readonly retrySafe: boolean;
  /** A tool that lists what this tool addresses, suggested on 404. */
  readonly listToolName?: string;
}

export function describeUpstreamError(context: UpstreamErrorContext): string {
  const { status } = context;
  const platform = extractPlatformError(context.body, context.headers['content-type']);
  const statusText = STATUS_CODES[status] ?? 'Error';
  const quoted = platform.message === undefined ? '' : `: "${platform.message}"`;
  const head = `${context.toolName} failed: the platform answered HTTP ${status} ${statusText}${quoted}.`;
  return `${head} ${adviseOnStatus(context, platform)}`;
}

function adviseOnStatus(context: UpstreamErrorContext, platform: PlatformError): string {
  const { status, toolName } = context;
  if (status === 400 || status === 422) {
    const named = platform.fields.length > 0 ? ` (${platform.fields.join(', ')})` : '';
    return `Fix the arguments the platform named${named} and call ${toolName} again.`;
  }
  if (status === 401) {
    return (
      "The MCP server's own credential for the platform was rejected; different arguments will not help. " +
      'Tell the user that the server operator must update the upstream credential.'
    );
  }
  if (status === 403) {
    return (
      'This account or workspace is not permitted to do this. Do not retry with the same arguments; ' +
      'ask the user whether they have access, or use a resource the account can reach.'
    );
  }
  if (status === 404) {
    const list =
      context.listToolName === undefined ? 'List the items first' : `Call ${context.listToolName} first`;
    return `Check the id you passed. ${list} to find a valid one.`;
  }
  if (status === 409) {
    return 'Conflict with the current state of the resource: re-read its current state, then retry with arguments that match it.';
  }
  const retryAfter = retryAfterSecondsOf(status, context.headers);
  if (status === 429) {
    return retryAfter === undefined
      ? 'Rate limited: wait a little before retrying; the platform did not say how long, so retry after a short while.'
      : `Rate limited: retry after ${formatSeconds(retryAfter)}.`;
  }
  if (status >= 500) {
    const failed = 'The platform had an internal problem.';
    const safe = context.retrySafe
      ? 'Retry later; retrying this call is safe.'
      : 'The operation may or may not have been applied: check the current state before retrying.';
    const when =
      retryAfter === undefined ? '' : ` The platform asked to wait ${formatSeconds(retryAfter)} first.`;
    return `${failed} ${safe}${when}`;
  }
  return `The platform refused the request; check the arguments against the description of ${toolName}.`;
}

/** Codes of a connection that was up and then broke: the request may have reached the platform. */
const BROKEN_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** Text for a call the platform never answered in full: timeout or connection failure. */
export function describeNoAnswer(input: {
  readonly toolName: string;
  readonly kind: 'timeout' | 'unreachable';
  readonly timeoutMs: number;
  readonly code?: string;
  /** The connection failed before the request was sent. */
  readonly notSent?: boolean;
  readonly retrySafe: boolean;
  readonly idempotencyKeySent: boolean;
  /** Before the response headers, or while reading the body (SendOutcome's `phase`). */
  readonly phase?: 'headers' | 'body';
  /** Status the platform answered before the body stalled or broke. */
  readonly status?: number;
}): string {
  const head = `${input.toolName} failed: ${describeWhatHappened(input)}`;
  if (input.notSent || input.retrySafe) {
    const why = input.notSent
      ? 'the request was never sent'
      : input.idempotencyKeySent
        ? 'it carries an idempotency key'
        : 'the operation is idempotent';
    return `${head} It is safe to retry (${why}); wait a moment first.`;
  }
  if (input.status !== undefined && input.status >= 200 && input.status < 300) {
    return (
      `${head} The platform accepted the request (HTTP ${input.status}), so it was most likely applied: ` +
      'do not repeat it; check the current state (for example with a get or list tool) instead.'
    );
  }
  return (
    `${head} It is not safe to simply retry: the platform may have applied the request. ` +
    'Check the current state first (for example with a get or list tool), then retry only if nothing changed.'
  );
}

function describeWhatHappened(input: Parameters<typeof describeNoAnswer>[0]): string {
  const code = input.code ?? 'connection error';
  if (input.kind === 'timeout') {
    return input.phase === 'body' && input.status !== undefined
      ? `the platform answered HTTP ${input.status} but did not finish sending it within ${input.timeoutMs} ms.`
      : `the platform did not answer within ${input.timeoutMs} ms.`;
  }
  if (input.notSent || !BROKEN_CONNECTION_CODES.has(code)) {
    return `the platform could not be reached (${code}).`;
  }
  if (input.phase === 'body' && input.status !== undefined) {
    return `the connection to the platform broke while it was sending its answer (HTTP ${input.status}, ${code}).`;
  }
  if (input.phase === 'headers') {
    return `the connection to the platform was closed before it answered (${code}).`;
  }
  return `the connection to the platform broke before its answer was complete (${code}).`;
}
