/**
 * The settings of the stdio server (`spec2mcp stdio`, the `.mcpb` bundle) from environment variables:
 * the subset of the HTTP runtime's variables that mean something for one local user on one pipe.
 * No Host/Origin checks, no OAuth, no port: the desktop client that spawned the process is the caller.
 * Kept apart from read-runtime-config.ts, which pulls in the Fastify server, so the bundle stays small.
 */
import { TOOL_MODES, type ToolMode } from '../mcp/tool-registry.js';

export interface StdioConfig {
  readonly upstreamUrl?: string;
  readonly upstreamCredential?: string;
  readonly toolsets?: readonly string[];
  readonly toolMode: ToolMode;
  /** Serve only the tools the API marks read-only (SPEC2MCP_READ_ONLY=on). */
  readonly readOnly: boolean;
  readonly enforceRateLimits: boolean;
  readonly idempotencyWaitMs?: number;
  readonly upstreamMaxConnections?: number;
  /** Who the calls act for in audit entries, idempotency keys and rate limits (SPEC2MCP_PRINCIPAL). */
  readonly principal: string;
  /** The tenant for APIs with tenancy by path (SPEC2MCP_TENANT): fills the `fromTenant` parameters. */
  readonly tenant?: string;
  /** SPEC2MCP_STORE: `memory` by default here, not `sqlite` as for serve. */
  readonly storeKind: string;
  readonly logLevel: string;
}

export class StdioConfigError extends Error {
  override readonly name = 'StdioConfigError';
}

/** The principal of every call on stdio: the user who started the desktop client. */
export const LOCAL_PRINCIPAL = 'local';

export const STDIO_ENV_HELP = `Environment (spec2mcp stdio and the .mcpb bundle):
  SPEC2MCP_UPSTREAM_CREDENTIAL  your credential for the platform, placed per the API's upstream.auth scheme
  SPEC2MCP_UPSTREAM_URL         platform base URL (default: the API's upstream.baseUrl / servers[0])
  SPEC2MCP_TOOLSETS             comma-separated toolsets to serve (default: all tools)
  SPEC2MCP_TOOL_MODE            all (default) or dynamic (search_tools, describe_tool, call_tool)
  SPEC2MCP_READ_ONLY            on: serve only the read-only tools (default off)
  SPEC2MCP_TENANT               the tenant, for APIs with one MCP endpoint per tenant
  SPEC2MCP_PRINCIPAL            who the calls act for in audit and idempotency records (default local)
  SPEC2MCP_STORE                memory (default) or sqlite (in SPEC2MCP_DATA_DIR, default .data);
                                idempotency keys, rate-limit counters, audit
  SPEC2MCP_RATE_LIMITS          on (default) or off
  SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS  how long a retry waits for a still-running first call (default 10)
  SPEC2MCP_UPSTREAM_MAX_CONNECTIONS  most concurrent requests to the platform (default 64)
  LOG_LEVEL                     pino level for the JSON log lines on stderr (default info)`;

/**
 * Reads the stdio settings. A value a desktop client left as an unfilled `${user_config.x}`
 * placeholder (an optional field the user skipped) counts as unset.
 */
export function readStdioConfig(env: Readonly<Record<string, string | undefined>>): StdioConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    if (value === undefined || value === '' || /^\$\{user_config\.[^}]*\}$/.test(value)) return undefined;
    return value;
  };
  const toolMode = read('SPEC2MCP_TOOL_MODE')?.toLowerCase() ?? 'all';
  if (!(TOOL_MODES as readonly string[]).includes(toolMode)) {
    throw new StdioConfigError(
      `SPEC2MCP_TOOL_MODE must be one of ${TOOL_MODES.join(', ')}, got "${env['SPEC2MCP_TOOL_MODE']}".`,
    );
  }
  const waitSeconds = read('SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS');
  const idempotencyWaitMs = waitSeconds === undefined ? undefined : Number(waitSeconds) * 1000;
  if (idempotencyWaitMs !== undefined && !(Number.isFinite(idempotencyWaitMs) && idempotencyWaitMs >= 0)) {
    throw new StdioConfigError(
      `SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS must be a number of seconds of at least 0, got "${waitSeconds}".`,
    );
  }
  const maxConnections = read('SPEC2MCP_UPSTREAM_MAX_CONNECTIONS');
  const upstreamMaxConnections = maxConnections === undefined ? undefined : Number(maxConnections);
  if (
    upstreamMaxConnections !== undefined &&
    (!Number.isInteger(upstreamMaxConnections) || upstreamMaxConnections < 1)
  ) {
    throw new StdioConfigError(
      `SPEC2MCP_UPSTREAM_MAX_CONNECTIONS must be a positive integer, got "${maxConnections}".`,
    );
  }
  const upstreamUrl = read('SPEC2MCP_UPSTREAM_URL');
  const upstreamCredential = read('SPEC2MCP_UPSTREAM_CREDENTIAL');
  const toolsets = parseList(read('SPEC2MCP_TOOLSETS'));
  const tenant = read('SPEC2MCP_TENANT');
  return {
    ...(upstreamUrl !== undefined && { upstreamUrl }),
    ...(upstreamCredential !== undefined && { upstreamCredential }),
    ...(toolsets !== undefined && { toolsets }),
    toolMode: toolMode as ToolMode,
    readOnly: readSwitch(read, 'SPEC2MCP_READ_ONLY', false),
    enforceRateLimits: readSwitch(read, 'SPEC2MCP_RATE_LIMITS', true),
    ...(idempotencyWaitMs !== undefined && { idempotencyWaitMs }),
    ...(upstreamMaxConnections !== undefined && { upstreamMaxConnections }),
    principal: read('SPEC2MCP_PRINCIPAL') ?? LOCAL_PRINCIPAL,
    ...(tenant !== undefined && { tenant }),
    storeKind: read('SPEC2MCP_STORE')?.toLowerCase() ?? 'memory',
    logLevel: read('LOG_LEVEL') ?? 'info',
  };
}

const SWITCH_VALUES: Readonly<Record<string, boolean>> = {
  on: true,
  true: true,
  '1': true,
  yes: true,
  off: false,
  false: false,
  '0': false,
  no: false,
};

/** on/off (also true/false, 1/0, yes/no: a desktop client's boolean field arrives as "true"/"false"). */
function readSwitch(read: (name: string) => string | undefined, name: string, fallback: boolean): boolean {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = SWITCH_VALUES[raw.toLowerCase()];
  if (value === undefined) throw new StdioConfigError(`${name} must be on or off, got "${raw}".`);
  return value;
}

function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}
