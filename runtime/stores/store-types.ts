/**
 * The storage contract of the runtime: idempotency records, rate-limit counters and the audit log.
 * Every backend (memory, SQLite, PostgreSQL) implements the same interfaces with the same semantics,
 * checked by one contract suite (test/stores/store-contract.test.ts). All methods are async because
 * PostgreSQL is.
 */
import type { ApiTokenStore } from './api-token-types.js';
import type { CredentialStore, OAuthStore } from './oauth-store-types.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/** Identifies one idempotency record. Keys are scoped per principal and tool, never global. */
export interface IdempotencyKeyRef {
  /** Who called: the token subject or API-token id. */
  readonly principal: string;
  readonly tool: string;
  /** The client's idempotency key. */
  readonly key: string;
}

export interface ClaimRequest extends IdempotencyKeyRef {
  /** Hash of the canonical arguments; the same key with another fingerprint is a conflict. */
  readonly fingerprint: string;
  /** How long the record is kept from the claim on. Default: the store's retention (24 h). */
  readonly ttlMs?: number;
}

/**
 * - `in_progress`: claimed, the upstream call has not finished (or the claiming process died).
 * - `completed`: the result is stored and replayed to retries.
 * - `outcome_unknown`: the request may have reached the upstream but no answer came back; a retry
 *   must not send again.
 */
export type IdempotencyState = 'in_progress' | 'completed' | 'outcome_unknown';

export interface IdempotencyRecord extends IdempotencyKeyRef {
  readonly fingerprint: string;
  readonly state: IdempotencyState;
  /** Instance id of the store that claimed the record (see `Store.owner`). */
  readonly owner: string;
  /** Epoch ms of the claim. */
  readonly claimedAt: number;
  /** Epoch ms of the last state change (the claim, completion or `markUnknown`). */
  readonly updatedAt: number;
  /** Epoch ms after which the record counts as absent and `prune` deletes it. */
  readonly expiresAt: number;
  /** The stored result; present only when `state` is `completed`. */
  readonly result?: unknown;
}

export type ClaimOutcome =
  /** This caller owns the key and may send upstream; the claim is durable already. */
  | { readonly kind: 'claimed'; readonly claimedAt: number; readonly expiresAt: number }
  /** A previous call with the same arguments finished: answer with its result. */
  | { readonly kind: 'replay'; readonly result: unknown; readonly completedAt: number }
  /** The key was used with other arguments (422 semantics). */
  | { readonly kind: 'conflict'; readonly reason: 'fingerprint_mismatch' }
  /**
   * Another call holds the key (409 semantics after a bounded wait). If `owner` is no longer
   * running, the process died mid-call and the outcome is unknown.
   */
  | { readonly kind: 'in_progress'; readonly claimedAt: number; readonly owner: string }
  /** A previous call may or may not have reached the upstream; never send again. */
  | {
      readonly kind: 'outcome_unknown';
      readonly claimedAt: number;
      readonly markedAt: number;
      readonly owner: string;
    };

export interface IdempotencyStore {
  /**
   * Atomically claims the key, or reports what holds it. The claim is committed before this returns,
   * so the caller may send upstream; across instances sharing a database exactly one caller wins.
   * An expired record counts as absent and is replaced.
   */
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /** Stores the result of this instance's claim (JSON-serializable). False if it holds no such claim. */
  complete(ref: IdempotencyKeyRef, result: unknown): Promise<boolean>;
  /** Releases this instance's claim when nothing was sent upstream, so a retry can proceed. */
  fail(ref: IdempotencyKeyRef): Promise<boolean>;
  /** The upstream call may have happened but its outcome is unknown: retries must not send again. */
  markUnknown(ref: IdempotencyKeyRef): Promise<boolean>;
  /** The live (unexpired) record, if any. */
  get(ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined>;
  /** Deletes records whose retention ended at or before `now` (default: the store's clock). */
  prune(now?: number): Promise<number>;
}

export type RateLimitWindowKind = 'fixed' | 'sliding';

export interface RateLimitRule {
  /** Points allowed per window (a positive integer). */
  readonly limit: number;
  /** Window length in ms (a positive integer). */
  readonly windowMs: number;
  /**
   * `fixed`: a counter that resets `windowMs` after the key's first hit (rate-limiter-flexible).
   * `sliding`: the previous window's count weighted by its remaining overlap plus the current one's.
   */
  readonly kind: RateLimitWindowKind;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Points still available in the window after this call (0 when refused). */
  readonly remaining: number;
  /** When refused, how long until the same call would be allowed; 0 when allowed. */
  readonly retryAfterMs: number;
}

export interface RateLimitStore {
  /**
   * Counts `points` against `key` under `rule`. Counters are per (rule, key): the same key under two
   * rules has two counters. Refused sliding-window calls do not count; refused fixed-window calls do
   * (rate-limiter-flexible's semantics), which only matters within the window that refused them.
   */
  consume(key: string, points: number, rule: RateLimitRule): Promise<RateLimitDecision>;
  /** Deletes counters whose window ended at or before `now`. */
  prune(now?: number): Promise<number>;
}

/** How a tool call ended, for the audit log. */
export type AuditOutcome =
  | 'succeeded'
  | 'failed'
  | 'replayed'
  | 'conflict'
  | 'in_progress'
  | 'outcome_unknown'
  | 'rate_limited'
  | 'rejected';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = [
  'succeeded',
  'failed',
  'replayed',
  'conflict',
  'in_progress',
  'outcome_unknown',
  'rate_limited',
  'rejected',
];

export interface AuditEntry {
  /** Epoch ms when the call started. */
  readonly time: number;
  readonly principal: string;
  /** OAuth client id or API-token id, when known. */
  readonly client?: string;
  readonly tool: string;
  /** The call's arguments, already redacted by the caller; stored as JSON. */
  readonly arguments: unknown;
  readonly idempotencyKey?: string;
  readonly outcome: AuditOutcome;
  /** HTTP status of the upstream answer, when there was one. */
  readonly upstreamStatus?: number;
  readonly durationMs: number;
}

export interface AuditRecord extends AuditEntry {
  /** Increasing per store; ties in `time` are ordered by it. */
  readonly id: number;
}

export interface AuditQuery {
  /** Inclusive epoch ms. */
  readonly since?: number;
  /** Exclusive epoch ms. */
  readonly until?: number;
  readonly tool?: string;
  readonly principal?: string;
  readonly outcome?: AuditOutcome;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
}

export interface AuditStore {
  /** Appends one entry; returns its id. */
  append(entry: AuditEntry): Promise<number>;
  /** Matching entries, newest first. */
  query(query?: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes entries older than `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
}

export interface PruneCounts {
  readonly idempotency: number;
  readonly rateLimits: number;
  readonly audit: number;
  /** Tokens expired more than API_TOKEN_EXPIRED_RETENTION_MS ago. */
  readonly apiTokens: number;
  /** Expired records of the embedded authorization server (codes, tokens, grants, sessions). */
  readonly oauth: number;
  /** Expired encrypted user credentials. */
  readonly credentials: number;
}

export interface Store {
  readonly kind: StoreKind;
  /** This instance's id, recorded as the owner of its idempotency claims. Unique per process start. */
  readonly owner: string;
  readonly idempotency: IdempotencyStore;
  readonly rateLimits: RateLimitStore;
  readonly audit: AuditStore;
  readonly apiTokens: ApiTokenStore;
  /** Records of the embedded OAuth authorization server (oidc-provider's adapter). */
  readonly oauth: OAuthStore;
  /** Users' upstream credentials, encrypted by the CredentialVault. */
  readonly credentials: CredentialStore;
  /** Throws when the backing database cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  /**
   * Expired idempotency records and counters; audit entries past the audit retention, if one is set;
   * API tokens expired more than API_TOKEN_EXPIRED_RETENTION_MS ago; expired oauth records and credentials.
   */
  prune(now?: number): Promise<PruneCounts>;
  /** Releases connections and timers; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Options every backend takes. */
export interface StoreOptions {
  /** Instance id recorded on claims. Default: host name, pid and a random suffix. */
  readonly owner?: string;
  /** Default retention of idempotency records in ms. Default 24 h. */
  readonly idempotencyRetentionMs?: number;
  /** Audit entries older than this are pruned by `Store.prune`. Default: kept forever. */
  readonly auditRetentionMs?: number;
  /** Clock in epoch ms (tests move it). Rate limits of kind `fixed` use the system clock. */
  readonly now?: () => number;
}

export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_AUDIT_QUERY_LIMIT = 100;
export const MAX_AUDIT_QUERY_LIMIT = 10_000;
