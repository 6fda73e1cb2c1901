/**
 * The tool call path around the upstream call (DESIGN: scope check -> validate args -> tenant
 * check -> rate limit -> idempotency -> call -> audit): one function per call, shared by a direct `tools/call` and dynamic mode's
 * `call_tool`. Every way a call can end becomes a `CallToolResult`, an audit entry for write tools
 * and one event for the observers.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Grant } from '../auth/auth-types.js';
import { missingScopes } from '../auth/check-tool-scopes.js';
import {
  describeInvalidKey,
  describeKeyMismatch,
  describeMissingKey,
} from '../idempotency/describe-idempotency.js';
import { fingerprintArguments } from '../idempotency/fingerprint-arguments.js';
import {
  type IdempotencySettings,
  type KeyedExecution,
  type LocalClaims,
  runKeyedCall,
} from '../idempotency/run-keyed-call.js';
import {
  type CompiledRateLimit,
  checkRateLimits,
  describeRateLimited,
  RATE_LIMIT_META_KEY,
  retryAfterSeconds,
} from '../rate-limit/check-rate-limits.js';
import type { AuditOutcome, Store } from '../stores/store-types.js';
import type { CredentialPlacement } from '../upstream/resolve-credential.js';
import {
  errorResult,
  executeValidated,
  type ToolCallContext,
  type UpstreamExecution,
} from './execute-tool.js';
import { formatArgumentErrors } from './format-argument-errors.js';
import { redactSecretKeys } from './redact-response.js';
import type { ToolCallObserver } from './tool-call-events.js';
import { IDEMPOTENCY_KEY_ARGUMENT, type ToolRegistryEntry } from './tool-registry.js';
import {
  listWaitArguments,
  type ReportProgress,
  readWaitRequest,
  waitForCompletion,
} from './wait-for-completion.js';

/** Who is calling and how, per MCP request. */
export interface CallScope {
  /** Token subject, API-token id, trusted proxy user, or `anonymous`. */
  readonly principal: string;
  /** OAuth client id or API-token id, when known (audit only). */
  readonly client?: string;
  /** The verified token's grant; absent without token authentication (no scopes or workspaces enforced). */
  readonly grant?: Grant;
  /** The tenant of the endpoint path (`/{tenant}/mcp`), filling `fromTenant` parameters. */
  readonly tenant?: string;
  /** The `Idempotency-Key` header of the MCP HTTP request. */
  readonly idempotencyKeyHeader?: string;
  readonly signal: AbortSignal;
  /** Called when the answer should carry `Retry-After` (seconds), where it is HTTP. */
  readonly onRetryAfter?: (seconds: number) => void;
  /** Sends a progress notification for this call; absent when the client asked for none. */
  readonly reportProgress?: ReportProgress;
}

export interface CallLogger {
  debug(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Everything shared by all calls of one server, built at startup. */
export interface CallServices {
  readonly toolContext: Omit<ToolCallContext, 'signal' | 'logger'>;
  readonly store: Store;
  readonly rateLimits: ReadonlyMap<string, readonly CompiledRateLimit[]>;
  readonly idempotency: IdempotencySettings;
  readonly localClaims: LocalClaims;
  readonly observe?: ToolCallObserver;
  readonly logger: CallLogger;
  /** `access.tenantArgument`: the argument whose value must be one of the grant's workspaces. */
  readonly tenantArgument?: string;
  /** A user's own upstream credential by the grant's credentialRef; undefined when it is gone. */
  readonly userCredentials?: (ref: string) => Promise<CredentialPlacement | undefined>;
}

interface Ending {
  readonly result: CallToolResult;
  readonly outcome: AuditOutcome;
  readonly upstreamStatus?: number;
  readonly idempotencyKey?: string;
}

const MAX_KEY_LENGTH = 255;
// Printable ASCII: a key travels as an HTTP header value and is shown back to the model.
const KEY_PATTERN = /^[\x21-\x7e][\x20-\x7e]*$/;

export async function callTool(
  entry: ToolRegistryEntry,
  rawArgs: Readonly<Record<string, unknown>> | undefined,
  scope: CallScope,
  services: CallServices,
): Promise<CallToolResult> {
  const time = Date.now();
  const started = performance.now();
  const args = rawArgs ?? {};
  let ending: Ending;
  try {
    ending = await runCall(entry, args, scope, services);
  } catch (error) {
    services.logger.error({ err: error, tool: entry.tool.name }, 'tool call failed unexpectedly');
    ending = {
      result: errorResult(`${entry.tool.name} failed because of an internal error in the MCP server.`),
      outcome: 'failed',
    };
  }
  const durationMs = performance.now() - started;
  if (!entry.tool.annotations.readOnlyHint)
    await audit(entry, args, scope, services, ending, time, durationMs);
  services.observe?.({
    tool: entry.tool.name,
    outcome: ending.outcome,
    isError: ending.result.isError === true,
    durationMs,
    principal: scope.principal,
    ...(ending.upstreamStatus !== undefined && { upstreamStatus: ending.upstreamStatus }),
  });
  return ending.result;
}

async function runCall(
  entry: ToolRegistryEntry,
  rawArgs: Readonly<Record<string, unknown>>,
  scope: CallScope,
  services: CallServices,
): Promise<Ending> {
  const { tool } = entry;
  const { grant } = scope;
  // The HTTP layer refused this already (403 step-up); this guards every other way in.
  const missing = grant === undefined ? [] : missingScopes(tool.scopes, grant.scopes);
  if (missing.length > 0) {
    return {
      result: errorResult(
        `${tool.name} needs the scope(s) ${missing.join(' ')}, which this connection was not granted. Ask the user to reconnect and grant them.`,
      ),
      outcome: 'rejected',
    };
  }
  const keyed = resolveIdempotencyKey(entry, rawArgs, scope.idempotencyKeyHeader);
  if (!keyed.ok) return { result: errorResult(keyed.message), outcome: 'rejected' };
  const { args, key } = keyed;
  if (!entry.validateInput(args)) {
    return {
      result: errorResult(formatArgumentErrors(tool.name, entry.validateInput.errors ?? [])),
      outcome: 'rejected',
      ...(key !== undefined && { idempotencyKey: key }),
    };
  }

  const outsideGrant = checkTenantArgument(tool.name, args, grant, services.tenantArgument);
  if (outsideGrant !== undefined) {
    return {
      result: errorResult(outsideGrant),
      outcome: 'rejected',
      ...(key !== undefined && { idempotencyKey: key }),
    };
  }
  let credential = services.toolContext.credential;
  if (grant?.credentialRef !== undefined) {
    const own = await resolveUserCredential(tool.name, grant.credentialRef, services);
    if (typeof own === 'string') {
      return {
        result: errorResult(own),
        outcome: 'rejected',
        ...(key !== undefined && { idempotencyKey: key }),
      };
    }
    credential = own;
  }

  const rules = services.rateLimits.get(tool.name);
  if (rules !== undefined) {
    const limited = await enforceRateLimits(entry, rules, args, scope, services);
    if (limited !== undefined) return { ...limited, ...(key !== undefined && { idempotencyKey: key }) };
  }

  const context: ToolCallContext = {
    ...services.toolContext,
    credential,
    ...(scope.tenant !== undefined && { tenant: scope.tenant }),
    signal: scope.signal,
    logger: services.logger,
  };
  const execute = async (): Promise<KeyedExecution> => {
    const execution = await executeValidated(entry, args, context);
    if (execution.retryAfterSeconds !== undefined) scope.onRetryAfter?.(execution.retryAfterSeconds);
    return { ...execution, outcome: outcomeOf(execution) };
  };
  if (key === undefined) return waitIfAsked(entry, args, await execute(), scope, context);

  const { [IDEMPOTENCY_KEY_ARGUMENT]: _key, ...keyless } = args;
  // Whether and how long to wait is not part of the write: a retry that now waits is the same call.
  const bindingArgs = omitArguments(keyless, listWaitArguments(tool.wait));
  const keyedResult = await runKeyedCall(
    {
      store: services.store.idempotency,
      owner: services.store.owner,
      ref: { principal: scope.principal, tool: tool.name, key },
      fingerprint: fingerprintArguments(bindingArgs),
      settings: services.idempotency,
      keyForwarded: services.toolContext.upstream.forwardIdempotencyKey,
      describe: {
        toolName: tool.name,
        key,
        ...(entry.listToolName !== undefined && { checkToolName: entry.listToolName }),
      },
      execute,
      signal: scope.signal,
      onStoreError: (error, operation) =>
        services.logger.error(
          { err: error, tool: tool.name, operation },
          'idempotency store failed; the key is unusable until its lease ends',
        ),
    },
    services.localClaims,
  );
  // After the keyed call, so a replayed start (a retry after a lost answer) waits again too.
  return waitIfAsked(entry, args, { ...keyedResult, idempotencyKey: key }, scope, context);
}

/**
 * x-mcp `wait`: with the wait argument true (or its default) and a successful start, polls the
 * status tool through the same upstream path (credential, tenant, signal) until the operation ends.
 */
async function waitIfAsked(
  entry: ToolRegistryEntry,
  args: Readonly<Record<string, unknown>>,
  ending: Ending,
  scope: CallScope,
  context: ToolCallContext,
): Promise<Ending> {
  const { wait } = entry;
  if (wait === undefined || ending.result.isError === true) return ending;
  const request = readWaitRequest(wait.declaration, args);
  if (request === undefined) return ending;
  const { poll } = wait;
  const missing = scope.grant === undefined ? [] : missingScopes(poll.tool.scopes, scope.grant.scopes);
  const { result } = await waitForCompletion(
    {
      toolName: entry.tool.name,
      wait: wait.declaration,
      poll,
      args,
      started: ending.result,
      signal: scope.signal,
      ...(scope.reportProgress !== undefined && { reportProgress: scope.reportProgress }),
      executePoll: (pollArgs) => executeValidated(poll, pollArgs, context),
      ...(missing.length > 0 && {
        refusal: `${entry.tool.name} started the operation but cannot wait for it: checking on it with ${poll.tool.name} needs the scope(s) ${missing.join(' ')}, which this connection was not granted.`,
      }),
    },
    request.timeoutMs,
  );
  return { ...ending, result };
}

function omitArguments(
  args: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Readonly<Record<string, unknown>> {
  if (!names.some((name) => name in args)) return args;
  return Object.fromEntries(Object.entries(args).filter(([name]) => !names.includes(name)));
}

/**
 * A tenant argument outside the grant's workspaces: the text telling the model which values it may
 * use. Undefined when the call may go on (no such argument, no list on the grant, or a granted value).
 */
function checkTenantArgument(
  toolName: string,
  args: Readonly<Record<string, unknown>>,
  grant: Grant | undefined,
  argument: string | undefined,
): string | undefined {
  const workspaces = grant?.workspaces;
  if (argument === undefined || workspaces === undefined) return undefined;
  const value = args[argument];
  if (value === undefined || workspaces.includes(String(value))) return undefined;
  const allowed =
    workspaces.length === 0
      ? 'This connection was granted none.'
      : `Allowed values: ${workspaces.join(', ')}.`;
  return `${toolName} was not called: ${argument} "${String(value)}" is not one this connection was granted. ${allowed} Use one of those, or ask the user to reconnect and grant access to "${String(value)}".`;
}

/** The caller's own upstream credential, or the text telling the user to reconnect. */
async function resolveUserCredential(
  toolName: string,
  ref: string,
  services: CallServices,
): Promise<CredentialPlacement | string> {
  const reconnect = `${toolName} was not called: the platform credential this connection was authorized with is no longer stored. Ask the user to reconnect (authorize this MCP server again).`;
  if (services.userCredentials === undefined) {
    services.logger.error(
      { tool: toolName },
      'grant names a user credential but no credential vault is configured',
    );
    return reconnect;
  }
  const placement = await services.userCredentials(ref);
  return placement ?? reconnect;
}

type KeyResolution =
  | { readonly ok: true; readonly args: Readonly<Record<string, unknown>>; readonly key?: string }
  | { readonly ok: false; readonly message: string };

/** The key from the argument or the HTTP header; the header fills in a missing argument. */
function resolveIdempotencyKey(
  entry: ToolRegistryEntry,
  args: Readonly<Record<string, unknown>>,
  header: string | undefined,
): KeyResolution {
  const { tool } = entry;
  if (!entry.takesIdempotencyKey) return { ok: true, args };
  const argument = args[IDEMPOTENCY_KEY_ARGUMENT];
  const headerKey = header === undefined || header.trim() === '' ? undefined : header.trim();
  if (argument !== undefined && typeof argument !== 'string') {
    // Let the schema validator say what type it must be.
    return { ok: true, args };
  }
  if (argument !== undefined && headerKey !== undefined && argument !== headerKey) {
    return { ok: false, message: describeKeyMismatch(tool.name, IDEMPOTENCY_KEY_ARGUMENT) };
  }
  const key = argument ?? headerKey;
  if (key === undefined || key === '') {
    if (tool.idempotency === 'required') {
      return { ok: false, message: describeMissingKey(tool.name, IDEMPOTENCY_KEY_ARGUMENT) };
    }
    return { ok: true, args };
  }
  if (key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    return { ok: false, message: describeInvalidKey(tool.name, IDEMPOTENCY_KEY_ARGUMENT) };
  }
  return {
    ok: true,
    args: argument === undefined ? { ...args, [IDEMPOTENCY_KEY_ARGUMENT]: key } : args,
    key,
  };
}

async function enforceRateLimits(
  entry: ToolRegistryEntry,
  rules: readonly CompiledRateLimit[],
  args: Readonly<Record<string, unknown>>,
  scope: CallScope,
  services: CallServices,
): Promise<Ending | undefined> {
  let verdict: Awaited<ReturnType<typeof checkRateLimits>>;
  try {
    verdict = await checkRateLimits(services.store.rateLimits, rules, scope.principal, args);
  } catch (error) {
    // Limits protect the platform; an unavailable counter store must not stop every call.
    services.logger.warn({ err: error, tool: entry.tool.name }, 'rate-limit store failed; call allowed');
    return undefined;
  }
  if (verdict.allowed) return undefined;
  const seconds = retryAfterSeconds(verdict.retryAfterMs);
  scope.onRetryAfter?.(seconds);
  return {
    result: {
      ...errorResult(describeRateLimited(entry.tool.name, verdict)),
      _meta: {
        [RATE_LIMIT_META_KEY]: {
          retryAfterSeconds: seconds,
          limit: verdict.definition.limit,
          windowSeconds: verdict.definition.windowSeconds,
          key: verdict.definition.key,
        },
      },
    },
    outcome: 'rate_limited',
  };
}

function outcomeOf(execution: UpstreamExecution): AuditOutcome {
  if (execution.upstreamStatus === 429) return 'rate_limited';
  if (execution.result.isError !== true) return 'succeeded';
  return execution.delivery === 'not_applied' && execution.upstreamStatus === undefined
    ? 'rejected'
    : 'failed';
}

async function audit(
  entry: ToolRegistryEntry,
  args: Readonly<Record<string, unknown>>,
  scope: CallScope,
  services: CallServices,
  ending: Ending,
  time: number,
  durationMs: number,
): Promise<void> {
  try {
    await services.store.audit.append({
      time,
      principal: scope.principal,
      ...(scope.client !== undefined && { client: scope.client }),
      tool: entry.tool.name,
      arguments: redactArgumentsForAudit(args),
      ...(ending.idempotencyKey !== undefined && { idempotencyKey: ending.idempotencyKey }),
      outcome: ending.outcome,
      ...(ending.upstreamStatus !== undefined && { upstreamStatus: ending.upstreamStatus }),
      durationMs: Math.round(durationMs),
    });
  } catch (error) {
    // The call already happened; losing its audit line is logged loudly rather than hidden.
    services.logger.error(
      { err: error, tool: entry.tool.name, principal: scope.principal, outcome: ending.outcome },
      'audit entry could not be written',
    );
  }
}

const ELIDED_ARGUMENTS = new Set(['content_base64']);

/** A copy without credential-looking values and without file contents (size only). */
export function redactArgumentsForAudit(args: Readonly<Record<string, unknown>>): unknown {
  const copy = JSON.parse(
    JSON.stringify(args, (name, value) =>
      ELIDED_ARGUMENTS.has(name) && typeof value === 'string'
        ? `[${Math.floor((value.length * 3) / 4)} bytes]`
        : value,
    ),
  ) as unknown;
  redactSecretKeys(copy);
  return copy;
}
