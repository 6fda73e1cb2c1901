/**
 * Storage of the embedded OAuth authorization server (runtime/auth/authorization-server/): the
 * records oidc-provider persists through its adapter (clients, grants, codes, tokens, sessions,
 * interactions) and the users' upstream credentials, encrypted by the CredentialVault before they
 * get here. Same semantics on every backend, checked by test/stores/oauth-store-contract.test.ts.
 */

/** One stored record of an oidc-provider model (or of the authorization server's own models). */
export interface OAuthRecord {
  /** oidc-provider model name (`AccessToken`, `Grant`, `Client`, ...). */
  readonly model: string;
  /** The record's key within its model, as the adapter chose to store it (token ids are hashed). */
  readonly id: string;
  /** The model's payload, stored as JSON. */
  readonly payload: { readonly [key: string]: unknown };
  /** Secondary keys, copied out of the payload by the caller so they can be indexed. */
  readonly grantId?: string;
  readonly clientId?: string;
  readonly accountId?: string;
  readonly uid?: string;
  readonly userCode?: string;
  /** Epoch ms after which the record counts as absent and `prune` deletes it; absent: kept. */
  readonly expiresAt?: number;
  /** Epoch ms it was consumed (a used authorization code, a rotated refresh token). */
  readonly consumedAt?: number;
  /** Epoch ms of its last recorded use (`touch`); kept across upserts. */
  readonly lastUsedAt?: number;
}

export type OAuthRecordInput = Omit<OAuthRecord, 'lastUsedAt'>;

export interface OAuthRecordQuery {
  readonly model: string;
  readonly clientId?: string;
  readonly accountId?: string;
  readonly grantId?: string;
}

export interface OAuthStore {
  /** Inserts or replaces the record (model, id); the previous `lastUsedAt` is kept. */
  upsert(record: OAuthRecordInput): Promise<void>;
  /** The live (unexpired) record, if any. */
  find(model: string, id: string): Promise<OAuthRecord | undefined>;
  findByUid(model: string, uid: string): Promise<OAuthRecord | undefined>;
  findByUserCode(model: string, userCode: string): Promise<OAuthRecord | undefined>;
  /** Marks the live record consumed at `at` (default now); false when there is none. */
  consume(model: string, id: string, at?: number): Promise<boolean>;
  /** Records a use of the live record at `at` (default now); false when there is none. */
  touch(model: string, id: string, at?: number): Promise<boolean>;
  destroy(model: string, id: string): Promise<boolean>;
  /**
   * Deletes the records whose `grantId` is `grantId` (only those of `models` when given): a grant's
   * codes and tokens end at once. Returns how many were deleted.
   */
  revokeGrant(grantId: string, models?: readonly string[]): Promise<number>;
  /** Live records of one model matching every given field, oldest expiry first, then by id. */
  list(query: OAuthRecordQuery): Promise<OAuthRecord[]>;
  /** Deletes records that expired at or before `now`. */
  prune(now?: number): Promise<number>;
}

/** A user's upstream credential, already encrypted (the store never sees plaintext). */
export interface CredentialRecord {
  /** Random id handed out as `Grant.credentialRef`. */
  readonly ref: string;
  /** Who the credential belongs to; one credential per owner. */
  readonly owner: string;
  /** Opaque ciphertext (the vault's format). */
  readonly ciphertext: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which it counts as absent and `prune` deletes it; absent: kept until deleted. */
  readonly expiresAt?: number;
}

export interface CredentialStore {
  /** Stores the record and deletes what its owner had before, atomically. */
  replace(record: CredentialRecord): Promise<void>;
  /** The live record, if any. */
  get(ref: string): Promise<CredentialRecord | undefined>;
  delete(ref: string): Promise<boolean>;
  /** Deletes records that expired at or before `now`. */
  prune(now?: number): Promise<number>;
}
