/**
 * In-process store: for tests and single-instance deployments that may lose idempotency records and
 * the audit log on restart. Same semantics as the database stores, minus durability.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { API_TOKEN_EXPIRED_RETENTION_MS } from './api-token-types.js';
import {
  checkKeyRef,
  checkRateLimit,
  checkText,
  checkTtl,
  normalizeAuditEntry,
  resolveAuditLimit,
  resolveStoreOptions,
  serializeJson,
} from './check-store-input.js';
import { describeExistingClaim } from './describe-existing-claim.js';
import { createFixedWindowLimiters, toLibraryDuration } from './fixed-window-limiters.js';
import { createMemoryApiTokenStore } from './memory-api-tokens.js';
import { openMemoryOAuthStores } from './memory-oauth-store.js';
import { decideSlidingWindow, locateSlidingWindow } from './sliding-window.js';
import type {
  AuditRecord,
  AuditStore,
  ClaimOutcome,
  IdempotencyKeyRef,
  IdempotencyRecord,
  IdempotencyStore,
  RateLimitStore,
  Store,
  StoreOptions,
} from './store-types.js';

export function openMemoryStore(options: StoreOptions = {}): Store {
  const resolved = resolveStoreOptions(options);
  const { now, owner } = resolved;
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new Error('The store is closed.');
  };

  const records = new Map<string, IdempotencyRecord & { readonly resultJson?: string }>();
  const recordKey = (ref: IdempotencyKeyRef) => JSON.stringify([ref.principal, ref.tool, ref.key]);
  const liveRecord = (ref: IdempotencyKeyRef, at: number) => {
    const record = records.get(recordKey(ref));
    return record !== undefined && record.expiresAt > at ? record : undefined;
  };
  const ownClaim = (ref: IdempotencyKeyRef) => {
    const record = records.get(recordKey(ref));
    return record?.state === 'in_progress' && record.owner === owner ? record : undefined;
  };

  const idempotency: IdempotencyStore = {
    async claim(request): Promise<ClaimOutcome> {
      checkOpen();
      checkKeyRef(request);
      checkText('fingerprint', request.fingerprint);
      const ttl = checkTtl(request.ttlMs, resolved.idempotencyRetentionMs);
      const at = now();
      const existing = liveRecord(request, at);
      if (existing !== undefined) return describeExistingClaim(existing, request.fingerprint);
      const record: IdempotencyRecord = {
        principal: request.principal,
        tool: request.tool,
        key: request.key,
        fingerprint: request.fingerprint,
        state: 'in_progress',
        owner,
        claimedAt: at,
        updatedAt: at,
        expiresAt: at + ttl,
      };
      records.set(recordKey(request), record);
      return { kind: 'claimed', claimedAt: at, expiresAt: record.expiresAt };
    },
    async complete(ref, result) {
      checkKeyRef(ref);
      checkOpen();
      const resultJson = serializeJson('result', result);
      const record = ownClaim(ref);
      if (record === undefined) return false;
      records.set(recordKey(ref), { ...record, state: 'completed', updatedAt: now(), resultJson });
      return true;
    },
    async fail(ref) {
      checkKeyRef(ref);
      checkOpen();
      return ownClaim(ref) !== undefined && records.delete(recordKey(ref));
    },
    async markUnknown(ref) {
      checkKeyRef(ref);
      checkOpen();
      const record = ownClaim(ref);
      if (record === undefined) return false;
      records.set(recordKey(ref), { ...record, state: 'outcome_unknown', updatedAt: now() });
      return true;
    },
    async get(ref) {
      checkKeyRef(ref);
      checkOpen();
      const record = liveRecord(ref, now());
      if (record === undefined) return undefined;
      // A copy with the result parsed, as the database stores return it.
      const { resultJson, ...rest } = record;
      return resultJson === undefined ? rest : { ...rest, result: JSON.parse(resultJson) };
    },
    async prune(at = now()) {
      checkOpen();
      let deleted = 0;
      for (const [key, record] of records) {
        if (record.expiresAt <= at) {
          records.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };

  const fixed = createFixedWindowLimiters(
    (spec) =>
      new RateLimiterMemory({
        points: spec.limit,
        duration: toLibraryDuration(spec.windowMs),
        keyPrefix: spec.keyPrefix,
      }),
  );
  const buckets = new Map<string, { points: number; expiresAt: number }>();
  const rateLimits: RateLimitStore = {
    async consume(key, points, rule) {
      checkOpen();
      checkRateLimit(key, points, rule);
      if (rule.kind === 'fixed') return fixed.consume(key, points, rule);
      const at = now();
      const { bucket } = locateSlidingWindow(at, rule.windowMs);
      const prefix = `sliding:${rule.limit}:${rule.windowMs}:${key}:`;
      const previous = buckets.get(prefix + (bucket - 1))?.points ?? 0;
      const current = buckets.get(prefix + bucket)?.points ?? 0;
      const decision = decideSlidingWindow({ now: at, ...rule, points, previous, current });
      if (decision.allowed) {
        buckets.set(prefix + bucket, { points: current + points, expiresAt: (bucket + 2) * rule.windowMs });
      }
      return decision;
    },
    async prune(at = now()) {
      checkOpen();
      // Fixed-window counters expire by themselves inside rate-limiter-flexible.
      let deleted = 0;
      for (const [key, entry] of buckets) {
        if (entry.expiresAt <= at) {
          buckets.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };

  const entries: AuditRecord[] = [];
  let nextAuditId = 1;
  const audit: AuditStore = {
    async append(entry) {
      checkOpen();
      const { argumentsJson, ...normalized } = normalizeAuditEntry(entry);
      const id = nextAuditId++;
      // Kept as a parsed copy, as the databases return it, so callers cannot mutate what was logged.
      entries.push({ ...normalized, arguments: JSON.parse(argumentsJson), id });
      return id;
    },
    async query(query = {}) {
      checkOpen();
      const limit = resolveAuditLimit(query);
      const matches = entries.filter(
        (entry) =>
          (query.since === undefined || entry.time >= query.since) &&
          (query.until === undefined || entry.time < query.until) &&
          (query.tool === undefined || entry.tool === query.tool) &&
          (query.principal === undefined || entry.principal === query.principal) &&
          (query.outcome === undefined || entry.outcome === query.outcome),
      );
      matches.sort((a, b) => b.time - a.time || b.id - a.id);
      return matches.slice(0, limit).map((entry) => structuredClone(entry));
    },
    async prune(before) {
      checkOpen();
      const kept = entries.filter((entry) => entry.time >= before);
      const deleted = entries.length - kept.length;
      entries.splice(0, entries.length, ...kept);
      return deleted;
    },
  };

  const apiTokens = createMemoryApiTokenStore(now, checkOpen);
  const { oauth, credentials } = openMemoryOAuthStores(now, checkOpen);
  return {
    kind: 'memory',
    owner,
    idempotency,
    rateLimits,
    audit,
    apiTokens,
    oauth,
    credentials,
    async ping() {
      checkOpen();
    },
    async prune(at = now()) {
      return {
        idempotency: await idempotency.prune(at),
        rateLimits: await rateLimits.prune(at),
        audit:
          resolved.auditRetentionMs === undefined ? 0 : await audit.prune(at - resolved.auditRetentionMs),
        apiTokens: await apiTokens.prune(at - API_TOKEN_EXPIRED_RETENTION_MS),
        oauth: await oauth.prune(at),
        credentials: await credentials.prune(at),
      };
    },
    async close() {
      closed = true;
    },
  };
}
