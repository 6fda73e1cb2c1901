/**
 * Authorized clients as operators see them (`spec2mcp clients list|revoke`, and
 * `app.authorizationServer`): read and revoked straight from the store, so the CLI works without a
 * running server and a revocation on one instance is seen by all at once.
 */
import type { CredentialStore, OAuthStore } from '../../stores/oauth-store-types.js';
import { CONSENT_MODEL, type ConsentRecord } from './consent-records.js';

export interface AuthorizationStores {
  readonly oauth: OAuthStore;
  readonly credentials: CredentialStore;
}

export interface AuthorizedClient {
  readonly clientId: string;
  readonly clientName?: string;
  /** Every scope granted to the client by any user, sorted. */
  readonly scopes: readonly string[];
  /** The users who authorized it: platform user id and the name shown at consent. */
  readonly users: readonly { readonly id: string; readonly name: string }[];
  readonly grants: number;
  /** Epoch ms of the latest consent. */
  readonly authorizedAt: number;
  /** Epoch ms a token of the client was last accepted (recorded at most once a minute per grant). */
  readonly lastUsedAt?: number;
}

export async function listAuthorizedClients(stores: AuthorizationStores): Promise<AuthorizedClient[]> {
  const [consents, grants] = await Promise.all([
    stores.oauth.list({ model: CONSENT_MODEL }),
    stores.oauth.list({ model: 'Grant' }),
  ]);
  const liveGrants = new Map(grants.map((grant) => [grant.id, grant]));
  const byClient = new Map<string, ConsentRecord[]>();
  for (const record of consents) {
    const consent = record.payload as unknown as ConsentRecord;
    if (!liveGrants.has(consent.grantId)) continue; // expired or revoked; the consent is pruned later
    byClient.set(consent.clientId, [...(byClient.get(consent.clientId) ?? []), consent]);
  }
  const clients: AuthorizedClient[] = [];
  for (const [clientId, clientConsents] of byClient) {
    const stored = await stores.oauth.find('Client', clientId);
    const storedName = stored?.payload['client_name'];
    const latest = clientConsents.reduce((a, b) => (b.grantedAt > a.grantedAt ? b : a));
    const clientName = typeof storedName === 'string' ? storedName : latest.clientName;
    const users = new Map<string, string>();
    for (const consent of clientConsents) users.set(consent.accountId, consent.displayName);
    const lastUses = clientConsents
      .map((consent) => liveGrants.get(consent.grantId)?.lastUsedAt)
      .filter((time): time is number => time !== undefined);
    clients.push({
      clientId,
      ...(clientName !== undefined && { clientName }),
      scopes: [...new Set(clientConsents.flatMap((consent) => consent.scopes))].sort(),
      users: [...users].map(([id, name]) => ({ id, name })).sort((a, b) => a.id.localeCompare(b.id)),
      grants: clientConsents.length,
      authorizedAt: latest.grantedAt,
      ...(lastUses.length > 0 && { lastUsedAt: Math.max(...lastUses) }),
    });
  }
  return clients.sort((a, b) => (a.clientName ?? a.clientId).localeCompare(b.clientName ?? b.clientId));
}

/** Ends one grant: its codes, tokens and consent are deleted and its stored credential with them. */
export async function revokeGrant(stores: AuthorizationStores, grantId: string): Promise<number> {
  const consent = await stores.oauth.find(CONSENT_MODEL, grantId);
  const credentialRef = consent?.payload['credentialRef'];
  const deleted = await stores.oauth.revokeGrant(grantId);
  if (typeof credentialRef === 'string') await stores.credentials.delete(credentialRef);
  return deleted;
}

/**
 * Ends every grant of the client, for every user: its tokens stop working at once. The client's
 * registration stays, so it can ask users to authorize it again.
 */
export async function revokeClient(
  stores: AuthorizationStores,
  clientId: string,
): Promise<{ readonly grants: number; readonly records: number }> {
  const grants = await stores.oauth.list({ model: 'Grant', clientId });
  const consents = await stores.oauth.list({ model: CONSENT_MODEL, clientId });
  const grantIds = new Set([...grants.map((grant) => grant.id), ...consents.map((consent) => consent.id)]);
  let records = 0;
  for (const grantId of grantIds) records += await revokeGrant(stores, grantId);
  return { grants: grants.length, records };
}

/** Ends the grants one user gave one client (re-authorization replaces them). */
export async function revokeUserGrants(
  stores: AuthorizationStores,
  clientId: string,
  accountId: string,
): Promise<number> {
  const grants = await stores.oauth.list({ model: 'Grant', clientId, accountId });
  for (const grant of grants) await revokeGrant(stores, grant.id);
  return grants.length;
}
