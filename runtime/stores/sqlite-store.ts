/**
 * SQLite store (the embedded default): one better-sqlite3 connection per store. Several processes
 * may share the file; claims use a write transaction so exactly one of them wins a key.
 */
import type Database from 'better-sqlite3';
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
import { type OpenSqliteDatabaseOptions, openSqliteDatabase } from './open-sqlite-database.js';
import { decideSlidingWindow, locateSlidingWindow } from './sliding-window.js';
import { createSqliteApiTokenStore } from './sqlite-api-tokens.js';
import { applySqliteMigrations } from './sqlite-migrations.js';
import { openSqliteOAuthStores } from './sqlite-oauth-store.js';
import type {
  AuditOutcome,
  AuditRecord,
  AuditStore,
  ClaimOutcome,
  IdempotencyKeyRef,
  IdempotencyRecord,
  IdempotencyState,
  IdempotencyStore,
  RateLimitDecision,
  RateLimitStore,
  Store,
  StoreOptions,
} from './store-types.js';

export interface SqliteStoreOptions extends StoreOptions, OpenSqliteDatabaseOptions {
  /** Database file (its folder is created), or `:memory:`. */
  readonly file: string;
}

interface ClaimParams {
  principal: string;
  tool: string;
  key: string;
  fingerprint: string;
  owner: string;
  at: number;
  expiresAt: number;
}

interface CounterParams {
  key: string;
  points: number;
  expire: number;
  at: number;
}

interface IdempotencyRow {
  principal: string;
  tool: string;
  key: string;
  fingerprint: string;
  state: IdempotencyState;
  owner: string;
  claimed_at: number;
  updated_at: number;
  expires_at: number;
  result: string | null;
}

interface AuditRow {
  id: number;
  time: number;
  principal: string;
  client: string | null;
  tool: string;
  arguments: string;
  idempotency_key: string | null;
  outcome: AuditOutcome;
  upstream_status: number | null;
  duration_ms: number;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const resolved = resolveStoreOptions(options);
  const { now, owner } = resolved;
  const db = openSqliteDatabase(options.file, options);
  try {
    applySqliteMigrations(db, undefined, now);
  } catch (error) {
    db.close();
    throw error;
  }

  const claimInsert = db.prepare<[ClaimParams], { claimed_at: number }>(
    `INSERT INTO idempotency_records AS r
       (principal, tool, key, fingerprint, state, owner, claimed_at, updated_at, expires_at, result)
     VALUES (@principal, @tool, @key, @fingerprint, 'in_progress', @owner, @at, @at, @expiresAt, NULL)
     ON CONFLICT (principal, tool, key) DO UPDATE SET
       fingerprint = excluded.fingerprint, state = 'in_progress', owner = excluded.owner,
       claimed_at = excluded.claimed_at, updated_at = excluded.updated_at,
       expires_at = excluded.expires_at, result = NULL
     WHERE r.expires_at <= @at
     RETURNING claimed_at`,
  );
  const selectRecord = db.prepare<[string, string, string, number], IdempotencyRow>(
    'SELECT * FROM idempotency_records WHERE principal = ? AND tool = ? AND key = ? AND expires_at > ?',
  );
  const completeClaim = db.prepare(
    `UPDATE idempotency_records SET state = 'completed', result = ?, updated_at = ?
     WHERE principal = ? AND tool = ? AND key = ? AND state = 'in_progress' AND owner = ?`,
  );
  const releaseClaim = db.prepare(
    `DELETE FROM idempotency_records
     WHERE principal = ? AND tool = ? AND key = ? AND state = 'in_progress' AND owner = ?`,
  );
  const markClaimUnknown = db.prepare(
    `UPDATE idempotency_records SET state = 'outcome_unknown', updated_at = ?
     WHERE principal = ? AND tool = ? AND key = ? AND state = 'in_progress' AND owner = ?`,
  );
  const pruneRecords = db.prepare('DELETE FROM idempotency_records WHERE expires_at <= ?');

  // An expired record is replaced in the same statement, so two claimers of it still see one winner.
  const claimTransaction = db.transaction(
    (request: IdempotencyKeyRef & { fingerprint: string }, ttl: number) => {
      const at = now();
      const { principal, tool, key, fingerprint } = request;
      if (
        claimInsert.get({ principal, tool, key, fingerprint, owner, at, expiresAt: at + ttl }) !== undefined
      ) {
        return { kind: 'claimed', claimedAt: at, expiresAt: at + ttl } as const;
      }
      const row = selectRecord.get(principal, tool, key, at);
      if (row === undefined) throw new Error('Idempotency record vanished inside a write transaction.');
      return describeExistingClaim({ ...toRecordFields(row), resultJson: row.result }, fingerprint);
    },
  );

  const idempotency: IdempotencyStore = {
    async claim(request): Promise<ClaimOutcome> {
      checkKeyRef(request);
      checkText('fingerprint', request.fingerprint);
      const ttl = checkTtl(request.ttlMs, resolved.idempotencyRetentionMs);
      return claimTransaction.immediate(request, ttl);
    },
    async complete(ref, result) {
      checkKeyRef(ref);
      const json = serializeJson('result', result);
      return completeClaim.run(json, now(), ref.principal, ref.tool, ref.key, owner).changes > 0;
    },
    async fail(ref) {
      checkKeyRef(ref);
      return releaseClaim.run(ref.principal, ref.tool, ref.key, owner).changes > 0;
    },
    async markUnknown(ref) {
      checkKeyRef(ref);
      return markClaimUnknown.run(now(), ref.principal, ref.tool, ref.key, owner).changes > 0;
    },
    async get(ref) {
      checkKeyRef(ref);
      const row = selectRecord.get(ref.principal, ref.tool, ref.key, now());
      return row === undefined ? undefined : toIdempotencyRecord(row);
    },
    async prune(at = now()) {
      return pruneRecords.run(at).changes;
    },
  };

  // rate-limiter-flexible's RateLimiterSQLite prepares a statement on every call, which Node.js 24 can
  // crash on (see open-sqlite-database.ts); this is its fixed window, on the same table and semantics.
  const addToCounter = db.prepare<[CounterParams], { points: number; expire: number }>(
    `INSERT INTO rate_limit_counters (key, points, expire) VALUES (@key, @points, @expire)
     ON CONFLICT (key) DO UPDATE SET
       points = CASE WHEN expire <= @at THEN excluded.points ELSE points + excluded.points END,
       expire = CASE WHEN expire <= @at THEN excluded.expire ELSE expire END
     RETURNING points, expire`,
  );
  const consumeFixed = (key: string, points: number, limit: number, windowMs: number): RateLimitDecision => {
    const at = Date.now();
    const row = addToCounter.get({ key, points, expire: at + windowMs, at });
    if (row === undefined) throw new Error('The rate-limit counter upsert returned no row.');
    if (row.points <= limit) return { allowed: true, remaining: limit - row.points, retryAfterMs: 0 };
    return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, row.expire - at) };
  };
  const selectBuckets = db.prepare<[string, number, number], { bucket: number; points: number }>(
    'SELECT bucket, points FROM rate_limit_windows WHERE key = ? AND bucket IN (?, ?)',
  );
  const addToBucket = db.prepare(
    `INSERT INTO rate_limit_windows (key, bucket, points, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key, bucket) DO UPDATE SET points = points + excluded.points`,
  );
  const consumeSliding = db.transaction((key: string, points: number, limit: number, windowMs: number) => {
    const at = now();
    const { bucket } = locateSlidingWindow(at, windowMs);
    const counted = selectBuckets.all(key, bucket - 1, bucket);
    const previous = counted.find((row) => row.bucket === bucket - 1)?.points ?? 0;
    const current = counted.find((row) => row.bucket === bucket)?.points ?? 0;
    const decision = decideSlidingWindow({ now: at, windowMs, limit, points, previous, current });
    if (decision.allowed) addToBucket.run(key, bucket, points, (bucket + 2) * windowMs);
    return decision;
  });
  const pruneCounters = db.prepare(
    'DELETE FROM rate_limit_counters WHERE expire IS NOT NULL AND expire <= ?',
  );
  const pruneWindows = db.prepare('DELETE FROM rate_limit_windows WHERE expires_at <= ?');

  const rateLimits: RateLimitStore = {
    async consume(key, points, rule) {
      checkRateLimit(key, points, rule);
      if (rule.kind === 'fixed') {
        return consumeFixed(`fixed:${rule.limit}:${rule.windowMs}:${key}`, points, rule.limit, rule.windowMs);
      }
      return consumeSliding.immediate(
        `sliding:${rule.limit}:${rule.windowMs}:${key}`,
        points,
        rule.limit,
        rule.windowMs,
      );
    },
    async prune(at = now()) {
      return pruneCounters.run(at).changes + pruneWindows.run(at).changes;
    },
  };

  const insertAudit = db.prepare(
    `INSERT INTO audit_log
       (time, principal, client, tool, arguments, idempotency_key, outcome, upstream_status, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const pruneAudit = db.prepare('DELETE FROM audit_log WHERE time < ?');
  // One statement per filter combination (at most 32), prepared once: see open-sqlite-database.ts.
  const auditQueries = new Map<string, Database.Statement<unknown[], AuditRow>>();
  const audit: AuditStore = {
    async append(entry) {
      const row = normalizeAuditEntry(entry);
      const info = insertAudit.run(
        row.time,
        row.principal,
        row.client ?? null,
        row.tool,
        row.argumentsJson,
        row.idempotencyKey ?? null,
        row.outcome,
        row.upstreamStatus ?? null,
        row.durationMs,
      );
      return Number(info.lastInsertRowid);
    },
    async query(query = {}) {
      const limit = resolveAuditLimit(query);
      const { where, values } = buildAuditFilter(query);
      let statement = auditQueries.get(where);
      if (statement === undefined) {
        statement = db.prepare<unknown[], AuditRow>(
          `SELECT * FROM audit_log ${where} ORDER BY time DESC, id DESC LIMIT ?`,
        );
        auditQueries.set(where, statement);
      }
      const rows = statement.all(...values, limit);
      return rows.map(toAuditRecord);
    },
    async prune(before) {
      return pruneAudit.run(before).changes;
    },
  };

  const selectOne = db.prepare('SELECT 1');
  const apiTokens = createSqliteApiTokenStore(db, now);
  const { oauth, credentials } = openSqliteOAuthStores(db, now);
  return {
    kind: 'sqlite',
    owner,
    idempotency,
    rateLimits,
    audit,
    apiTokens,
    oauth,
    credentials,
    async ping() {
      selectOne.get();
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
      if (db.open) db.close();
    },
  };
}

function buildAuditFilter(query: {
  readonly since?: number;
  readonly until?: number;
  readonly tool?: string;
  readonly principal?: string;
  readonly outcome?: AuditOutcome;
}): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    clauses.push(clause);
    values.push(value);
  };
  if (query.since !== undefined) add('time >= ?', query.since);
  if (query.until !== undefined) add('time < ?', query.until);
  if (query.tool !== undefined) add('tool = ?', query.tool);
  if (query.principal !== undefined) add('principal = ?', query.principal);
  if (query.outcome !== undefined) add('outcome = ?', query.outcome);
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, values };
}

function toRecordFields(row: IdempotencyRow) {
  return {
    principal: row.principal,
    tool: row.tool,
    key: row.key,
    fingerprint: row.fingerprint,
    state: row.state,
    owner: row.owner,
    claimedAt: row.claimed_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

function toIdempotencyRecord(row: IdempotencyRow): IdempotencyRecord {
  const fields = toRecordFields(row);
  return row.result === null ? fields : { ...fields, result: JSON.parse(row.result) };
}

function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    time: row.time,
    principal: row.principal,
    ...(row.client !== null && { client: row.client }),
    tool: row.tool,
    arguments: JSON.parse(row.arguments),
    ...(row.idempotency_key !== null && { idempotencyKey: row.idempotency_key }),
    outcome: row.outcome,
    ...(row.upstream_status !== null && { upstreamStatus: row.upstream_status }),
    durationMs: row.duration_ms,
  };
}
