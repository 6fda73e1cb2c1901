/**
 * Reads the runtime's deployment settings from environment variables and argv. Secrets and
 * deployment settings live here, never in overlays or generated code.
 */
import { AUTH_MODES, type AuthMode, type AuthSettings, checkJwtAlgorithms } from './auth/auth-modes.js';
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
  /** SPEC2MCP_AUTH: embedded (default), external, or none (also the default behind a trusted proxy header). */
  readonly auth: AuthSettings;
  /** SPEC2MCP_PUBLIC_URL, default http://HOST:PORT; absent with PORT=0 (taken from each request then). */
  readonly publicUrl?: string;
  /** SPEC2MCP_LIST_TOOLS=all: tools/list shows every tool whatever the token's scopes. */
  readonly listAllTools?: boolean;
  /** SPEC2MCP_SESSION_IDLE_SECONDS: a 2025 session without requests or open streams closes after this. */
  readonly sessionIdleSeconds?: number;
  /** SPEC2MCP_MAX_SESSIONS: most open 2025 sessions (and, separately, SSE streams) per instance. */
  readonly maxSessions?: number;
  /** SPEC2MCP_WATCH=1 (serve --watch): reload the API folder when it is regenerated. */
  readonly watch?: boolean;
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
  SPEC2MCP_SESSION_IDLE_SECONDS a 2025-era MCP session without requests or open streams is closed
                                after this (default 1800); sessions live in one instance's memory
  SPEC2MCP_MAX_SESSIONS         most open 2025-era sessions per instance (default 10000); beyond it
                                the least recently used idle one is closed, else 503
  SPEC2MCP_WATCH                1: reload the API folder when it is regenerated (serve --watch)

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

Authentication (the MCP endpoint is an OAuth 2.1 resource server):
  SPEC2MCP_AUTH                 embedded (default): the built-in authorization server and API
                                tokens; external: tokens of another authorization server;
                                none: no authentication (serve needs --no-auth, binds 127.0.0.1)
  SPEC2MCP_PUBLIC_URL           the server's externally visible base URL, e.g. https://mcp.example.com
                                (default http://HOST:PORT); the MCP resource URL and token audience
                                are this plus /mcp
  SPEC2MCP_LIST_TOOLS           granted (default): tools/list shows the tools the token's scopes
                                allow; all: every tool (calls are still checked)
  SPEC2MCP_AUTH_ISSUER          external: the authorization server's issuer (iss)
  SPEC2MCP_AUTH_JWKS_URI        external: its JWKS URL, for JWT access tokens
  SPEC2MCP_AUTH_AUDIENCE        external: comma-separated accepted aud values (default: the resource URL)
  SPEC2MCP_AUTH_ALGORITHMS      external: comma-separated JWS algorithms (default RS256,ES256)
  SPEC2MCP_AUTH_INTROSPECTION_URL  external: RFC 7662 endpoint, for opaque access tokens
  SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID      this server's client id at the authorization server
  SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET  and its secret
  SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS  how long an answer is reused, never past the token's
                                expiry (default 60; 0: ask every time)
  SPEC2MCP_TRUSTED_PRINCIPAL_HEADER  header set by an authenticating proxy with the user
                                (e.g. X-Forwarded-User); requests without it get 401. Replaces
                                token authentication (SPEC2MCP_AUTH then defaults to none)`;

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
  const sessionIdleSeconds = readPositiveInteger(env, 'SPEC2MCP_SESSION_IDLE_SECONDS');
  const maxSessions = readPositiveInteger(env, 'SPEC2MCP_MAX_SESSIONS');
  const auth = readAuthSettings(env, trustedPrincipalHeader !== undefined && trustedPrincipalHeader !== '');
  const publicUrl = readPublicUrl(env['SPEC2MCP_PUBLIC_URL'], host, port);
  const listTools = env['SPEC2MCP_LIST_TOOLS']?.trim().toLowerCase() || 'granted';
  if (listTools !== 'granted' && listTools !== 'all') {
    throw new RuntimeConfigError(
      `SPEC2MCP_LIST_TOOLS must be granted or all, got "${env['SPEC2MCP_LIST_TOOLS']}".`,
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
    auth,
    ...(publicUrl !== undefined && { publicUrl }),
    ...(listTools === 'all' && { listAllTools: true }),
    ...(sessionIdleSeconds !== undefined && { sessionIdleSeconds }),
    ...(maxSessions !== undefined && { maxSessions }),
    ...(env['SPEC2MCP_WATCH'] === '1' && { watch: true }),
  };
}

function readPositiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new RuntimeConfigError(`${name} must be a positive integer, got "${raw}".`);
  }
  return value;
}

const EXTERNAL_AUTH_VARIABLES = [
  'SPEC2MCP_AUTH_ISSUER',
  'SPEC2MCP_AUTH_JWKS_URI',
  'SPEC2MCP_AUTH_AUDIENCE',
  'SPEC2MCP_AUTH_ALGORITHMS',
  'SPEC2MCP_AUTH_INTROSPECTION_URL',
  'SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID',
  'SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET',
  'SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS',
] as const;

function readAuthSettings(env: NodeJS.ProcessEnv, trustedProxy: boolean): AuthSettings {
  const given = env['SPEC2MCP_AUTH']?.trim().toLowerCase() || undefined;
  // Behind an authenticating proxy, the proxy is the authentication unless told otherwise.
  const mode = given ?? (trustedProxy ? 'none' : 'embedded');
  if (!isAuthMode(mode)) {
    throw new RuntimeConfigError(
      `SPEC2MCP_AUTH must be one of ${AUTH_MODES.join(', ')}, got "${env['SPEC2MCP_AUTH']}".`,
    );
  }
  if (trustedProxy && mode !== 'none') {
    throw new RuntimeConfigError(
      `SPEC2MCP_TRUSTED_PRINCIPAL_HEADER (a proxy authenticates) and SPEC2MCP_AUTH=${mode} (bearer tokens) exclude each other; unset one.`,
    );
  }
  const strayVariable = EXTERNAL_AUTH_VARIABLES.find((name) => (env[name]?.trim() ?? '') !== '');
  if (mode !== 'external') {
    if (strayVariable !== undefined) {
      throw new RuntimeConfigError(
        `${strayVariable} configures an external authorization server; set SPEC2MCP_AUTH=external to use it.`,
      );
    }
    return { mode };
  }
  const issuer = readUrl(env, 'SPEC2MCP_AUTH_ISSUER');
  if (issuer === undefined) {
    throw new RuntimeConfigError('SPEC2MCP_AUTH=external needs SPEC2MCP_AUTH_ISSUER (the issuer, iss).');
  }
  const jwksUri = readUrl(env, 'SPEC2MCP_AUTH_JWKS_URI');
  const introspectionUrl = readUrl(env, 'SPEC2MCP_AUTH_INTROSPECTION_URL');
  if (jwksUri === undefined && introspectionUrl === undefined) {
    throw new RuntimeConfigError(
      'SPEC2MCP_AUTH=external needs SPEC2MCP_AUTH_JWKS_URI (JWT access tokens), SPEC2MCP_AUTH_INTROSPECTION_URL (opaque tokens), or both.',
    );
  }
  const audience = parseList(env['SPEC2MCP_AUTH_AUDIENCE']);
  const algorithms = parseList(env['SPEC2MCP_AUTH_ALGORITHMS']);
  if (algorithms !== undefined) {
    try {
      checkJwtAlgorithms(algorithms);
    } catch (error) {
      throw new RuntimeConfigError(`SPEC2MCP_AUTH_ALGORITHMS: ${(error as Error).message}`);
    }
  }
  let introspection: Extract<AuthSettings, { mode: 'external' }>['introspection'];
  if (introspectionUrl !== undefined) {
    const clientId = env['SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID']?.trim() ?? '';
    const clientSecret = env['SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET'] ?? '';
    if (clientId === '' || clientSecret === '') {
      throw new RuntimeConfigError(
        'SPEC2MCP_AUTH_INTROSPECTION_URL needs SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID and SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET.',
      );
    }
    const rawCache = env['SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS']?.trim();
    const cacheSeconds = rawCache ? Number(rawCache) : undefined;
    if (cacheSeconds !== undefined && !(Number.isFinite(cacheSeconds) && cacheSeconds >= 0)) {
      throw new RuntimeConfigError(
        `SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS must be a number of seconds of at least 0, got "${rawCache}".`,
      );
    }
    introspection = {
      url: introspectionUrl,
      clientId,
      clientSecret,
      ...(cacheSeconds !== undefined && { cacheSeconds }),
    };
  }
  return {
    mode,
    issuer,
    ...(jwksUri !== undefined && { jwksUri }),
    ...(audience !== undefined && { audience }),
    ...(algorithms !== undefined && { algorithms }),
    ...(introspection !== undefined && { introspection }),
  };
}

function isAuthMode(value: string): value is AuthMode {
  return (AUTH_MODES as readonly string[]).includes(value);
}

/** An http(s) URL from a variable, or undefined when it is unset. */
function readUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RuntimeConfigError(`${name} must be an absolute URL, got "${value}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RuntimeConfigError(`${name} must be an http or https URL, got "${value}".`);
  }
  return value;
}

/**
 * SPEC2MCP_PUBLIC_URL without a trailing slash; default http://HOST:PORT, a wildcard HOST as
 * 127.0.0.1 (as the embedded authorization server resolves it: tokens name this exact URL).
 */
function readPublicUrl(value: string | undefined, host: string, port: number): string | undefined {
  const given = readUrl({ SPEC2MCP_PUBLIC_URL: value }, 'SPEC2MCP_PUBLIC_URL');
  if (given !== undefined) {
    const url = new URL(given);
    if (url.search !== '' || url.hash !== '') {
      throw new RuntimeConfigError(`SPEC2MCP_PUBLIC_URL must have no query or fragment, got "${given}".`);
    }
    return given.replace(/\/+$/, '');
  }
  // An ephemeral port is only known after listening: the URL then comes from each request's Host.
  if (port === 0) return undefined;
  const name = WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
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
