/**
 * The platform's base URL for an API: the override (SPEC2MCP_UPSTREAM_URL, --upstream), then
 * `x-mcp.upstream.baseUrl`, then the first server; refused with the fix when it is missing, still
 * holds a server variable, or is not absolute http(s). Free of Fastify, for the stdio bundle too.
 */
import type { ApiDefinition } from '../define-tool.js';

export function resolveUpstreamBaseUrl(
  api: ApiDefinition,
  override: string | undefined,
  fix = "pass --upstream or set SPEC2MCP_UPSTREAM_URL to the platform's base URL",
): string {
  const candidate = override || api.upstream.baseUrl || api.servers[0];
  if (candidate === undefined || candidate === '') {
    throw new Error(`API ${api.id} declares no upstream URL; ${fix}.`);
  }
  const variable = /\{[^}]*\}/.exec(candidate)?.[0];
  if (variable !== undefined) {
    throw new Error(
      `Upstream URL "${candidate}" has a server variable ${variable} without a default; ${fix}.`,
    );
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new Error(`Upstream URL "${candidate}" is not absolute; ${fix}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Upstream URL "${candidate}" must be http or https; ${fix}.`);
  }
  return candidate;
}
