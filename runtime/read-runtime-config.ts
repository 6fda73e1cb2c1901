/**
 * Reads the runtime's deployment settings from environment variables and argv. Secrets and
 * deployment settings live here, never in overlays or generated code.
 */
import { LOCALHOST_NAMES } from './build-server.js';
import { TOOL_MODES, type ToolMode } from './mcp/tool-registry.js';
import { readStoreConfig, type StoreConfig } from './stores/create-store.js';

export interface RuntimeConfig {
  readonly apiDir: string;
  readonly host: string;
  readonly port: number;
  readonly upstreamUrl?: string;
  readonly upstreamCredential?: string;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins?: readonly string[];
  readonly toolsets?: readonly string[];
  readonly toolMode: ToolMode;
  readonly logLevel: string;
  /** Idempotency records, rate-limit counters and audit (SQLite in `.data/` by default). */
  readonly store: StoreConfig;
  readonly trustedPrincipalHeader?: string;
  readonly idempotencyWaitMs?: number;
  readonly upstreamMaxConnections?: number;
  /** `false` turns the overlay's rate limits off (SPEC2MCP_RATE_LIMITS=off). */
  readonly enforceRateLimits: boolean;
}

export class RuntimeConfigError extends Error {
  override readonly name = 'RuntimeConfigError';
}

export const RUNTIME_ENV_HELP = `Usage: spec2mcp-runtime [generated/<api>]

Environment:
  SPEC2MCP_API_DIR              generated API folder (or pass it as the first argument)
  PORT                          listen port (default 3000)
  HOST                          listen address (default 127.0.0.1)
  SPEC2MCP_UPSTREAM_URL         platform base URL (default: the API's upstream.baseUrl / servers[0])
  SPEC2MCP_UPSTREAM_CREDENTIAL  service credential, placed per the API's upstream.auth scheme
  SPEC2MCP_UPSTREAM_MAX_CONNECTIONS  most concurrent requests (sockets) to the platform (default 64)
  SPEC2MCP_ALLOWED_HOSTS        comma-separated Host names accepted on /mcp ("*" disables the check)
  SPEC2MCP_ALLOWED_ORIGINS      comma-separated Origin hostnames accepted on /mcp
  SPEC2MCP_TOOLSETS             comma-separated toolsets to serve (default: all tools)
  SPEC2MCP_TOOL_MODE            all (default): list every tool; dynamic: list only search_tools,
                                describe_tool and call_tool (for APIs with hundreds of tools)
  LOG_LEVEL                     pino level (default info)
  SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS  how long in-flight calls may finish after SIGTERM (default 30)

Idempotency, rate limits, audit:
  SPEC2MCP_STORE                sqlite (default), postgres or memory
  SPEC2MCP_DATA_DIR             folder of the SQLite file (default .data)
  SPEC2MCP_DATABASE_URL         postgres://user:password@host:5432/db (SPEC2MCP_STORE=postgres);
                                several instances sharing it behave as one server
  SPEC2MCP_DATABASE_SCHEMA      PostgreSQL schema (default public)
  SPEC2MCP_DATABASE_POOL_MAX    PostgreSQL connections per instance (default 10)
  SPEC2MCP_SQLITE_SYNCHRONOUS   normal (default: survives a crash) or full (also a power loss)
  SPEC2MCP_IDEMPOTENCY_RETENTION_SECONDS  how long keys are remembered (default 86400)
  SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS       how long a retry waits for a still-running first call
                                before answering "still running" (default 10)
  SPEC2MCP_AUDIT_RETENTION_DAYS audit entries older than this are deleted (default: kept)
  SPEC2MCP_RATE_LIMITS          on (default): enforce the overlay's rateLimits; off: do not
  SPEC2MCP_TRUSTED_PRINCIPAL_HEADER  header set by an authenticating proxy with the user
                                (e.g. X-Forwarded-User); requests without it get 401`;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

export function readRuntimeConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): RuntimeConfig {
  const apiDir = argv[0] ?? env['SPEC2MCP_API_DIR'];
  if (apiDir === undefined || apiDir === '') {
    throw new RuntimeConfigError('No generated API folder: pass it as an argument or set SPEC2MCP_API_DIR.');
  }
  const host = env['HOST'] || '127.0.0.1';
  const port = Number(env['PORT'] || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RuntimeConfigError(`PORT must be an integer between 0 and 65535, got "${env['PORT']}".`);
  }
  const allowedOrigins = parseList(env['SPEC2MCP_ALLOWED_ORIGINS']);
  const toolsets = parseList(env['SPEC2MCP_TOOLSETS']);
  const toolMode = env['SPEC2MCP_TOOL_MODE']?.trim().toLowerCase() || 'all';
  if (!isToolMode(toolMode)) {
    throw new RuntimeConfigError(
      `SPEC2MCP_TOOL_MODE must be one of ${TOOL_MODES.join(', ')}, got "${env['SPEC2MCP_TOOL_MODE']}".`,
    );
  }
  const waitSeconds = env['SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS'];
  const idempotencyWaitMs = waitSeconds ? Number(waitSeconds) * 1000 : undefined;
  if (idempotencyWaitMs !== undefined && !(Number.isFinite(idempotencyWaitMs) && idempotencyWaitMs >= 0)) {
    throw new RuntimeConfigError(
      `SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS must be a number of seconds of at least 0, got "${waitSeconds}".`,
    );
  }
  const rateLimits = env['SPEC2MCP_RATE_LIMITS']?.trim().toLowerCase() || 'on';
  if (rateLimits !== 'on' && rateLimits !== 'off') {
    throw new RuntimeConfigError(
      `SPEC2MCP_RATE_LIMITS must be on or off, got "${env['SPEC2MCP_RATE_LIMITS']}".`,
    );
  }
  let store: StoreConfig;
  try {
    store = readStoreConfig(env);
  } catch (error) {
    throw new RuntimeConfigError((error as Error).message);
  }
  const trustedPrincipalHeader = env['SPEC2MCP_TRUSTED_PRINCIPAL_HEADER']?.trim();
  const maxConnections = env['SPEC2MCP_UPSTREAM_MAX_CONNECTIONS']?.trim();
  const upstreamMaxConnections = maxConnections ? Number(maxConnections) : undefined;
  if (
    upstreamMaxConnections !== undefined &&
    (!Number.isInteger(upstreamMaxConnections) || upstreamMaxConnections < 1)
  ) {
    throw new RuntimeConfigError(
      `SPEC2MCP_UPSTREAM_MAX_CONNECTIONS must be a positive integer, got "${maxConnections}".`,
    );
  }
  return {
    apiDir,
    host,
    port,
    ...(env['SPEC2MCP_UPSTREAM_URL'] && { upstreamUrl: env['SPEC2MCP_UPSTREAM_URL'] }),
    ...(env['SPEC2MCP_UPSTREAM_CREDENTIAL'] && { upstreamCredential: env['SPEC2MCP_UPSTREAM_CREDENTIAL'] }),
    allowedHosts: parseList(env['SPEC2MCP_ALLOWED_HOSTS']) ?? defaultAllowedHosts(host),
    ...(allowedOrigins !== undefined && { allowedOrigins }),
    ...(toolsets !== undefined && { toolsets }),
    toolMode,
    logLevel: env['LOG_LEVEL'] || 'info',
    store,
    ...(trustedPrincipalHeader && { trustedPrincipalHeader }),
    ...(idempotencyWaitMs !== undefined && { idempotencyWaitMs }),
    enforceRateLimits: rateLimits === 'on',
    ...(upstreamMaxConnections !== undefined && { upstreamMaxConnections }),
  };
}

function isToolMode(value: string): value is ToolMode {
  return (TOOL_MODES as readonly string[]).includes(value);
}

/** Localhost names, plus the bind address itself when it is a specific one. */
function defaultAllowedHosts(host: string): readonly string[] {
  if (WILDCARD_HOSTS.has(host) || LOCALHOST_NAMES.includes(host)) return LOCALHOST_NAMES;
  return [...LOCALHOST_NAMES, host.includes(':') ? `[${host}]` : host];
}

function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}
