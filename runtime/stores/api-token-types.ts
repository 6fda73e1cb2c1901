/**
 * The API-token part of the storage contract: long-lived tokens for scripts and CI, created and
 * revoked from the CLI and checked on every request by runtime/auth/api-tokens/. Only a SHA-256 of a
 * token is stored, never the token. Same semantics on every backend, checked by
 * test/stores/api-token-store-contract.test.ts.
 */

/** What `create` stores. Times are epoch ms, like every other store time. */
export interface NewApiTokenRecord {
  /** Public id (`api-token:<id>` is the principal); short hex, safe to show and log. */
  readonly id: string;
  /** Human name, unique among tokens that are not revoked (so `revoke <name>` is unambiguous). */
  readonly name: string;
  /** Lower-case hex SHA-256 of the whole token, prefix included. */
  readonly tokenHash: string;
  /** The token's first characters (its prefix and a few more), for listings; never enough to use. */
  readonly displayPrefix: string;
  readonly scopes: readonly string[];
  /** Bound to this tenant of `/{tenant}/mcp`; absent: not bound. */
  readonly tenant?: string;
  /** Tenants/workspaces the token may name in tool arguments; absent: no restriction. */
  readonly workspaces?: readonly string[];
  readonly createdAt: number;
  /** Absent: never expires. */
  readonly expiresAt?: number;
  /** The upstream credential calls made with this token use (CredentialVault); absent: the service's. */
  readonly credentialRef?: string;
}

export interface ApiTokenRecord extends NewApiTokenRecord {
  /** Last successful use, updated at most once per API_TOKEN_TOUCH_INTERVAL_MS. */
  readonly lastUsedAt?: number;
  readonly revokedAt?: number;
}

export interface ApiTokenRevocation {
  readonly record: ApiTokenRecord;
  /** False when the token was revoked already (`record.revokedAt` is the first revocation). */
  readonly changed: boolean;
}

export interface ApiTokenStore {
  /** Stores a new token. Throws ApiTokenConflictError when the id, hash or an unrevoked name is taken. */
  create(record: NewApiTokenRecord): Promise<ApiTokenRecord>;
  /** The token with this hash, revoked and expired ones included: the caller decides what they mean. */
  findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  /** Every token, revoked and expired ones included, newest first. */
  list(): Promise<ApiTokenRecord[]>;
  /**
   * Revokes the token with this id, else the unrevoked token with this name; takes effect for the
   * next request of every instance sharing the store. Revoking a revoked token changes nothing.
   * `undefined` when no token has this id or name.
   */
  revoke(idOrName: string, at?: number): Promise<ApiTokenRevocation | undefined>;
  /**
   * Records a use at `at`, unless one was recorded less than API_TOKEN_TOUCH_INTERVAL_MS before
   * (checked in the store, so instances sharing it write at most once a minute per token together).
   * True when it wrote.
   */
  touch(id: string, at?: number): Promise<boolean>;
  /** Deletes tokens that expired at or before `before`; returns how many. Revoked ones are kept. */
  prune(before: number): Promise<number>;
}

/** Which unique field a new token collided on. */
export type ApiTokenConflict = 'id' | 'name' | 'tokenHash';

export class ApiTokenConflictError extends Error {
  override readonly name = 'ApiTokenConflictError';
  constructor(readonly field: ApiTokenConflict) {
    super(
      field === 'name'
        ? 'A token that is not revoked already has this name (an expired one counts until revoked or pruned).'
        : `A token with this ${field} exists already.`,
    );
  }
}

export const API_TOKEN_TOUCH_INTERVAL_MS = 60 * 1000;
/** Expired tokens stay listed (as expired) this long before `Store.prune` deletes them. */
export const API_TOKEN_EXPIRED_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
