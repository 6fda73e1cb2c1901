/**
 * Tenancy by path (`access.tenantPathParam`): the MCP endpoint is `/{tenant}/mcp`, and the tenant
 * fills the tools' `fromTenant` parameters. One pattern for tenant names keeps them safe to put in
 * URLs, metadata documents and upstream paths without further escaping.
 */
export const TENANT_ROUTE_PARAM = 'tenant';

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

/** The Fastify route of a tenant's MCP endpoint, e.g. `/:tenant/mcp`. */
export function tenantRoute(mcpPath: string): string {
  return `/:${TENANT_ROUTE_PARAM}${mcpPath}`;
}

/** The tenant of a routed request, or undefined when the path segment is not a tenant name. */
export function readTenant(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const value = (params as Record<string, unknown>)[TENANT_ROUTE_PARAM];
  return typeof value === 'string' && TENANT_PATTERN.test(value) ? value : undefined;
}
