/**
 * The oidc-provider instance of the embedded authorization server: OAuth 2.1 with PKCE (S256) for
 * every client, single-use authorization codes, rotated refresh tokens with reuse detection,
 * dynamic client registration (RFC 7591), Client ID Metadata Documents, revocation (RFC 7009) and
 * resource indicators (RFC 8707) binding opaque access tokens to the MCP endpoint. Every protocol
 * endpoint is oidc-provider's; this file only configures it.
 */
import { errors, interactionPolicy, type KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { ApiDefinition } from '../../define-tool.js';
import type { OAuthStore } from '../../stores/oauth-store-types.js';
import type { DerivedKeys } from './credential-key.js';
import {
  COOKIE_NAMES,
  DEFAULT_LIFETIMES,
  INTERACTION_PATH,
  OAUTH_ROUTES,
  type TokenLifetimes,
} from './oauth-routes.js';
import { renderProviderError } from './render-pages.js';
import type { McpResources } from './resource-urls.js';
import { createAdapterFactory } from './store-adapter.js';

export {
  COOKIE_NAMES,
  DEFAULT_LIFETIMES,
  INTERACTION_PATH,
  OAUTH_ROUTES,
  type TokenLifetimes,
} from './oauth-routes.js';

export interface CreateProviderOptions {
  readonly issuer: string;
  readonly api: ApiDefinition;
  readonly resources: McpResources;
  readonly store: OAuthStore;
  readonly keys: DerivedKeys;
  readonly lifetimes?: Partial<TokenLifetimes>;
  /**
   * Accept `client_id`s that are https URLs of a client metadata document (the MCP default for clients
   * without registration). Default true.
   */
  readonly clientIdMetadataDocuments?: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function createProvider(options: CreateProviderOptions): Provider {
  const { api, resources } = options;
  const lifetimes = { ...DEFAULT_LIFETIMES, ...options.lifetimes };
  const scopeNames = api.scopes.definitions.map((definition) => definition.name);
  const issuerPath = new URL(options.issuer).pathname.replace(/\/+$/, '');
  const { Check, Prompt } = interactionPolicy;

  const provider = new Provider(options.issuer, {
    adapter: createAdapterFactory(options.store),
    clients: [],
    clientDefaults: {
      // Clients that register without grant_types still get refresh tokens (RFC 7591 defaults to
      // authorization_code only, and MCP clients rarely say).
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    clockTolerance: 5,
    cookies: {
      names: COOKIE_NAMES,
      keys: [...options.keys.cookieKeys],
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: { openid: ['sub'] },
    scopes: ['openid', 'offline_access', ...scopeNames],
    responseTypes: ['code'],
    // Public clients (none) and shared secrets; no client assertions or mTLS to configure.
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    jwks: { keys: [options.keys.signingJwk] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    pkce: { required: () => true },
    routes: OAUTH_ROUTES,
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false }, // the resource server cannot check DPoP proofs
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: false },
      registrationManagement: { enabled: false },
      revocation: { enabled: true, allowedPolicy: allowRevocationByOwner },
      clientIdMetadataDocument: {
        enabled: options.clientIdMetadataDocuments ?? true,
        ack: 'draft-02',
        allowFetch: async (_ctx: KoaContextWithOIDC, clientId: string) => isPublicHttpsUrl(clientId),
      },
      resourceIndicators: {
        enabled: true,
        // Clients that send no `resource` get the MCP endpoint: there is nothing else to ask for.
        defaultResource: async (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string[]) =>
          oneOf ?? resources.base,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: KoaContextWithOIDC, resource: string) => {
          const matched = resources.match(resource);
          if (matched === undefined) {
            throw new errors.InvalidTarget(
              `${resource} is not this server's MCP endpoint (${resources.base}).`,
            );
          }
          return {
            scope: scopeNames.join(' '),
            audience: matched.resource,
            accessTokenTTL: lifetimes.accessToken,
            // Opaque: found in the store on every call, so revocation takes effect at once.
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    extraClientMetadata: {
      properties: ['redirect_uris'],
      validator: (_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>) => {
        if (key !== 'redirect_uris' || !Array.isArray(value)) return;
        checkRedirectUris(value);
        // Desktop apps (Cursor, VS Code) register an app scheme without saying they are native;
        // oidc-provider would refuse it as a web client's redirect.
        if (value.some(isPrivateUseRedirect)) metadata['application_type'] = 'native';
      },
    },
    interactions: {
      // Every authorization signs in with a platform credential and consents: the credential is
      // bound to the grant, so an earlier session must not silently stand in for it.
      policy: [
        new Prompt(
          { name: 'login', requestable: true },
          new Check('platform_sign_in', 'Sign in with a credential of the platform', (ctx) => {
            return ctx.oidc.result?.['login'] === undefined;
          }),
        ),
        new Prompt(
          { name: 'consent', requestable: true },
          new Check('platform_consent', 'Choose what the client may do', (ctx) => {
            return ctx.oidc.result?.['consent'] === undefined;
          }),
        ),
      ],
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) =>
        `${issuerPath}${INTERACTION_PATH}/${interaction.uid}`,
    },
    // Only the grant the consent page just made: never one remembered by an earlier session.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = (ctx.oidc.result?.['consent'] as { grantId?: string } | undefined)?.grantId;
      return grantId === undefined ? undefined : ctx.oidc.provider.Grant.find(grantId);
    },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    clientBasedCORS: allowCorsFromRedirectOrigins,
    renderError: async (ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }) => {
      renderProviderError(ctx, out);
    },
    ttl: {
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? lifetimes.accessToken,
      AuthorizationCode: lifetimes.authorizationCode,
      RefreshToken: lifetimes.refreshToken,
      Grant: lifetimes.grant,
      Interaction: lifetimes.interaction,
      Session: lifetimes.session,
      IdToken: lifetimes.accessToken,
      ClientCredentials: lifetimes.accessToken,
    },
  });
  // Behind the plugin, which sets X-Forwarded-Host/Proto from the issuer: URLs always say the issuer.
  provider.proxy = true;
  return provider;
}

/** RFC 7009: a client may revoke only its own tokens (oidc-provider's default, made explicit). */
async function allowRevocationByOwner(
  _ctx: unknown,
  client: { clientId: string; clientAuthMethod: string },
  token: { clientId: string },
): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false; // answered like a revoked token: no oracle
  throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
}

/** Browser-based public clients may call the token endpoint from the origin they redirect to. */
function allowCorsFromRedirectOrigins(
  _ctx: unknown,
  origin: string,
  client: { clientAuthMethod: string; redirectUris: readonly string[] },
): boolean {
  if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
  return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
}

/**
 * Schemes a browser runs or reads locally: never a place to send an authorization code.
 * Everything else that is not http(s) is a private-use scheme of a native app (RFC 8252 §7.1), as
 * Cursor (`cursor://`) and VS Code (`vscode://`) register; PKCE, required for every client, keeps a
 * code caught by another app useless.
 */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'about:',
  'blob:',
  'vbscript:',
  'filesystem:',
]);

function isPrivateUseRedirect(uri: unknown): boolean {
  const url = typeof uri === 'string' ? URL.parse(uri) : null;
  return url !== null && url.protocol !== 'https:' && url.protocol !== 'http:';
}

/** Redirect URIs: https; http only on a loopback address; or a native app's private-use scheme. */
export function checkRedirectUris(uris: readonly unknown[]): void {
  for (const uri of uris) {
    const url = typeof uri === 'string' ? URL.parse(uri) : null;
    if (url === null) continue; // oidc-provider rejects what does not parse, with its own message
    if (url.protocol === 'https:') continue;
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) continue;
    if (url.protocol !== 'http:' && !FORBIDDEN_SCHEMES.has(url.protocol)) continue;
    throw new errors.InvalidClientMetadata(
      `redirect_uris must use https, http on a loopback address (127.0.0.1, [::1], localhost), or an app's own scheme (com.example.app:/callback); got ${String(uri)}`,
    );
  }
}

/**
 * A client metadata document is fetched from the URL in `client_id`: never from this machine or a
 * private network named by address or local name. (Names resolving there are caught by
 * oidc-provider's fetch, which drops connections to special-use addresses.)
 */
export function isPublicHttpsUrl(value: string): boolean {
  const url = URL.parse(value);
  if (url === null || url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local')
  ) {
    return false;
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return !(
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (host.includes(':'))
    return !(
      host === '::1' ||
      host === '::' ||
      /^f[cd]/.test(host) ||
      host.startsWith('fe80') ||
      host.startsWith('::ffff:')
    );
  return true;
}
