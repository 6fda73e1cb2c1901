/**
 * The MCP Streamable HTTP endpoint (`/mcp` by default) serving both protocol revisions, with
 * Host/Origin checks against DNS rebinding. Fastify parses the JSON body; the SDK's web-standard
 * handler gets it as `parsedBody`, and its `Response` (JSON or SSE stream) is sent by Fastify.
 * The 2024-11-05 HTTP+SSE transport (`/sse`, `/messages`) runs behind the same hooks.
 * `reload()` serves a regenerated API without a restart and tells connected clients.
 */
import { hostHeaderValidation, originValidation } from '@modelcontextprotocol/fastify';
import { toWebRequest } from '@modelcontextprotocol/node';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { CredentialVault } from '../auth/auth-types.js';
import type { ApiDefinition } from '../define-tool.js';
import { type IdempotencySettings, LocalClaims } from '../idempotency/run-keyed-call.js';
import { grantOf, identityOf } from '../mcp/call-identity.js';
import { type CreateLegacyHandler, createMcpFetch } from '../mcp/create-mcp-fetch.js';
import { type CreateMcpServerFactoryOptions, createLiveMcpServerFactory } from '../mcp/create-mcp-server.js';
import type { PromptRegistry } from '../mcp/prompt-registry.js';
import { DEFAULT_MAX_SESSIONS } from '../mcp/session-legacy-handler.js';
import { readTenant, tenantRoute } from '../mcp/tenant-path.js';
import type { ToolCallObserver } from '../mcp/tool-call-events.js';
import type { ToolRegistry } from '../mcp/tool-registry.js';
import { compileRateLimits } from '../rate-limit/check-rate-limits.js';
import type { CredentialPlacement } from '../upstream/resolve-credential.js';
import { createUserCredentialResolver } from '../upstream/resolve-user-credential.js';
import { RUNTIME_VERSION } from '../version.js';
import { registerLegacySseRoutes } from './legacy-sse.js';
import type { ResourceServerHooks } from './resource-server.js';

export interface McpEndpoint {
  /** The route: `/mcp`, or `/:tenant/mcp` with tenancy by path. */
  readonly path: string;
  /** The registries served now (replaced by `reload`). */
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
  /**
   * Serves a regenerated API from the next request on: calls already running finish on the old
   * registry; connected clients get notifications/tools/list_changed (2025 GET and SSE streams,
   * 2026 subscriptions/listen streams).
   */
  reload(next: ServedApi): void;
}

/** One generation of the served API. */
export interface ServedApi {
  readonly api: ApiDefinition;
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
}

declare module 'fastify' {
  interface FastifyInstance {
    mcpEndpoint: McpEndpoint;
  }
}

export interface McpEndpointOptions {
  readonly api: ApiDefinition;
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
  readonly credential: CredentialPlacement;
  /** Hostnames (no port) accepted in the Host header; IPv6 in brackets; `*` turns the check off. */
  readonly allowedHosts: readonly string[];
  /** Hostnames accepted in a present Origin header; requests without Origin pass. */
  readonly allowedOrigins: readonly string[];
  readonly path?: string;
  /** Sessionful 2025-era serving, routed in front of the modern handler when given. */
  readonly createLegacyHandler?: CreateLegacyHandler;
  readonly retryBackoffMs?: number;
  /** Idempotency waits and lease; derived from the upstream timeouts when absent. */
  readonly idempotency?: Partial<IdempotencySettings>;
  /**
   * Validates the caller of one HTTP request. `undefined` means anonymous, `false` refuses the
   * request with 401 (the configured authentication found no valid credential).
   */
  readonly authenticate?: (request: FastifyRequest) => AuthInfo | undefined | false;
  /** The OAuth resource server's hooks (runtime/plugins/resource-server.ts); replaces `authenticate`. */
  readonly resourceServer?: ResourceServerHooks;
  /** `true`: tools/list shows every tool whatever the token's scopes (calls are still checked). */
  readonly listAllTools?: boolean;
  /** Users' own upstream credentials, for grants with a credentialRef. */
  readonly credentialVault?: CredentialVault;
  readonly observeToolCall?: ToolCallObserver;
  /** `true` (serve --watch): advertise listChanged and let 2026 clients cache lists for 0 ms. */
  readonly liveReload?: boolean;
  /** Serve the 2024-11-05 HTTP+SSE transport at `/sse` and `/messages`. Default true. */
  readonly legacySse?: boolean;
  /** Most open sessions per transport (Streamable HTTP 2025 sessions, SSE streams). */
  readonly maxSessions?: number;
}

/** How long a retry waits for a still-running first call of the same key. */
export const DEFAULT_IDEMPOTENCY_WAIT_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;

// The SDK's own default bound; Fastify's 1 MiB default would refuse large tool arguments first.
const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

const mcpEndpoint: FastifyPluginAsync<McpEndpointOptions> = async (app, options) => {
  const mcpPath = options.path ?? '/mcp';
  const tenancy = options.api.access?.tenantPathParam !== undefined;
  const path = tenancy ? tenantRoute(mcpPath) : mcpPath;
  const logger = app.log.child({ component: 'mcp' });
  // Retry-After for the HTTP answer, by the web request the SDK hands the factory.
  const retryAfter = new WeakMap<Request, number>();
  // The tenant of the path, by the web request the SDK hands the factory.
  const tenants = new WeakMap<Request, string>();
  const localClaims = new LocalClaims();
  const factoryOptions = ({ api, tools, prompts }: ServedApi): CreateMcpServerFactoryOptions => {
    const { upstream } = api;
    return {
      api,
      tools,
      prompts,
      services: {
        toolContext: {
          dispatcher: app.upstream.dispatcher,
          baseUrl: app.upstream.baseUrl,
          credential: options.credential,
          upstream: api.upstream,
          userAgent: `spec2mcp/${RUNTIME_VERSION}`,
          ...(options.retryBackoffMs !== undefined && { backoffMs: options.retryBackoffMs }),
        },
        store: app.store,
        rateLimits: compileRateLimits(api, tools.entries.keys()),
        idempotency: {
          waitMs: options.idempotency?.waitMs ?? DEFAULT_IDEMPOTENCY_WAIT_MS,
          // Longer than any live call: every attempt timing out, with the longest backoff between them.
          leaseMs:
            options.idempotency?.leaseMs ??
            (upstream.timeoutMs + MAX_BACKOFF_MS) * (upstream.retries + 1) + DEFAULT_IDEMPOTENCY_WAIT_MS,
          ...(options.idempotency?.retentionMs !== undefined && {
            retentionMs: options.idempotency.retentionMs,
          }),
        },
        localClaims,
        ...(api.access?.tenantArgument !== undefined && { tenantArgument: api.access.tenantArgument }),
        ...(options.credentialVault !== undefined && {
          userCredentials: createUserCredentialResolver(api, options.credentialVault),
        }),
        ...(options.observeToolCall !== undefined && { observe: options.observeToolCall }),
        logger,
      },
      ...(options.listAllTools === true && { listAllTools: true }),
      ...(options.liveReload === true && { listChanged: true }),
      scopeOf: (ctx) => {
        const request = ctx.requestInfo;
        const header = request?.headers.get('idempotency-key') ?? undefined;
        const grant = grantOf(ctx.authInfo);
        const tenant = request === undefined ? undefined : tenants.get(request);
        return {
          ...identityOf(ctx.authInfo),
          ...(grant !== undefined && { grant }),
          ...(tenant !== undefined && { tenant }),
          ...(header !== undefined && { idempotencyKeyHeader: header }),
          ...(request !== undefined && {
            onRetryAfter: (seconds: number) =>
              retryAfter.set(request, Math.max(seconds, retryAfter.get(request) ?? 0)),
          }),
        };
      },
    };
  };
  let served: ServedApi = { api: options.api, tools: options.tools, prompts: options.prompts };
  const live = createLiveMcpServerFactory(factoryOptions(served));
  const { factory } = live;
  const mcp = createMcpFetch({
    factory,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    onerror: (error) => logger.debug({ err: error }, 'mcp handler reported an error'),
    ...(options.createLegacyHandler !== undefined && { createLegacyHandler: options.createLegacyHandler }),
  });
  const endpoint: McpEndpoint = {
    path,
    get tools() {
      return served.tools;
    },
    get prompts() {
      return served.prompts;
    },
    reload(next) {
      served = next;
      live.replace(factoryOptions(next));
      mcp.notifyToolsChanged();
      sse?.notifyToolsChanged();
      logger.info({ api: next.api.id, tools: next.tools.entries.size }, 'api reloaded');
    },
  };
  app.decorate('mcpEndpoint', endpoint);

  const guard = options.resourceServer;
  // `*`: the deployment terminates traffic in front (proxy with auth) and vouches for Host.
  const checkHost = options.allowedHosts.includes('*')
    ? []
    : [hostHeaderValidation([...options.allowedHosts])];
  const onRequest: onRequestHookHandler[] = [...checkHost, originValidation([...options.allowedOrigins])];
  if (tenancy) {
    // One endpoint per tenant: the bare path is answered with where to go instead of a 404 page.
    app.route({
      method: ['GET', 'POST', 'DELETE'],
      url: mcpPath,
      onRequest,
      handler: async (_request, reply) =>
        reply.code(404).send({
          error: 'not_found',
          message: `This server has one MCP endpoint per tenant: /{tenant}${mcpPath}.`,
        }),
    });
  }

  /** The caller and the web request of one HTTP request; undefined when a refusal was sent. */
  const prepare = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ authInfo: AuthInfo | undefined; webRequest: Request } | undefined> => {
    const tenant = tenancy ? readTenant(request.params) : undefined;
    if (tenancy && tenant === undefined) {
      reply.code(404).send({ error: 'not_found', message: 'The path does not name a tenant.' });
      return undefined;
    }
    const authInfo = guard === undefined ? options.authenticate?.(request) : request.mcpAuth;
    if (authInfo === false) {
      reply.code(401).send({
        error: 'unauthorized',
        message: 'This MCP server needs an authenticated caller; the request carried no valid credential.',
      });
      return undefined;
    }
    // Cancels the MCP exchange (and the upstream call under it) when the client goes away.
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const webRequest = await toWebRequest(request.raw, request.body, {
      signal: abort.signal,
      maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    });
    if (tenant !== undefined) tenants.set(webRequest, tenant);
    return { authInfo, webRequest };
  };
  const hooks = {
    onRequest: guard === undefined ? onRequest : [...onRequest, guard.authenticate],
    ...(guard !== undefined && { preHandler: guard.authorizeCall }),
  };
  const sse =
    options.legacySse === false
      ? undefined
      : registerLegacySseRoutes(app, {
          factory,
          ssePath: tenancy ? tenantRoute('/sse') : '/sse',
          messagesPath: tenancy ? tenantRoute('/messages') : '/messages',
          hooks,
          prepare,
          maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
          bodyLimit: MAX_REQUEST_BODY_BYTES,
        });
  // Before Fastify waits for connections to end: notification streams never end on their own.
  app.addHook('preClose', async () => {
    mcp.closeStreams();
    await sse?.close();
  });
  app.addHook('onClose', async () => mcp.close());

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: path,
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    ...hooks,
    handler: async (request, reply) => {
      const prepared = await prepare(request, reply);
      if (prepared === undefined) return reply;
      const { authInfo, webRequest } = prepared;
      const response = await mcp.fetch(webRequest, request.body, authInfo);
      if (response.body !== null && response.headers.get('content-type')?.startsWith('text/event-stream')) {
        return reply.send(response);
      }
      // A plain JSON answer: send its bytes directly instead of piping a web stream through Node streams.
      reply.code(response.status);
      for (const [name, value] of response.headers) reply.header(name, value);
      const wait = retryAfter.get(webRequest);
      if (wait !== undefined) reply.header('retry-after', String(wait));
      return reply.send(response.body === null ? undefined : Buffer.from(await response.arrayBuffer()));
    },
  });
};

export default fp(mcpEndpoint, {
  name: 'mcp-endpoint',
  fastify: '5.x',
  dependencies: ['upstream-client', 'store'],
});
