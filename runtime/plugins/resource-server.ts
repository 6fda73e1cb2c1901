/**
 * The MCP endpoint as an OAuth 2.1 resource server: RFC 9728 protected-resource metadata, bearer
 * tokens checked by the configured verifiers (RFC 6750 challenges pointing at the metadata), the
 * tenant of the path checked against the grant, and per-tool scopes refused with a 403 step-up
 * challenge before the MCP layer runs. The grant reaches the tool calls as the SDK's AuthInfo.
 */
import { hostHeaderValidation } from '@modelcontextprotocol/fastify';
import type { AuthInfo, OAuthProtectedResourceMetadata } from '@modelcontextprotocol/server';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { AUTH_EXTRA, AuthError, type Grant, type TokenVerifier } from '../auth/auth-types.js';
import { formatBearerChallenge } from '../auth/bearer-challenge.js';
import { calledToolOf, missingScopes } from '../auth/check-tool-scopes.js';
import { readPresentedToken, readQueryTokens } from '../auth/read-bearer-token.js';
import type { ApiDefinition } from '../define-tool.js';
import { grantOf } from '../mcp/call-identity.js';
import { readTenant, TENANT_ROUTE_PARAM } from '../mcp/tenant-path.js';
import type { ToolRegistry } from '../mcp/tool-registry.js';

export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ResourceServerOptions {
  readonly api: ApiDefinition;
  readonly tools: ToolRegistry;
  /** All configured verifiers, chained (runtime/auth/verify-token-chain.ts). */
  readonly verifier: TokenVerifier;
  /** Local path of the MCP endpoint (`/mcp`); with tenancy the endpoint is `/{tenant}` + this. */
  readonly mcpPath: string;
  /**
   * The externally visible base URL (env SPEC2MCP_PUBLIC_URL), from which the resource URL
   * (token audience) is built. Absent: from each request's scheme and (checked) Host header.
   */
  readonly publicUrl?: string;
  /** Issuers listed in the metadata. Default: the public base URL (the embedded server). */
  readonly authorizationServers?: readonly string[];
  /** Host names accepted on the metadata routes, as on the MCP route. */
  readonly allowedHosts: readonly string[];
}

/** The hooks the MCP route runs; see mcp-endpoint. */
export interface ResourceServerHooks {
  /** onRequest: reads and verifies the token, checks the tenant, sets `request.mcpAuth`; refuses otherwise. */
  readonly authenticate: onRequestAsyncHookHandler;
  /** preHandler: a `tools/call` of a tool whose scopes the grant lacks gets 403 insufficient_scope. */
  readonly authorizeCall: preHandlerAsyncHookHandler;
}

declare module 'fastify' {
  interface FastifyInstance {
    resourceServer: ResourceServerHooks;
  }
  interface FastifyRequest {
    /** The verified caller of an MCP request, as the MCP SDK gets it. */
    mcpAuth?: AuthInfo;
  }
}

interface Location {
  /** The resource URL of the endpoint the request reached: the token's expected audience. */
  readonly resource: string;
  readonly metadata: string;
  /** The public base URL (origin and any path prefix). */
  readonly base: string;
}

// Same allowance as the verifiers: a grant a custom verifier let through moments ago is not refused.
const EXPIRY_TOLERANCE_MS = 30_000;
const RETRY_AFTER_SECONDS = 5;

const resourceServer: FastifyPluginAsync<ResourceServerOptions> = async (app, options) => {
  const { api, tools, verifier, mcpPath } = options;
  const tenancy = api.access?.tenantPathParam !== undefined;
  const allowQueryToken = api.access?.allowQueryToken === true;
  const fixed = options.publicUrl === undefined ? undefined : splitBaseUrl(options.publicUrl);
  const prefix = fixed?.prefix ?? '';
  const scopesSupported = listScopes(api);

  const locate = (request: FastifyRequest, tenant: string | undefined): Location => {
    const origin = fixed?.origin ?? `${request.protocol}://${request.host}`;
    const path = `${prefix}${tenant === undefined ? '' : `/${tenant}`}${mcpPath}`;
    return {
      resource: `${origin}${path}`,
      metadata: `${origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}`,
      base: `${origin}${prefix}`,
    };
  };

  /** The tenant of a tenancy route; a reply was sent when it is not a tenant name. */
  const tenantOf = (request: FastifyRequest, reply: FastifyReply): string | undefined | false => {
    if (!tenancy) return undefined;
    const tenant = readTenant(request.params);
    if (tenant !== undefined) return tenant;
    reply.code(404).send({ error: 'not_found', message: 'The path does not name a tenant.' });
    return false;
  };

  const authenticate: onRequestAsyncHookHandler = async (request, reply) => {
    const tenant = tenantOf(request, reply);
    if (tenant === false) return reply;
    const where = locate(request, tenant);
    try {
      const presented = readPresentedToken(
        request.headers.authorization,
        readQueryTokens(request.raw),
        allowQueryToken,
      );
      if (presented === undefined) {
        return reply
          .code(401)
          .header('www-authenticate', formatBearerChallenge({ resourceMetadata: where.metadata }))
          .header('cache-control', 'no-store')
          .send({
            error: 'unauthorized',
            error_description:
              'This MCP server needs an access token (Authorization: Bearer). The resource_metadata URL in WWW-Authenticate names the authorization server.',
          });
      }
      const grant = await verifier.verify(presented.token, { resource: where.resource });
      if (grant === undefined) {
        throw new AuthError(401, 'invalid_token', 'The access token is not one this server accepts.');
      }
      checkGrant(grant, tenant);
      request.mcpAuth = toAuthInfo(presented.token, grant, where);
    } catch (error) {
      if (error instanceof AuthError) return refuse(reply, error, where.metadata);
      // Never log the token: only what failed (an unreachable JWKS or introspection endpoint).
      request.log.error({ err: error, verifier: verifier.name }, 'access token could not be verified');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .header('cache-control', 'no-store')
        .send({
          error: 'temporarily_unavailable',
          error_description: 'The access token could not be verified right now; retry in a few seconds.',
        });
    }
  };

  const authorizeCall: preHandlerAsyncHookHandler = async (request, reply) => {
    const auth = request.mcpAuth;
    const grant = grantOf(auth);
    if (auth === undefined || grant === undefined) return;
    const body = request.body;
    // Current MCP revisions have no batches; refusing them keeps one scope check per request.
    if (Array.isArray(body)) {
      return reply.code(400).send({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'JSON-RPC batches are not supported; send one message per request.' },
      });
    }
    const entry = calledToolOf(body, tools);
    if (entry === undefined) return;
    const missing = missingScopes(entry.tool.scopes, grant.scopes);
    if (missing.length === 0) return;
    const needed = entry.tool.scopes.join(' ');
    return refuse(
      reply,
      new AuthError(
        403,
        'insufficient_scope',
        `The tool ${entry.tool.name} needs the scope(s) ${needed}; this token lacks ${missing.join(' ')}. Authorize again with them.`,
        needed,
      ),
      auth.resourceMetadataUrl ?? locate(request, readTenant(request.params)).metadata,
    );
  };

  app.decorateRequest('mcpAuth', undefined);
  app.decorate('resourceServer', { authenticate, authorizeCall });

  const onRequest = options.allowedHosts.includes('*')
    ? []
    : [hostHeaderValidation([...options.allowedHosts])];
  const metadataRoutes = tenancy
    ? [`/:${TENANT_ROUTE_PARAM}${mcpPath}`]
    : ['', mcpPath, ...(prefix === '' ? [] : [`${prefix}${mcpPath}`])];
  if (tenancy && prefix !== '') metadataRoutes.push(`${prefix}/:${TENANT_ROUTE_PARAM}${mcpPath}`);
  for (const route of metadataRoutes) {
    app.get(`${PROTECTED_RESOURCE_WELL_KNOWN}${route}`, { onRequest }, async (request, reply) => {
      const tenant = tenantOf(request, reply);
      if (tenant === false) return reply;
      const where = locate(request, tenant);
      const document: OAuthProtectedResourceMetadata = {
        resource: where.resource,
        authorization_servers: [...(options.authorizationServers ?? [where.base])],
        scopes_supported: scopesSupported,
        bearer_methods_supported: ['header'],
        resource_name: api.server.title,
      };
      return reply.header('cache-control', 'public, max-age=300').send(document);
    });
  }
};

/** Refusals a valid token can still earn: expired per its grant, or bound to another tenant. */
function checkGrant(grant: Grant, tenant: string | undefined): void {
  if (grant.expiresAt !== undefined && grant.expiresAt * 1000 + EXPIRY_TOLERANCE_MS <= Date.now()) {
    throw new AuthError(401, 'invalid_token', 'The access token expired.');
  }
  if (tenant !== undefined && grant.tenant !== undefined && grant.tenant !== tenant) {
    throw new AuthError(
      403,
      'insufficient_scope',
      `This token was granted for another tenant, not ${tenant}; authorize again at this endpoint.`,
    );
  }
}

function toAuthInfo(token: string, grant: Grant, where: Location): AuthInfo {
  return {
    token,
    clientId: grant.clientId,
    scopes: [...grant.scopes],
    ...(grant.expiresAt !== undefined && { expiresAt: grant.expiresAt }),
    resource: new URL(where.resource),
    resourceMetadataUrl: where.metadata,
    extra: { [AUTH_EXTRA.principal]: grant.principal, [AUTH_EXTRA.grant]: grant },
  };
}

function refuse(reply: FastifyReply, error: AuthError, resourceMetadata: string): FastifyReply {
  return reply
    .code(error.status)
    .header(
      'www-authenticate',
      formatBearerChallenge({
        error: error.error,
        description: error.description,
        ...(error.scope !== undefined && { scope: error.scope }),
        resourceMetadata,
      }),
    )
    .header('cache-control', 'no-store')
    .send({
      error: error.error,
      error_description: error.description,
      ...(error.scope !== undefined && { scope: error.scope }),
    });
}

/** Origin and path prefix of the public base URL (`https://h/p/` -> `https://h`, `/p`). */
export function splitBaseUrl(publicUrl: string): { origin: string; prefix: string } {
  const url = new URL(publicUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

function listScopes(api: ApiDefinition): string[] {
  const defined = api.scopes.definitions.map((definition) => definition.name);
  return defined.length > 0 ? defined : [...new Set([...api.scopes.read, ...api.scopes.write])];
}

export default fp(resourceServer, { name: 'resource-server', fastify: '5.x' });
