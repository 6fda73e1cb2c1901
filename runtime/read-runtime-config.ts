/**
 * Reads the runtime's deployment settings from environment variables and argv. Secrets and
 * deployment settings live here, never in overlays or generated code.
 */
import { LOCALHOST_NAMES } from './build-server.js';
import { TOOL_MODES, type ToolMode } from './mcp/tool-registry.js';

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
  SPEC2MCP_ALLOWED_HOSTS        comma-separated Host names accepted on /mcp ("*" disables the check)
  SPEC2MCP_ALLOWED_ORIGINS      comma-separated Origin hostnames accepted on /mcp
  SPEC2MCP_TOOLSETS             comma-separated toolsets to serve (default: all tools)
  SPEC2MCP_TOOL_MODE            all (default): list every tool; dynamic: list only search_tools,
                                describe_tool and call_tool (for APIs with hundreds of tools)
  LOG_LEVEL                     pino level (default info)`;

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
