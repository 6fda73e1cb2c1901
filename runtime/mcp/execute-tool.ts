/**
 * The tool call path after the MCP layer: validate arguments, build and send the upstream
 * request, then turn the answer into a `CallToolResult` the model can act on. Failures the model
 * can react to are `isError` results, never thrown.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Dispatcher } from 'undici';
import type { ApiDefinition } from '../define-tool.js';
import type { Delivery } from '../idempotency/run-keyed-call.js';
import { BuildRequestError, buildUpstreamRequest, type UpstreamRequest } from '../upstream/build-request.js';
import type { CredentialPlacement } from '../upstream/resolve-credential.js';
import { FileArgumentError, resolveFileArguments } from '../upstream/resolve-file-arguments.js';
import { type SendOutcome, sendUpstreamRequest } from '../upstream/send-request.js';
import { type CappedList, capListItems } from './cap-items.js';
import { describeNoAnswer, describeUpstreamError, retryAfterSecondsOf } from './describe-upstream-error.js';
import { formatArgumentErrors } from './format-argument-errors.js';
import { redactSecretKeys, removeSelectedNodes } from './redact-response.js';
import { IDEMPOTENCY_KEY_ARGUMENT, type ToolRegistryEntry } from './tool-registry.js';

export interface ToolCallLogger {
  debug(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface ToolCallContext {
  readonly dispatcher: Dispatcher;
  readonly baseUrl: string;
  readonly credential: CredentialPlacement;
  readonly upstream: Pick<ApiDefinition['upstream'], 'timeoutMs' | 'retries' | 'forwardIdempotencyKey'>;
  readonly userAgent: string;
  /** The tenant of the endpoint path, for `fromTenant` parameters. */
  readonly tenant?: string;
  readonly signal?: AbortSignal;
  readonly logger?: ToolCallLogger;
  /** Base of the retry backoff in ms (tests shorten it). */
  readonly backoffMs?: number;
  /** Largest file argument accepted (base64 or downloaded). Default 20 MiB. */
  readonly fileMaxBytes?: number;
}

const DEFAULT_FILE_MAX_BYTES = 20 * 1024 * 1024;

// Above this, the text block is compact JSON: indentation would only spend the model's context.
const CURSOR_ARGUMENTS = [
  'cursor',
  'next_cursor',
  'page_token',
  'pagetoken',
  'starting_after',
  'after',
  'page',
  'offset',
];
const LIMIT_ARGUMENTS = ['limit', 'page_size', 'pagesize', 'per_page', 'perpage', 'max_results'];

/** A validated call's result, with what the platform may have done, for the idempotency record. */
export interface UpstreamExecution {
  readonly result: CallToolResult;
  readonly delivery: Delivery;
  /** HTTP status of the platform's final answer, when there was one. */
  readonly upstreamStatus?: number;
  /** The platform asked to wait (429 or 503 with Retry-After), in seconds. */
  readonly retryAfterSeconds?: number;
}

/** Validates the arguments, then calls the platform. The call path adds limits and keys around it. */
export async function executeTool(
  entry: ToolRegistryEntry,
  rawArgs: Readonly<Record<string, unknown>> | undefined,
  context: ToolCallContext,
): Promise<CallToolResult> {
  const args = rawArgs ?? {};
  if (!entry.validateInput(args)) {
    return errorResult(formatArgumentErrors(entry.tool.name, entry.validateInput.errors ?? []));
  }
  return (await executeValidated(entry, args, context)).result;
}

/** Builds and sends the upstream request for arguments `entry.validateInput` accepted. */
export async function executeValidated(
  entry: ToolRegistryEntry,
  args: Readonly<Record<string, unknown>>,
  context: ToolCallContext,
): Promise<UpstreamExecution> {
  const prepared = await prepareRequest(entry, args, context);
  if (!prepared.ok) return { result: prepared.result, delivery: 'not_applied' };

  const started = performance.now();
  const outcome = await sendUpstreamRequest({
    dispatcher: context.dispatcher,
    request: prepared.request,
    timeoutMs: context.upstream.timeoutMs,
    retries: context.upstream.retries,
    retrySafe: prepared.retrySafe,
    maxBytes: entry.tool.response.maxBytes,
    ...(context.signal !== undefined && { signal: context.signal }),
    ...(context.backoffMs !== undefined && { backoffMs: context.backoffMs }),
  });
  context.logger?.debug(
    {
      tool: entry.tool.name,
      outcome: outcome.kind,
      attempts: outcome.attempts,
      ms: Math.round(performance.now() - started),
      ...(outcome.kind === 'response' && { status: outcome.status, bytes: outcome.body.length }),
    },
    'upstream call',
  );
  const result = toToolResult(entry, outcome, prepared, context);
  if (outcome.kind !== 'response') return { result, delivery: deliveryWithoutAnswer(outcome) };
  const retryAfterSeconds = retryAfterSecondsOf(outcome.status, outcome.headers);
  return {
    result:
      retryAfterSeconds === undefined
        ? result
        : { ...result, _meta: { ...result._meta, [RETRY_AFTER_META_KEY]: { retryAfterSeconds } } },
    delivery: deliveryOfStatus(outcome.status),
    upstreamStatus: outcome.status,
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  };
}

/** Statuses by which the platform says "not now": it did not apply the request. */
const NOT_APPLIED_STATUSES = new Set([408, 425, 429, 503]);
export const RETRY_AFTER_META_KEY = 'spec2mcp/retry-after';

function deliveryOfStatus(status: number): Delivery {
  if (NOT_APPLIED_STATUSES.has(status)) return 'not_applied';
  // Other 5xx: the platform may have applied the request before failing.
  return status >= 500 ? 'unknown' : 'answered';
}

function deliveryWithoutAnswer(outcome: Exclude<SendOutcome, { kind: 'response' }>): Delivery {
  // A body that broke after a 2xx is 'unknown' too: applied, but the result is lost; a retry may
  // only resend when the platform deduplicates on a forwarded key.
  switch (outcome.kind) {
    case 'aborted':
      return outcome.attempts === 0 ? 'not_applied' : 'unknown';
    case 'unreachable':
      return outcome.notSent ? 'not_applied' : 'unknown';
    case 'timeout':
      return 'unknown';
  }
}

interface PreparedRequest {
  readonly ok: true;
  readonly request: UpstreamRequest;
  /** Idempotent method or an Idempotency-Key sent: retrying cannot apply the call twice. */
  readonly retrySafe: boolean;
  readonly idempotencyKeySent: boolean;
}

async function prepareRequest(
  entry: ToolRegistryEntry,
  args: Readonly<Record<string, unknown>>,
  context: ToolCallContext,
): Promise<PreparedRequest | { readonly ok: false; readonly result: CallToolResult }> {
  const { idempotencyKey, bindingArgs } = splitIdempotencyKey(entry, args);
  const sendKey = context.upstream.forwardIdempotencyKey && idempotencyKey !== undefined;
  let resolvedArgs = bindingArgs;
  try {
    // File arguments ({url} or {content_base64}) become bytes first: the only I/O before the call.
    resolvedArgs = await resolveFileArguments(entry.tool, bindingArgs, {
      maxBytes: context.fileMaxBytes ?? DEFAULT_FILE_MAX_BYTES,
      timeoutMs: context.upstream.timeoutMs,
      ...(context.signal !== undefined && { signal: context.signal }),
    });
  } catch (error) {
    if (!(error instanceof FileArgumentError)) throw error;
    return { ok: false, result: errorResult(`Invalid arguments for ${entry.tool.name}: ${error.message}`) };
  }
  try {
    const request = buildUpstreamRequest({
      tool: entry.tool,
      args: resolvedArgs,
      baseUrl: context.baseUrl,
      credential: context.credential,
      userAgent: context.userAgent,
      ...(context.tenant !== undefined && { tenant: context.tenant }),
      ...(sendKey && { idempotencyKey }),
    });
    return { ok: true, request, retrySafe: entry.idempotentMethod || sendKey, idempotencyKeySent: sendKey };
  } catch (error) {
    if (!(error instanceof BuildRequestError)) throw error;
    return { ok: false, result: errorResult(`Invalid arguments for ${entry.tool.name}: ${error.message}`) };
  }
}

function toToolResult(
  entry: ToolRegistryEntry,
  outcome: SendOutcome,
  prepared: PreparedRequest,
  context: ToolCallContext,
): CallToolResult {
  const { tool } = entry;
  switch (outcome.kind) {
    case 'aborted':
      return errorResult(`${tool.name} was cancelled before the platform answered.`);
    case 'timeout':
    case 'unreachable':
      return errorResult(
        describeNoAnswer({
          toolName: tool.name,
          kind: outcome.kind,
          timeoutMs: context.upstream.timeoutMs,
          ...(outcome.kind === 'unreachable' && { code: outcome.code, notSent: outcome.notSent }),
          ...(outcome.phase !== undefined && { phase: outcome.phase }),
          ...(outcome.status !== undefined && { status: outcome.status }),
          retrySafe: prepared.retrySafe,
          idempotencyKeySent: prepared.idempotencyKeySent,
        }),
      );
    case 'response':
      if (outcome.status >= 200 && outcome.status < 300) {
        return shapeSuccess(entry, outcome, prepared.request.url, context.logger);
      }
      return {
        ...errorResult(
          describeUpstreamError({
            toolName: tool.name,
            status: outcome.status,
            headers: outcome.headers,
            body: outcome.body,
            retrySafe: prepared.retrySafe,
            ...(entry.listToolName !== undefined && { listToolName: entry.listToolName }),
          }),
        ),
        _meta: { status: outcome.status },
      };
  }
}

function splitIdempotencyKey(entry: ToolRegistryEntry, args: Readonly<Record<string, unknown>>) {
  if (!entry.takesIdempotencyKey || !(IDEMPOTENCY_KEY_ARGUMENT in args)) {
    return { idempotencyKey: undefined, bindingArgs: args };
  }
  const { [IDEMPOTENCY_KEY_ARGUMENT]: key, ...bindingArgs } = args;
  return { idempotencyKey: typeof key === 'string' && key !== '' ? key : undefined, bindingArgs };
}

export function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

type ResponseOutcome = Extract<SendOutcome, { kind: 'response' }>;

function shapeSuccess(
  entry: ToolRegistryEntry,
  outcome: ResponseOutcome,
  url: string,
  logger: ToolCallLogger | undefined,
): CallToolResult {
  const { tool } = entry;
  const contentType = outcome.headers['content-type'] ?? tool.http.responseMediaType ?? '';
  if (outcome.body.length === 0) return shapeEmptySuccess(entry, outcome.status);
  if (isJsonMediaType(contentType)) return shapeJson(entry, outcome, logger);
  if (isTextMediaType(contentType)) {
    const content: CallToolResult['content'] = [{ type: 'text', text: decodeUtf8(outcome.body) }];
    if (outcome.truncated) content.push({ type: 'text', text: describeTruncation(entry) });
    return { content };
  }
  if (outcome.truncated) {
    // Half a file is not a usable file.
    return errorResult(
      `${tool.name} returned binary content larger than ${tool.response.maxBytes} bytes. ${describeNarrowing(entry)}`,
    );
  }
  const mimeType = contentType.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';
  const data = outcome.body.toString('base64');
  // Images and audio are content a model can take in directly; any other bytes are a resource.
  if (mimeType.startsWith('image/')) return { content: [{ type: 'image', data, mimeType }] };
  if (mimeType.startsWith('audio/')) return { content: [{ type: 'audio', data, mimeType }] };
  return { content: [{ type: 'resource', resource: { uri: stripQuery(url), mimeType, blob: data } }] };
}

/**
 * A success without a body. A client rejects a result without structuredContent from a tool that
 * declares an outputSchema (MCP: structured results are required then), so such a tool answers
 * `{}` when its schema admits that, and otherwise isError with the status, as for unparsable JSON.
 */
function shapeEmptySuccess(entry: ToolRegistryEntry, status: number): CallToolResult {
  const text = `Done (HTTP ${status}, no content).`;
  if (entry.tool.outputSchema === undefined) return { content: [{ type: 'text', text }] };
  if (entry.validateOutput?.({}) === true)
    return { content: [{ type: 'text', text }], structuredContent: {} };
  return textOnlyResult(entry, [
    `${text} The platform sent no body, although this tool's output schema describes one.`,
  ]);
}

function shapeJson(entry: ToolRegistryEntry, outcome: ResponseOutcome, logger: ToolCallLogger | undefined) {
  const { tool } = entry;
  const raw = decodeUtf8(outcome.body);
  if (outcome.truncated) {
    // Cut JSON cannot be parsed, so there is no structuredContent; a client rejects a success without
    // it when the tool declares an outputSchema, hence isError there.
    return textOnlyResult(entry, [raw, describeTruncation(entry)]);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return textOnlyResult(entry, [
      raw,
      'The platform said this was JSON, but it does not parse; shown as text.',
    ]);
  }
  removeSelectedNodes(data, entry.redactions);
  redactSecretKeys(data);
  const { value, capped } = capListItems(data, tool.response.maxItems);
  const text = formatJson(value);
  const notes = capped.length > 0 ? [describeCap(entry, capped)] : [];

  if (entry.validateOutput !== undefined && !entry.validateOutput(value)) {
    const errors = entry.validateOutput.errors ?? [];
    logger?.warn(
      {
        tool: tool.name,
        errors: errors.slice(0, 5).map((error) => `${error.instancePath} ${error.message}`),
      },
      'upstream response does not match the tool outputSchema; returning it as text only',
    );
    return textOnlyResult(entry, [
      text,
      ...notes,
      "The platform's response does not match this tool's declared output schema, so it is shown as text only.",
    ]);
  }
  const content: CallToolResult['content'] = [text, ...notes].map((block) => ({ type: 'text', text: block }));
  return { content, structuredContent: value as Record<string, unknown> };
}

/** Without structuredContent a tool that declares an outputSchema must answer isError (see shapeJson). */
function textOnlyResult(entry: ToolRegistryEntry, blocks: string[]): CallToolResult {
  return {
    content: blocks.map((text) => ({ type: 'text', text })),
    ...(entry.tool.outputSchema !== undefined && { isError: true }),
  };
}

/** Decodes UTF-8; a character cut by the byte cap is dropped instead of becoming U+FFFD. */
function decodeUtf8(bytes: Buffer): string {
  return new TextDecoder('utf-8').decode(bytes, { stream: true });
}

/** Compact: indentation costs a model tokens and the server CPU, and clients pretty-print anyway. */
function formatJson(value: unknown): string {
  return JSON.stringify(value);
}

function describeCap(entry: ToolRegistryEntry, capped: readonly CappedList[]): string {
  const { tool } = entry;
  const where = capped
    .map((list) => `${list.shown} of ${list.total} items${list.path === '$' ? '' : ` in ${list.path}`}`)
    .join(', ');
  const cursor = entry.pagingArguments.find((name) => CURSOR_ARGUMENTS.includes(name.toLowerCase()));
  const limit = entry.pagingArguments.find((name) => LIMIT_ARGUMENTS.includes(name.toLowerCase()));
  const head = `Showing ${where}: ${tool.name} returns at most ${tool.response.maxItems} items per call.`;
  if (cursor !== undefined) {
    const size = limit === undefined ? '' : ` and "${limit}" of at most ${tool.response.maxItems}`;
    return `${head} To see more, call ${tool.name} again with "${cursor}" set from this response's next-page value${size}.`;
  }
  if (limit !== undefined) {
    return `${head} Pass "${limit}" of at most ${tool.response.maxItems}, or narrow the request with filter arguments.`;
  }
  return `${head} Narrow the request with filter arguments to see the rest.`;
}

function describeTruncation(entry: ToolRegistryEntry): string {
  const { tool } = entry;
  return `The response was cut at ${tool.response.maxBytes} bytes because the platform sent more. ${describeNarrowing(entry)}`;
}

function describeNarrowing(entry: ToolRegistryEntry): string {
  const limit = entry.pagingArguments.find((name) => LIMIT_ARGUMENTS.includes(name.toLowerCase()));
  const smaller = limit === undefined ? '' : `pass a smaller "${limit}", `;
  return `Narrow the request: ${smaller}use filter arguments, or fetch a single item by its id.`;
}

function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

function isTextMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    essence.startsWith('text/') ||
    essence === 'application/xml' ||
    essence.endsWith('+xml') ||
    essence === 'application/yaml' ||
    essence === 'application/x-ndjson' ||
    /charset=/i.test(contentType)
  );
}

// The credential may travel in the query string; never echo it into a result.
function stripQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
