/**
 * The authorization server's own records, kept in the oauth sub-store beside oidc-provider's:
 * a `SignIn` per interaction (who signed in and what they may grant, until they consent) and a
 * `Consent` per grant (what the user chose that oidc-provider's Grant has no field for: the
 * workspaces and the stored credential). A Consent carries its grant id, so revoking the grant
 * deletes it with the grant's tokens.
 */
import type { OAuthStore } from '../../stores/oauth-store-types.js';
import type { PlatformTenant } from './call-platform.js';

export const SIGN_IN_MODEL = 'SignIn';
export const CONSENT_MODEL = 'Consent';

export interface SignInRecord {
  readonly accountId: string;
  readonly displayName: string;
  /** The typed credential, in the vault until consent moves it to the grant's owner. */
  readonly credentialRef: string;
  /** What the tenant-list tool returned; absent when the API has none. */
  readonly tenants?: readonly PlatformTenant[];
}

export interface ConsentRecord {
  readonly grantId: string;
  readonly clientId: string;
  /** The client's name at consent (clients from metadata documents are not stored). */
  readonly clientName?: string;
  readonly accountId: string;
  readonly displayName: string;
  readonly resource: string;
  readonly tenant?: string;
  readonly scopes: readonly string[];
  /** Granted workspaces; absent: no restriction (the API lists none). */
  readonly workspaces?: readonly string[];
  readonly credentialRef: string;
  /** Epoch ms. */
  readonly grantedAt: number;
}

export async function saveSignIn(
  store: OAuthStore,
  uid: string,
  record: SignInRecord,
  expiresAt: number,
): Promise<void> {
  await store.upsert({
    model: SIGN_IN_MODEL,
    id: uid,
    payload: { ...record },
    accountId: record.accountId,
    expiresAt,
  });
}

export async function findSignIn(store: OAuthStore, uid: string): Promise<SignInRecord | undefined> {
  const record = await store.find(SIGN_IN_MODEL, uid);
  return record === undefined ? undefined : (record.payload as unknown as SignInRecord);
}

export async function deleteSignIn(store: OAuthStore, uid: string): Promise<void> {
  await store.destroy(SIGN_IN_MODEL, uid);
}

export async function saveConsent(
  store: OAuthStore,
  record: ConsentRecord,
  expiresAt: number | undefined,
): Promise<void> {
  await store.upsert({
    model: CONSENT_MODEL,
    id: record.grantId,
    payload: { ...record },
    grantId: record.grantId,
    clientId: record.clientId,
    accountId: record.accountId,
    ...(expiresAt !== undefined && { expiresAt }),
  });
}

export async function findConsent(store: OAuthStore, grantId: string): Promise<ConsentRecord | undefined> {
  const record = await store.find(CONSENT_MODEL, grantId);
  return record === undefined ? undefined : (record.payload as unknown as ConsentRecord);
}

/** The owner of a grant's credential in the vault: one per client and user, replaced on re-consent. */
export function credentialOwnerOf(clientId: string, accountId: string): string {
  return JSON.stringify(['oauth', clientId, accountId]);
}

export function signInCredentialOwnerOf(uid: string): string {
  return JSON.stringify(['oauth-sign-in', uid]);
}
