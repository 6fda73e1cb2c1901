/**
 * Calls the platform on behalf of a user signing in: the API's `whoami` tool with the credential the
 * user typed (proving it works and saying who they are), and its tenant-list tool for the consent
 * page's workspace choice. Requests are built by the runtime's own upstream request builder, so the
 * credential goes where `upstream.auth` says, exactly as on tool calls.
 */
import type { Dispatcher } from 'undici';
import type { ApiDefinition, ToolDefinition } from '../../define-tool.js';
import { buildUpstreamRequest } from '../../upstream/build-request.js';
import { resolveCredentialPlacement } from '../../upstream/resolve-credential.js';
import { sendUpstreamRequest } from '../../upstream/send-request.js';
import { RUNTIME_VERSION } from '../../version.js';

export interface PlatformConnection {
  readonly dispatcher: Dispatcher;
  readonly baseUrl: string;
}

export type PlatformAnswer =
  | { readonly kind: 'ok'; readonly body: unknown }
  /** 401/403: the platform does not accept the credential. */
  | { readonly kind: 'rejected'; readonly status: number }
  /** No usable answer: down, timed out, 5xx, or not JSON. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Sign-in and consent should not hang on a slow platform for the tools' full timeout. */
const SIGN_IN_TIMEOUT_MS = 15_000;

export async function callPlatformTool(
  api: ApiDefinition,
  connection: PlatformConnection,
  toolName: string,
  credential: string,
  args: Readonly<Record<string, unknown>> = {},
): Promise<PlatformAnswer> {
  const tool = findTool(api, toolName);
  const request = buildUpstreamRequest({
    tool,
    args,
    baseUrl: connection.baseUrl,
    credential: resolveCredentialPlacement(api, credential),
    userAgent: `spec2mcp/${RUNTIME_VERSION}`,
  });
  const outcome = await sendUpstreamRequest({
    dispatcher: connection.dispatcher,
    request,
    timeoutMs: Math.min(api.upstream.timeoutMs, SIGN_IN_TIMEOUT_MS),
    retries: api.upstream.retries,
    retrySafe: tool.http.method === 'get',
    maxBytes: tool.response.maxBytes,
  });
  switch (outcome.kind) {
    case 'timeout':
      return { kind: 'unavailable', reason: 'timeout' };
    case 'unreachable':
      return { kind: 'unavailable', reason: outcome.code };
    case 'aborted':
      return { kind: 'unavailable', reason: 'aborted' };
    case 'response':
      break;
  }
  if (outcome.status === 401 || outcome.status === 403) return { kind: 'rejected', status: outcome.status };
  if (outcome.status < 200 || outcome.status > 299) {
    return { kind: 'unavailable', reason: `HTTP ${outcome.status}` };
  }
  try {
    return { kind: 'ok', body: JSON.parse(outcome.body.toString('utf8')) as unknown };
  } catch {
    return { kind: 'unavailable', reason: 'the answer is not JSON' };
  }
}

function findTool(api: ApiDefinition, name: string): ToolDefinition {
  const tool = api.tools.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`API ${api.id} has no tool "${name}".`);
  return tool;
}

export interface PlatformUser {
  /** The platform's user id: the principal of every grant this user gives. */
  readonly id: string;
  /** What the consent page calls the user. */
  readonly displayName: string;
}

/** The user in a `whoami` answer: its `id` (or `sub`, `user_id`, ...) and a name or e-mail. */
export function readPlatformUser(body: unknown): PlatformUser | undefined {
  if (!isObject(body)) return undefined;
  const record = isObject(body['user']) ? body['user'] : body;
  const id = firstText(record, ['id', 'sub', 'user_id', 'userId', 'login', 'username', 'email']);
  if (id === undefined) return undefined;
  const name = firstText(record, ['name', 'display_name', 'displayName', 'full_name', 'login', 'username']);
  const email = firstText(record, ['email', 'mail']);
  const displayName =
    name !== undefined && email !== undefined && name !== email
      ? `${name} (${email})`
      : (name ?? email ?? id);
  return { id, displayName };
}

export interface PlatformTenant {
  readonly id: string;
  readonly name: string;
}

/**
 * The tenants in a list answer: an array at the top or under `items`/`data`/`results`/..., each with
 * an `id` (or the tenant argument's name, `slug`, `key`) and a `name`.
 */
export function readPlatformTenants(
  body: unknown,
  tenantArgument?: string,
): {
  readonly tenants: readonly PlatformTenant[];
  readonly nextCursor?: string;
} {
  const list = Array.isArray(body)
    ? body
    : isObject(body)
      ? ['items', 'data', 'results', 'workspaces', 'tenants', 'organizations', 'projects']
          .map((key) => body[key])
          .find(Array.isArray)
      : undefined;
  const idKeys = ['id', ...(tenantArgument === undefined ? [] : [tenantArgument]), 'slug', 'key'];
  const tenants: PlatformTenant[] = [];
  for (const item of list ?? []) {
    if (!isObject(item)) continue;
    const id = firstText(item, idKeys);
    if (id === undefined) continue;
    tenants.push({
      id,
      name: firstText(item, ['name', 'title', 'display_name', 'displayName', 'slug']) ?? id,
    });
  }
  const nextCursor = isObject(body) ? firstText(body, ['nextCursor', 'next_cursor', 'cursor']) : undefined;
  return { tenants, ...(nextCursor !== undefined && { nextCursor }) };
}

/** Most pages of tenants read for one consent page; a user with more sees the first ones. */
const MAX_TENANT_PAGES = 10;

/** Every tenant the user can grant, following `nextCursor` when the list tool takes a `cursor`. */
export async function listPlatformTenants(
  api: ApiDefinition,
  connection: PlatformConnection,
  toolName: string,
  credential: string,
): Promise<
  | { readonly kind: 'ok'; readonly tenants: readonly PlatformTenant[] }
  | Exclude<PlatformAnswer, { kind: 'ok' }>
> {
  const tool = findTool(api, toolName);
  const takesCursor = tool.http.params.some((param) => param.argument === 'cursor');
  const tenants: PlatformTenant[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TENANT_PAGES; page++) {
    const answer = await callPlatformTool(
      api,
      connection,
      toolName,
      credential,
      cursor === undefined ? {} : { cursor },
    );
    if (answer.kind !== 'ok') return answer;
    const read = readPlatformTenants(answer.body, api.access?.tenantArgument);
    for (const tenant of read.tenants)
      if (!tenants.some((known) => known.id === tenant.id)) tenants.push(tenant);
    if (!takesCursor || read.nextCursor === undefined || read.nextCursor === cursor) break;
    cursor = read.nextCursor;
  }
  return { kind: 'ok', tenants };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstText(record: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}
