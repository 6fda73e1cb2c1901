/**
 * Builds the Fastify app that serves one generated API over MCP. Never listens: `main.ts` does,
 * tests use `inject()` or listen on an ephemeral port.
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { AuthSettings } from './auth/auth-modes.js';
import type { CredentialVault, TokenVerifier } from './auth/auth-types.js';
import { stripQueryTokens } from './auth/read-bearer-token.js';
import { chainTokenVerifiers } from './auth/verify-token-chain.js';
import type { ApiDefinition } from './define-tool.js';
import type { IdempotencySettings } from './idempotency/run-keyed-call.js';
import { buildRequestIdOptions } from './logger-options.js';
import { trustedHeaderAuthenticator } from './mcp/call-identity.js';
import type { CreateLegacyHandler } from './mcp/create-mcp-fetch.js';
import { buildPromptRegistry } from './mcp/prompt-registry.js';
import { createSessionLegacyHandler } from './mcp/session-legacy-handler.js';
import { tenantRoute } from './mcp/tenant-path.js';
import { buildToolRegistry, type ToolMode } from './mcp/tool-registry.js';
import errorHandler from './plugins/error-handler.js';
import health from './plugins/health.js';
import mcpEndpoint from './plugins/mcp-endpoint.js';
import metrics from './plugins/metrics.js';
import resourceServer from './plugins/resource-server.js';
import storePlugin from './plugins/store.js';
import { trackUnusedConnections } from './plugins/track-unused-connections.js';
import upstreamClient from './plugins/upstream-client.js';
import type { StoreConfig } from './stores/create-store.js';
import type { Store } from './stores/store-types.js';
import { resolveUpstreamBaseUrl } from './upstream/resolve-base-url.js';
import { resolveCredentialPlacement } from './upstream/resolve-credential.js';

export interface ServerOptions {
  /** The generated API module's definition (`generated/<api>/index.ts`). */
  readonly api: ApiDefinition;
  /** Overrides `api.upstream.baseUrl` and `api.servers[0]` (env SPEC2MCP_UPSTREAM_URL). */
  readonly upstreamUrl?: string;
  /** Service credential for the platform (env SPEC2MCP_UPSTREAM_CREDENTIAL), placed per `api.upstream.auth`. */
  readonly upstreamCredential?: string;
  /** pino options, `true` for defaults, or `false` (default) for no logging. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Host header names accepted on /mcp (DNS-rebinding protection). Default: localhost names. */
  readonly allowedHosts?: readonly string[];
  /** Origin hostnames accepted on /mcp when a browser sends one. Default: localhost names. */
  readonly allowedOrigins?: readonly string[];
  /**
   * Serve only the tools of these toolsets (env SPEC2MCP_TOOLSETS); tools without a toolset are then
   * left out. A name no tool declares fails the startup, listing the known ones.
   */
  readonly toolsets?: readonly string[];
  /**
   * `all` (default): `tools/list` shows every served tool. `dynamic` (env SPEC2MCP_TOOL_MODE): it
   * shows search_tools, describe_tool and call_tool instead, for APIs with hundreds of tools.
   */
  readonly toolMode?: ToolMode;
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly mcpPath?: string;
  /**
   * Builds the 2025-era leg from the per-request server factory, replacing the SDK's stateless
   * fallback (sessionful serving, a later issue); requests are routed to it with isLegacyRequest.
   */
  readonly createLegacyHandler?: CreateLegacyHandler;
  /** 2025-era sessions: idle time (env SPEC2MCP_SESSION_IDLE_SECONDS) and cap (SPEC2MCP_MAX_SESSIONS). */
  readonly sessions?: { readonly idleSeconds?: number; readonly maxSessions?: number };
  /** `true` (serve --watch): the tool list may change while clients are connected. */
  readonly liveReload?: boolean;
  /** Serve the 2024-11-05 HTTP+SSE transport at /sse and /messages. Default true. */
  readonly legacySse?: boolean;
  /** Ajv instance for the tool validators; tests inject one to count compilations. */
  readonly schemaCompiler?: Ajv2020;
  /** Base of the jittered retry backoff in ms. Default 100. */
  readonly retryBackoffMs?: number;
  /**
   * Idempotency records, rate-limit counters and audit: a config the server opens and closes, or an
   * open store the caller keeps (and closes). Default: an in-memory store (`main` uses SQLite).
   */
  readonly store?: Store | StoreConfig;
  /** Idempotency wait for a still-running first call, lease, retention (ms). */
  readonly idempotency?: Partial<IdempotencySettings>;
  /**
   * Name of a header set by a trusted authenticating proxy that carries the user (env
   * SPEC2MCP_TRUSTED_PRINCIPAL_HEADER); requests without it are refused with 401.
   */
  readonly trustedPrincipalHeader?: string;
  /** Most concurrent upstream requests (env SPEC2MCP_UPSTREAM_MAX_CONNECTIONS). Default 64. */
  readonly upstreamMaxConnections?: number;
  /** `false` ignores the API's rate-limit rules (env SPEC2MCP_RATE_LIMITS=off). Default true. */
  readonly enforceRateLimits?: boolean;
  /** Validates the caller; overrides `trustedPrincipalHeader`. `false` refuses with 401. */
  readonly authenticate?: (request: FastifyRequest) => AuthInfo | undefined | false;
  /**
   * OAuth resource server (env SPEC2MCP_AUTH): `embedded` or `external` require a bearer token on
   * the MCP endpoint. Default `none` here (tests, embedding); `main` and `serve` default to embedded.
   */
  readonly auth?: AuthSettings;
  /**
   * The externally visible base URL (env SPEC2MCP_PUBLIC_URL): the MCP resource URL (token audience)
   * and metadata URLs are built from it. Absent: from each request's scheme and checked Host header.
   */
  readonly publicUrl?: string;
  /**
   * Verifiers asked before the ones `auth` configures, e.g. the embedded authorization server's and
   * the API tokens' (needs `auth` other than `none`).
   */
  readonly tokenVerifiers?: readonly TokenVerifier[];
  /** Users' own upstream credentials, used for grants that carry a credentialRef. */
  readonly credentialVault?: CredentialVault;
  /** `authorization_servers` of the protected-resource metadata. Default: the external issuer, or the public URL. */
  readonly authorizationServers?: readonly string[];
  /** tools/list shows every tool whatever the token's scopes (env SPEC2MCP_LIST_TOOLS=all); calls are still checked. */
  readonly listAllTools?: boolean;
  /**
   * Wires in authentication parts that live on the app itself (the embedded authorization server's
   * plugin, API tokens in the app's store): called once the store and upstream client are
   * registered, before the resource server. Its verifiers follow `tokenVerifiers`; its vault and
   * authorization servers are used when the options give none.
   */
  readonly wireAuthorization?: (app: FastifyInstance) => Promise<AuthorizationWiring>;
}

/** What `wireAuthorization` adds. */
export type AuthorizationWiring = Partial<
  Pick<ServerOptions, 'tokenVerifiers' | 'credentialVault' | 'authorizationServers'>
>;

const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

declare module 'fastify' {
  interface FastifyInstance {
    /** Serves a regenerated API (same toolsets, mode and settings) without a restart; see McpEndpoint.reload. */
    reloadApi(api: ApiDefinition): void;
  }
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { api } = options;
  const baseUrl = resolveUpstreamBaseUrl(api, options.upstreamUrl);
  const credential = resolveCredentialPlacement(api, options.upstreamCredential);
  const tools = buildToolRegistry(api, {
    ...(options.toolsets !== undefined && { toolsets: options.toolsets }),
    ...(options.toolMode !== undefined && { mode: options.toolMode }),
    ...(options.schemaCompiler !== undefined && { ajv: options.schemaCompiler }),
  });
  const prompts = buildPromptRegistry(api.prompts);

  const auth = options.auth ?? { mode: 'none' };
  checkAuthOptions(options, auth);
  const mcpPath = options.mcpPath ?? '/mcp';
  const tenancy = api.access?.tenantPathParam !== undefined;
  // jose and undici's request API load only for an external authorization server.
  const configuredVerifiers =
    auth.mode === 'external' ? (await import('./auth/auth-settings.js')).createConfiguredVerifiers(auth) : [];

  // rewriteUrl: `?token=` leaves the URL before routing and logging (read-bearer-token.ts).
  const app = Fastify({
    logger: options.logger ?? false,
    ...buildRequestIdOptions(),
    rewriteUrl: stripQueryTokens,
  });
  const authenticate = resolveAuthenticate(options);
  if (api.upstream.auth !== undefined && !options.upstreamCredential) {
    app.log.warn(
      { scheme: api.upstream.auth.scheme },
      'no upstream credential configured (SPEC2MCP_UPSTREAM_CREDENTIAL); calls go to the platform unauthenticated',
    );
  }
  await app.register(errorHandler);
  await app.register(health);
  await app.register(upstreamClient, {
    baseUrl,
    timeoutMs: api.upstream.timeoutMs,
    ...(options.upstreamMaxConnections !== undefined && { connections: options.upstreamMaxConnections }),
  });
  await app.register(storePlugin, { store: options.store ?? { kind: 'memory' } });
  await app.register(metrics, { mcpPath: tenancy ? tenantRoute(mcpPath) : mcpPath });
  const allowedHosts = options.allowedHosts ?? LOCALHOST_NAMES;
  const wired: AuthorizationWiring =
    auth.mode === 'none' || options.wireAuthorization === undefined
      ? {}
      : await options.wireAuthorization(app);
  const credentialVault = options.credentialVault ?? wired.credentialVault;
  if (auth.mode !== 'none') {
    // Cheap, prefix-like checks first; introspection (which claims any token) last.
    const verifiers = [
      ...(options.tokenVerifiers ?? []),
      ...(wired.tokenVerifiers ?? []),
      ...configuredVerifiers,
    ];
    if (auth.mode === 'embedded' && verifiers.length === 0) {
      app.log.warn(
        'SPEC2MCP_AUTH=embedded but no embedded authorization server or API-token verifier is wired in: every token is refused',
      );
    }
    const authorizationServers =
      options.authorizationServers ??
      wired.authorizationServers ??
      (auth.mode === 'external' ? [auth.issuer] : undefined);
    await app.register(resourceServer, {
      api,
      tools,
      verifier: chainTokenVerifiers(verifiers),
      mcpPath,
      allowedHosts,
      ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
      ...(authorizationServers !== undefined && { authorizationServers }),
    });
  }
  await app.register(mcpEndpoint, {
    api: options.enforceRateLimits === false ? withoutRateLimits(api) : api,
    tools,
    prompts,
    credential,
    allowedHosts,
    allowedOrigins: options.allowedOrigins ?? LOCALHOST_NAMES,
    ...(options.mcpPath !== undefined && { path: options.mcpPath }),
    // 2025-era traffic: sessions from initialize; session-less requests stateless (JSON answers
    // unless the call asked for progress).
    createLegacyHandler:
      options.createLegacyHandler ??
      ((factory) =>
        createSessionLegacyHandler(factory, {
          maxRequestBodySize: MAX_MCP_BODY_BYTES,
          ...(options.sessions?.idleSeconds !== undefined && { idleMs: options.sessions.idleSeconds * 1000 }),
          ...(options.sessions?.maxSessions !== undefined && { maxSessions: options.sessions.maxSessions }),
          onerror: (error) => app.log.debug({ err: error }, 'mcp session reported an error'),
        })),
    ...(options.sessions?.maxSessions !== undefined && { maxSessions: options.sessions.maxSessions }),
    ...(options.liveReload === true && { liveReload: true }),
    ...(options.legacySse === false && { legacySse: false }),
    ...(options.retryBackoffMs !== undefined && { retryBackoffMs: options.retryBackoffMs }),
    ...(options.idempotency !== undefined && { idempotency: options.idempotency }),
    ...(authenticate !== undefined && { authenticate }),
    ...(auth.mode !== 'none' && { resourceServer: app.resourceServer }),
    ...(options.listAllTools === true && { listAllTools: true }),
    ...(credentialVault !== undefined && { credentialVault }),
    observeToolCall: app.metrics.observeToolCall,
  });
  // After the endpoint's own preClose (registered above) ended its streams: a connection that never
  // sent a byte (undici leaves one when a client aborts an event stream, on /mcp as on /sse) would
  // otherwise hold app.close() open for as long as the client keeps it.
  const unused = trackUnusedConnections(app.server);
  app.addHook('preClose', async () => {
    unused.destroy();
  });
  app.decorate('reloadApi', (next: ApiDefinition) => {
    app.mcpEndpoint.reload({
      api: options.enforceRateLimits === false ? withoutRateLimits(next) : next,
      tools: buildToolRegistry(next, {
        ...(options.toolsets !== undefined && { toolsets: options.toolsets }),
        ...(options.toolMode !== undefined && { mode: options.toolMode }),
        ...(options.schemaCompiler !== undefined && { ajv: options.schemaCompiler }),
      }),
      prompts: buildPromptRegistry(next.prompts),
    });
  });
  app.log.info(
    {
      api: api.id,
      tools: tools.entries.size,
      toolMode: tools.mode,
      ...(options.toolsets !== undefined && { toolsets: options.toolsets }),
      prompts: prompts.size,
      upstream: baseUrl,
      auth: auth.mode,
    },
    'api loaded',
  );
  return app;
}

function withoutRateLimits(api: ApiDefinition): ApiDefinition {
  const { rateLimits: _ignored, ...rest } = api;
  return rest;
}

/** Combinations that would leave the endpoint less protected than it looks. */
function checkAuthOptions(options: ServerOptions, auth: AuthSettings): void {
  if (auth.mode === 'none') {
    if ((options.tokenVerifiers?.length ?? 0) > 0) {
      throw new Error('tokenVerifiers are given but auth is none: set auth to embedded or external.');
    }
    return;
  }
  const trusted = options.trustedPrincipalHeader !== undefined && options.trustedPrincipalHeader !== '';
  if (options.authenticate !== undefined || trusted) {
    throw new Error(
      `Authentication by ${trusted ? 'a trusted principal header' : 'authenticate'} and by bearer tokens (auth ${auth.mode}) exclude each other; use one.`,
    );
  }
  if (options.publicUrl === undefined && (options.allowedHosts ?? []).includes('*')) {
    throw new Error(
      'With every Host allowed, the resource URL cannot come from the Host header: set the public URL (SPEC2MCP_PUBLIC_URL).',
    );
  }
  if (options.publicUrl !== undefined) {
    const url = new URL(options.publicUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`The public URL "${options.publicUrl}" must be http or https.`);
    }
  }
}

function resolveAuthenticate(options: ServerOptions): ServerOptions['authenticate'] {
  if (options.authenticate !== undefined) return options.authenticate;
  if (options.trustedPrincipalHeader === undefined || options.trustedPrincipalHeader === '') return undefined;
  const fromHeaders = trustedHeaderAuthenticator(options.trustedPrincipalHeader);
  return (request) => fromHeaders(request.headers) ?? false;
}
