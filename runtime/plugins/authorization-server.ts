/**
 * The embedded OAuth 2.1 authorization server (oidc-provider) on the runtime's Fastify app: its
 * protocol endpoints under /oauth/ with metadata at /.well-known/oauth-authorization-server (RFC
 * 8414) and /.well-known/openid-configuration, the sign-in and consent pages, and
 * `app.authorizationServer` with the TokenVerifier the resource server asks. Needs the `store` and
 * `upstream-client` plugins: grants and tokens live in the store, sign-in calls the platform.
 *
 * The routes are mounted at startup, but oidc-provider (and Koa, ~170 ms of CPU) is imported on the
 * first request that needs it: an OAuth route, a sign-in page, or an access token of this server.
 * API tokens and tools/list with one never load it; the first OAuth request waits for it once.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Provider } from 'oidc-provider';
import type { CredentialVault, TokenVerifier } from '../auth/auth-types.js';
import { deriveKeys, loadCredentialKey } from '../auth/authorization-server/credential-key.js';
import { createCredentialVault } from '../auth/authorization-server/credential-vault.js';
import { createEmbeddedTokenVerifier } from '../auth/authorization-server/embedded-token-verifier.js';
import { registerInteractionRoutes } from '../auth/authorization-server/interaction-routes.js';
import {
  type AuthorizedClient,
  listAuthorizedClients,
  revokeClient,
} from '../auth/authorization-server/manage-clients.js';
import {
  DEFAULT_LIFETIMES,
  OAUTH_ROUTES,
  type TokenLifetimes,
} from '../auth/authorization-server/oauth-routes.js';
import { createMcpResources, normalizePublicUrl } from '../auth/authorization-server/resource-urls.js';
import type { ApiDefinition } from '../define-tool.js';
import { DEFAULT_DATA_DIR } from '../stores/create-store.js';

export interface AuthorizationServer {
  /** The issuer: the server's public base URL. */
  readonly issuer: string;
  /** The MCP resource tokens are bound to (`<issuer>/mcp`). */
  readonly resource: string;
  readonly tokenVerifier: TokenVerifier;
  readonly credentialVault: CredentialVault;
  /** Ends every grant of the client at once; its tokens stop working on the next call. */
  revokeClient(clientId: string): Promise<{ readonly grants: number; readonly records: number }>;
  listClients(): Promise<AuthorizedClient[]>;
  /** The oidc-provider instance (imported and created on first use), for tests and advanced wiring. */
  loadProvider(): Promise<Provider>;
}

declare module 'fastify' {
  interface FastifyInstance {
    authorizationServer: AuthorizationServer;
  }
}

export interface AuthorizationServerOptions {
  readonly api: ApiDefinition;
  /** Public base URL, the issuer (SPEC2MCP_PUBLIC_URL, else http://HOST:PORT; see resolvePublicUrl). */
  readonly publicUrl: string;
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly mcpPath?: string;
  /** 32-byte key; default SPEC2MCP_CREDENTIAL_KEY, else a key generated into the data directory. */
  readonly credentialKey?: Buffer;
  /** Where a generated key is kept. Default SPEC2MCP_DATA_DIR or `.data` (memory store: no file). */
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Token and code lifetimes in seconds (tests shorten them). */
  readonly lifetimes?: Partial<TokenLifetimes>;
  /** Accept https `client_id`s naming a client metadata document. Default true. */
  readonly clientIdMetadataDocuments?: boolean;
}

const METADATA_PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

const authorizationServer: FastifyPluginAsync<AuthorizationServerOptions> = async (app, options) => {
  const { api } = options;
  const env = options.env ?? process.env;
  const issuer = normalizePublicUrl(options.publicUrl, 'The public URL');
  const issuerUrl = new URL(issuer);
  const issuerPath = issuerUrl.pathname.replace(/\/+$/, '');
  if (api.upstream.auth === undefined) {
    throw new Error(
      `API ${api.id} declares no upstream.auth: users cannot sign in with a credential of the platform.`,
    );
  }
  const resources = createMcpResources(issuer, {
    ...(options.mcpPath !== undefined && { mcpPath: options.mcpPath }),
    ...(api.access?.tenantPathParam !== undefined && { tenantPathParam: api.access.tenantPathParam }),
  });
  const key =
    options.credentialKey ??
    loadCredentialKey({
      env,
      ...(app.store.kind !== 'memory' && {
        dataDir: options.dataDir ?? (env['SPEC2MCP_DATA_DIR'] || DEFAULT_DATA_DIR),
      }),
      logger: app.log,
    }).key;
  const keys = deriveKeys(key);
  const lifetimes = { ...DEFAULT_LIFETIMES, ...options.lifetimes };
  const stores = app.store;
  let providerLoad: Promise<Provider> | undefined;
  const loadProvider = () => {
    providerLoad ??= import('../auth/authorization-server/create-provider.js').then(({ createProvider }) => {
      const provider = createProvider({
        issuer,
        api,
        resources,
        store: stores.oauth,
        keys,
        lifetimes,
        ...(options.clientIdMetadataDocuments !== undefined && {
          clientIdMetadataDocuments: options.clientIdMetadataDocuments,
        }),
      });
      logProviderEvents(app, provider);
      return provider;
    });
    return providerLoad;
  };
  const vault = createCredentialVault(stores.credentials, key);
  const tokenVerifier = createEmbeddedTokenVerifier({ loadProvider, stores, resources });

  app.decorate('authorizationServer', {
    issuer,
    resource: resources.base,
    tokenVerifier,
    credentialVault: vault,
    revokeClient: (clientId: string) => revokeClient(stores, clientId),
    listClients: () => listAuthorizedClients(stores),
    loadProvider,
  } satisfies AuthorizationServer);

  const allScopes = api.scopes.definitions.map((definition) => definition.name).join(' ');
  let callback: ReturnType<Provider['callback']> | undefined;
  const forward = async (request: FastifyRequest, reply: FastifyReply, rewriteUrl?: string) => {
    reply.hijack();
    const raw = request.raw;
    if (rewriteUrl !== undefined) raw.url = rewriteUrl;
    // URLs in answers (metadata, redirects, cookies) come from the issuer, never from Host or
    // forwarded headers a client could set; the client address is the one Fastify trusts.
    raw.headers['x-forwarded-host'] = issuerUrl.host;
    raw.headers['x-forwarded-proto'] = issuerUrl.protocol.slice(0, -1);
    raw.headers['x-forwarded-for'] = request.ip;
    // oidc-provider prefixes its URLs with the part of originalUrl before url: the issuer's path.
    (raw as { originalUrl?: string }).originalUrl = `${issuerPath}${raw.url ?? '/'}`;
    if (raw.method === 'GET' && raw.url !== undefined) raw.url = withDefaultScope(raw.url, allScopes);
    try {
      callback ??= (await loadProvider()).callback();
      await callback(raw, reply.raw);
    } catch (error) {
      request.log.error({ err: error }, 'authorization server request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
    }
  };

  await app.register(async (scope) => {
    // oidc-provider reads request bodies itself (form posts, JSON registrations): leave them unread.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const path of METADATA_PATHS) {
      scope.route({
        method: ['GET', 'OPTIONS'],
        url: path,
        handler: (request, reply) => forward(request, reply),
      });
      if (issuerPath !== '') {
        // RFC 8414 section 3: for an issuer with a path, the metadata is at /.well-known/...<path>.
        scope.route({
          method: ['GET', 'OPTIONS'],
          url: `${path}${issuerPath}`,
          handler: (request, reply) => forward(request, reply, path),
        });
      }
    }
    scope.all('/oauth/*', (request, reply) => forward(request, reply));
  });

  await app.register(async (scope) => {
    await registerInteractionRoutes(scope, {
      loadProvider,
      api,
      stores,
      vault,
      platform: () => app.upstream,
      resources,
      csrfKey: keys.csrfKey,
      issuerPath,
      lifetimes,
    });
  });

  app.log.info(
    { issuer, resource: resources.base, routes: Object.values(OAUTH_ROUTES).slice(0, 5) },
    'authorization server ready',
  );
};

/**
 * Clients that send no `scope` get every scope of the API offered at consent (the user still
 * chooses read-only or read/write); oidc-provider would otherwise grant nothing.
 */
function withDefaultScope(url: string, scopes: string): string {
  const parsed = new URL(url, 'http://localhost');
  if (
    parsed.pathname !== OAUTH_ROUTES.authorization ||
    parsed.searchParams.get('scope')?.trim() ||
    scopes === ''
  ) {
    return url;
  }
  parsed.searchParams.set('scope', scopes);
  return `${parsed.pathname}${parsed.search}`;
}

function logProviderEvents(app: FastifyInstance, provider: Provider): void {
  const log = app.log.child({ component: 'authorization-server' });
  provider.on('server_error', (_ctx: never, error: Error) => log.error({ err: error }, 'oauth server error'));
  provider.on('grant.revoked', (_ctx: never, grantId: string) =>
    log.info({ grantId }, 'oauth grant revoked'),
  );
  for (const event of [
    'authorization.error',
    'grant.error',
    'registration_create.error',
    'revocation.error',
  ]) {
    provider.on(event, (_ctx: never, error: Error & { error_description?: string }) =>
      log.info(
        { event, error: error.message, description: error.error_description },
        'oauth request refused',
      ),
    );
  }
}

export default fp(authorizationServer, {
  name: 'authorization-server',
  fastify: '5.x',
  dependencies: ['store', 'upstream-client'],
});
