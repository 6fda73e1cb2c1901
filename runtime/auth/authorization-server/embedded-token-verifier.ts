/**
 * The TokenVerifier for access tokens of the embedded authorization server. Tokens are opaque, so
 * each one is looked up in the store (through oidc-provider's AccessToken model): a revoked or
 * expired token fails on its next use, on every instance sharing the store.
 */
import type { Provider } from 'oidc-provider';
import { AuthError, type Grant, type TokenVerifier } from '../auth-types.js';
import { findConsent } from './consent-records.js';
import type { AuthorizationStores } from './manage-clients.js';
import type { McpResources } from './resource-urls.js';

/** oidc-provider's opaque tokens: 256 random bits as 43 base64url characters. */
const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A grant's last use is written at most this often per process (`clients list` shows it). */
export const LAST_USE_WRITE_INTERVAL_MS = 60_000;

export interface EmbeddedTokenVerifierOptions {
  /** The oidc-provider instance, created on the first token that needs it. */
  readonly loadProvider: () => Promise<Provider>;
  readonly stores: AuthorizationStores;
  /** Names the tenant of a tenant-path resource (`<public>/<tenant>/mcp`). */
  readonly resources: McpResources;
  readonly now?: () => number;
}

export function createEmbeddedTokenVerifier(options: EmbeddedTokenVerifierOptions): TokenVerifier {
  const { loadProvider, stores } = options;
  const now = options.now ?? Date.now;
  const lastWrites = new Map<string, number>();

  const recordUse = (grantId: string) => {
    const at = now();
    const previous = lastWrites.get(grantId);
    if (previous !== undefined && at - previous < LAST_USE_WRITE_INTERVAL_MS) return;
    lastWrites.set(grantId, at);
    if (lastWrites.size > 10_000) lastWrites.clear(); // a bound, not a cache: a missed skip only writes once more
    // Bookkeeping only: a failed write must not fail the call.
    stores.oauth.touch('Grant', grantId, at).catch(() => {});
  };

  return {
    name: 'embedded-authorization-server',
    async verify(token, context): Promise<Grant | undefined> {
      if (!OPAQUE_TOKEN.test(token)) return undefined;
      const provider = await loadProvider();
      const accessToken = await provider.AccessToken.find(token);
      if (accessToken === undefined || accessToken.isExpired) {
        throw new AuthError(401, 'invalid_token', 'The access token is expired, revoked or unknown.');
      }
      const audiences = typeof accessToken.aud === 'string' ? [accessToken.aud] : (accessToken.aud ?? []);
      if (!audiences.includes(context.resource)) {
        throw new AuthError(
          401,
          'invalid_token',
          `The access token was issued for another resource, not ${context.resource}.`,
        );
      }
      const [grant, consent] = await Promise.all([
        provider.Grant.find(accessToken.grantId),
        findConsent(stores.oauth, accessToken.grantId),
      ]);
      // The grant's tokens are deleted with it; a token that survived a half-finished revocation
      // must still not work.
      if (grant === undefined || consent === undefined) {
        throw new AuthError(401, 'invalid_token', 'The access token was revoked.');
      }
      recordUse(accessToken.grantId);
      const tenant = options.resources.match(context.resource)?.tenant;
      const scopes = (accessToken.scope ?? '').split(' ').filter((scope) => scope !== '');
      return {
        kind: 'oauth',
        principal: accessToken.accountId,
        clientId: accessToken.clientId,
        ...(consent.clientName !== undefined && { clientName: consent.clientName }),
        scopes,
        ...(tenant !== undefined && { tenant }),
        ...(consent.workspaces !== undefined && { workspaces: consent.workspaces }),
        ...(accessToken.exp !== undefined && { expiresAt: accessToken.exp }),
        credentialRef: consent.credentialRef,
      };
    },
  };
}
