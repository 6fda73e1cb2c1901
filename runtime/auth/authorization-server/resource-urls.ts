/**
 * The public base URL of the server and the MCP resource URLs tokens are bound to (RFC 8707):
 * `<public>/mcp`, and `<public>/<tenant>/mcp` when the API is multi-tenant by path
 * (`access.tenantPathParam`).
 */

export const PUBLIC_URL_ENV = 'SPEC2MCP_PUBLIC_URL';

/**
 * SPEC2MCP_PUBLIC_URL, else `http://<host>:<port>` (a wildcard host becomes 127.0.0.1, which is what a
 * local client can reach). No trailing slash, no query or fragment.
 */
export function resolvePublicUrl(
  env: Readonly<Record<string, string | undefined>>,
  listen: { readonly host: string; readonly port: number },
): string {
  const configured = env[PUBLIC_URL_ENV]?.trim();
  if (configured) return normalizePublicUrl(configured, PUBLIC_URL_ENV);
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return normalizePublicUrl(`http://${hostPart}:${listen.port}`, 'the listen address');
}

export function normalizePublicUrl(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${from} must be an absolute http(s) URL; got "${value}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${from} must be an http or https URL; got "${value}".`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`${from} must not have a query, fragment or credentials; got "${value}".`);
  }
  return url.href.replace(/\/+$/, '');
}

export interface McpResources {
  /** `<public><mcpPath>`. */
  readonly base: string;
  /**
   * The resource this URL names and the tenant it is bound to, or undefined when it is not one of
   * this server's MCP resources.
   */
  match(resource: string): { readonly resource: string; readonly tenant?: string } | undefined;
}

export function createMcpResources(
  publicUrl: string,
  options: { readonly mcpPath?: string; readonly tenantPathParam?: string } = {},
): McpResources {
  const mcpPath = options.mcpPath ?? '/mcp';
  const base = `${publicUrl}${mcpPath}`;
  const tenantPrefix = `${publicUrl}/`;
  return {
    base,
    match(resource) {
      if (resource === base) return { resource };
      if (options.tenantPathParam === undefined) return undefined;
      if (!resource.startsWith(tenantPrefix) || !resource.endsWith(mcpPath)) return undefined;
      const segment = resource.slice(tenantPrefix.length, resource.length - mcpPath.length);
      // One plain path segment: no nesting, no dot segments, nothing a URL parser would rewrite.
      if (!/^[A-Za-z0-9._~-]{1,128}$/.test(segment) || segment === '.' || segment === '..') return undefined;
      return { resource, tenant: segment };
    },
  };
}
