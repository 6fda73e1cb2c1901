/**
 * Input checks and conversions shared by every backend, so all of them reject and store the same
 * things.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AUDIT_OUTCOMES,
  type AuditEntry,
  type AuditQuery,
  DEFAULT_AUDIT_QUERY_LIMIT,
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
  type IdempotencyKeyRef,
  MAX_AUDIT_QUERY_LIMIT,
  type RateLimitRule,
  type StoreOptions,
} from './store-types.js';

export interface ResolvedStoreOptions {
  readonly owner: string;
  readonly idempotencyRetentionMs: number;
  readonly auditRetentionMs: number | undefined;
  readonly now: () => number;
}

export function resolveStoreOptions(options: StoreOptions): ResolvedStoreOptions {
  const retention = options.idempotencyRetentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS;
  checkPositiveInteger('idempotencyRetentionMs', retention);
  if (options.auditRetentionMs !== undefined)
    checkPositiveInteger('auditRetentionMs', options.auditRetentionMs);
  return {
    owner: options.owner ?? createInstanceId(),
    idempotencyRetentionMs: retention,
    auditRetentionMs: options.auditRetentionMs,
    now: options.now ?? Date.now,
  };
}

/** Unique per process start, so a record claimed before a crash never looks like this process's own. */
export function createInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

const MAX_TEXT_LENGTH = 1024;

/** PostgreSQL text cannot hold NUL, and unbounded keys would bloat the primary-key index. */
export function checkText(name: string, value: string): void {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_TEXT_LENGTH ||
    value.includes('\u0000')
  ) {
    throw new RangeError(`${name} must be a string of 1 to ${MAX_TEXT_LENGTH} characters without NUL.`);
  }
}

export function checkKeyRef(ref: IdempotencyKeyRef): void {
  checkText('principal', ref.principal);
  checkText('tool', ref.tool);
  checkText('key', ref.key);
}

export function checkRateLimit(key: string, points: number, rule: RateLimitRule): void {
  checkText('key', key);
  checkPositiveInteger('points', points);
  checkPositiveInteger('limit', rule.limit);
  checkPositiveInteger('windowMs', rule.windowMs);
  if (rule.kind !== 'fixed' && rule.kind !== 'sliding') {
    throw new RangeError(`Rate limit kind must be "fixed" or "sliding", got ${JSON.stringify(rule.kind)}.`);
  }
  // Such a call could never pass; that is a configuration error, not a refusal.
  if (points > rule.limit) {
    throw new RangeError(`A call costing ${points} points can never fit a limit of ${rule.limit}.`);
  }
}

export function checkTtl(ttlMs: number | undefined, fallback: number): number {
  const ttl = ttlMs ?? fallback;
  checkPositiveInteger('ttlMs', ttl);
  return ttl;
}

export function resolveAuditLimit(query: AuditQuery): number {
  const limit = query.limit ?? DEFAULT_AUDIT_QUERY_LIMIT;
  checkPositiveInteger('limit', limit);
  return Math.min(limit, MAX_AUDIT_QUERY_LIMIT);
}

/**
 * The entry as every backend stores it. Text fields lose NUL characters (PostgreSQL refuses them)
 * rather than the entry being lost.
 */
export function normalizeAuditEntry(entry: AuditEntry): AuditEntry & { readonly argumentsJson: string } {
  if (!AUDIT_OUTCOMES.includes(entry.outcome))
    throw new RangeError(`Unknown audit outcome "${entry.outcome}".`);
  if (!Number.isSafeInteger(entry.time)) throw new RangeError(`time must be epoch ms, got ${entry.time}.`);
  if (!Number.isFinite(entry.durationMs) || entry.durationMs < 0) {
    throw new RangeError(`durationMs must be a non-negative number, got ${entry.durationMs}.`);
  }
  const clean = (value: string) => value.replaceAll('\u0000', '\uFFFD');
  return {
    time: entry.time,
    principal: clean(entry.principal),
    ...(entry.client !== undefined && { client: clean(entry.client) }),
    tool: clean(entry.tool),
    arguments: entry.arguments,
    argumentsJson: serializeJson('arguments', entry.arguments),
    ...(entry.idempotencyKey !== undefined && { idempotencyKey: clean(entry.idempotencyKey) }),
    outcome: entry.outcome,
    ...(entry.upstreamStatus !== undefined && { upstreamStatus: entry.upstreamStatus }),
    durationMs: Math.round(entry.durationMs),
  };
}

/** JSON text of a value; refuses what JSON cannot round-trip at the top level (undefined, functions). */
export function serializeJson(what: string, value: unknown): string {
  const text = JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError(`${what} must be JSON-serializable.`);
  return text;
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  }
}
