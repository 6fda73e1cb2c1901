/**
 * PostgreSQL store: several runtime instances behind a load balancer share one database, and with it
 * idempotency claims, rate-limit counters and the audit log. Every decision is one atomic statement.
 */
import pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
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
import { createPostgresApiTokenStore } from './postgres-api-tokens.js';
import { applyPostgresMigrations, quoteIdentifier } from './postgres-migrations.js';
import { openPostgresOAuthStores } from './postgres-oauth-store.js';
import { decideSlidingWindow, locateSlidingWindow } from './sliding-window.js';
import type {
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  AuditStore,
  ClaimOutcome,
  IdempotencyRecord,
  IdempotencyState,
  IdempotencyStore,
  RateLimitStore,
  Store,
  StoreOptions,
} from './store-types.js';

export interface PostgresStoreOptions extends StoreOptions {
  /** `postgres://user:password@host:port/database` (libpq URL; `?sslmode=...` etc. work). */
  readonly connectionString: string;
  /** Keep the tables in this schema (created if missing) instead of the connection's default. */
  readonly schema?: string;
  /** Connections per instance. Default 10. */
  readonly poolMax?: number;
  /** Errors of idle pooled connections (a restarted server, say); without a listener pg would crash. */
  readonly onPoolError?: (error: Error) => void;
}

interface IdempotencyRow {
  principal: string;
  tool: string;
  key: string;
  fingerprint: string;
  state: IdempotencyState;
  owner: string;
  claimed_at: string;
  updated_at: string;
  expires_at: string;
  result: string | null;
}

interface AuditRow {
  id: string;
  time: string;
  principal: string;
  client: string | null;
  tool: string;
  arguments: unknown;
  idempotency_key: string | null;
  outcome: AuditOutcome;
  upstream_status: number | null;
  duration_ms: number;
}

// A record can vanish between the failed insert and the read (released by `fail`, or pruned): retry.
const CLAIM_ATTEMPTS = 5;

const CLAIM_SQL = `
  INSERT INTO idempotency_records AS r
    (principal, tool, key, fingerprint, state, owner, claimed_at, updated_at, expires_at, result)
  VALUES ($1, $2, $3, $4, 'in_progress', $5, $6, $6, $7, NULL)
  ON CONFLICT (principal, tool, key) DO UPDATE SET
    fingerprint = excluded.fingerprint, state = 'in_progress', owner = excluded.owner,
    claimed_at = excluded.claimed_at, updated_at = excluded.updated_at,
    expires_at = excluded.expires_at, result = NULL
  WHERE r.expires_at <= $6
  RETURNING claimed_at`;

// Adds the points only if the weighted estimate stays within the limit; the conflict branch re-checks
// against the locked row, so concurrent instances cannot both take the last point.
const SLIDING_SQL = `
  WITH previous AS (
    SELECT COALESCE(
      (SELECT points FROM rate_limit_windows WHERE key = $1::text AND bucket = $2::bigint - 1), 0
    ) AS points
  )
  INSERT INTO rate_limit_windows AS w (key, bucket, points, expires_at)
  SELECT $1::text, $2::bigint, $3::integer, $4::bigint FROM previous
  WHERE previous.points * $5::float8 + $3::integer <= $6::integer
  ON CONFLICT (key, bucket) DO UPDATE SET points = w.points + excluded.points
  WHERE (SELECT points FROM previous) * $5::float8 + w.points + excluded.points <= $6::integer
  RETURNING w.points AS current, (SELECT points FROM previous) AS previous`;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const resolved = resolveStoreOptions(options);
  const { now, owner } = resolved;
  const schema = options.schema;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolMax ?? 10,
    application_name: 'spec2mcp',
    ...(schema !== undefined && { options: `-c search_path=${quoteIdentifier(schema).slice(1, -1)}` }),
  });
  pool.on('error', options.onPoolError ?? (() => {}));
  try {
    await applyPostgresMigrations(pool, { ...(schema !== undefined && { schema }), now });
  } catch (error) {
    await pool.end();
    throw error;
  }

  const idempotency: IdempotencyStore = {
    async claim(request): Promise<ClaimOutcome> {
      checkKeyRef(request);
      checkText('fingerprint', request.fingerprint);
      const ttl = checkTtl(request.ttlMs, resolved.idempotencyRetentionMs);
      const { principal, tool, key, fingerprint } = request;
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const at = now();
        // Named statements: parsed and planned once per connection, the hot path of every keyed call.
        const inserted = await pool.query({
          name: 'spec2mcp_claim',
          text: CLAIM_SQL,
          values: [principal, tool, key, fingerprint, owner, at, at + ttl],
        });
        if (inserted.rowCount === 1) return { kind: 'claimed', claimedAt: at, expiresAt: at + ttl };
        const { rows } = await pool.query<IdempotencyRow>(
          'SELECT * FROM idempotency_records WHERE principal = $1 AND tool = $2 AND key = $3 AND expires_at > $4',
          [principal, tool, key, at],
        );
        const row = rows[0];
        if (row !== undefined)
          return describeExistingClaim({ ...toRecordFields(row), resultJson: row.result }, fingerprint);
      }
      throw new Error(`Could not claim idempotency key "${key}": the record kept changing.`);
    },
    async complete(ref, result) {
      checkKeyRef(ref);
      const json = serializeJson('result', result);
      const { rowCount } = await pool.query({
        name: 'spec2mcp_complete',
        text: `UPDATE idempotency_records SET state = 'completed', result = $1, updated_at = $2
         WHERE principal = $3 AND tool = $4 AND key = $5 AND state = 'in_progress' AND owner = $6`,
        values: [json, now(), ref.principal, ref.tool, ref.key, owner],
      });
      return rowCount === 1;
    },
    async fail(ref) {
      checkKeyRef(ref);
      const { rowCount } = await pool.query(
        `DELETE FROM idempotency_records
         WHERE principal = $1 AND tool = $2 AND key = $3 AND state = 'in_progress' AND owner = $4`,
        [ref.principal, ref.tool, ref.key, owner],
      );
      return rowCount === 1;
    },
    async markUnknown(ref) {
      checkKeyRef(ref);
      const { rowCount } = await pool.query(
        `UPDATE idempotency_records SET state = 'outcome_unknown', updated_at = $1
         WHERE principal = $2 AND tool = $3 AND key = $4 AND state = 'in_progress' AND owner = $5`,
        [now(), ref.principal, ref.tool, ref.key, owner],
      );
      return rowCount === 1;
    },
    async get(ref) {
      checkKeyRef(ref);
      const { rows } = await pool.query<IdempotencyRow>(
        'SELECT * FROM idempotency_records WHERE principal = $1 AND tool = $2 AND key = $3 AND expires_at > $4',
        [ref.principal, ref.tool, ref.key, now()],
      );
      const row = rows[0];
      return row === undefined ? undefined : toIdempotencyRecord(row);
    },
    async prune(at = now()) {
      const { rowCount } = await pool.query('DELETE FROM idempotency_records WHERE expires_at <= $1', [at]);
      return rowCount ?? 0;
    },
  };

  const fixed = createFixedWindowLimiters(
    (spec) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: 'rate_limit_counters',
        // The table comes from the migrations; the library's own timer would outlive close().
        tableCreated: true,
        clearExpiredByTimeout: false,
        points: spec.limit,
        duration: toLibraryDuration(spec.windowMs),
        keyPrefix: spec.keyPrefix,
      }),
  );
  const rateLimits: RateLimitStore = {
    async consume(key, points, rule) {
      checkRateLimit(key, points, rule);
      if (rule.kind === 'fixed') return fixed.consume(key, points, rule);
      const at = now();
      const counterKey = `sliding:${rule.limit}:${rule.windowMs}:${key}`;
      const { bucket, previousWeight } = locateSlidingWindow(at, rule.windowMs);
      const expiresAt = (bucket + 2) * rule.windowMs;
      const added = await pool.query<{ current: number; previous: number }>(SLIDING_SQL, [
        counterKey,
        bucket,
        points,
        expiresAt,
        previousWeight,
        rule.limit,
      ]);
      const row = added.rows[0];
      if (row !== undefined) {
        return decideSlidingWindow({
          now: at,
          ...rule,
          points,
          previous: row.previous,
          current: row.current - points,
        });
      }
      // Refused: read both buckets to say how long to wait.
      const { rows } = await pool.query<{ bucket: string; points: number }>(
        'SELECT bucket, points FROM rate_limit_windows WHERE key = $1 AND bucket IN ($2, $3)',
        [counterKey, bucket - 1, bucket],
      );
      const previous = rows.find((r) => Number(r.bucket) === bucket - 1)?.points ?? 0;
      const current = rows.find((r) => Number(r.bucket) === bucket)?.points ?? 0;
      const decision = decideSlidingWindow({ now: at, ...rule, points, previous, current });
      // Another instance may have freed nothing in between; what matters is that this call was refused.
      return decision.allowed ? { allowed: false, remaining: 0, retryAfterMs: 1 } : decision;
    },
    async prune(at = now()) {
      const counters = await pool.query(
        'DELETE FROM rate_limit_counters WHERE expire IS NOT NULL AND expire <= $1',
        [at],
      );
      const windows = await pool.query('DELETE FROM rate_limit_windows WHERE expires_at <= $1', [at]);
      return (counters.rowCount ?? 0) + (windows.rowCount ?? 0);
    },
  };

  const audit: AuditStore = {
    async append(entry) {
      const row = normalizeAuditEntry(entry);
      const { rows } = await pool.query<{ id: string }>({
        name: 'spec2mcp_audit_append',
        text: `INSERT INTO audit_log
           (time, principal, client, tool, arguments, idempotency_key, outcome, upstream_status, duration_ms)
         VALUES ($1, $2, $3, $4, $5::json, $6, $7, $8, $9)
         RETURNING id`,
        values: [
          row.time,
          row.principal,
          row.client ?? null,
          row.tool,
          row.argumentsJson,
          row.idempotencyKey ?? null,
          row.outcome,
          row.upstreamStatus ?? null,
          row.durationMs,
        ],
      });
      return Number(rows[0]?.id);
    },
    async query(query = {}) {
      const limit = resolveAuditLimit(query);
      const { where, values } = buildAuditFilter(query);
      const { rows } = await pool.query<AuditRow>(
        `SELECT * FROM audit_log ${where} ORDER BY time DESC, id DESC LIMIT $${values.length + 1}`,
        [...values, limit],
      );
      return rows.map(toAuditRecord);
    },
    async prune(before) {
      const { rowCount } = await pool.query('DELETE FROM audit_log WHERE time < $1', [before]);
      return rowCount ?? 0;
    },
  };

  let closing: Promise<void> | undefined;
  const apiTokens = createPostgresApiTokenStore(pool, now);
  const { oauth, credentials } = openPostgresOAuthStores(pool, now);
  return {
    kind: 'postgres',
    owner,
    idempotency,
    rateLimits,
    audit,
    apiTokens,
    oauth,
    credentials,
    async ping() {
      await pool.query('SELECT 1');
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
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

function buildAuditFilter(query: AuditQuery): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (column: string, operator: string, value: unknown) => {
    values.push(value);
    clauses.push(`${column} ${operator} $${values.length}`);
  };
  if (query.since !== undefined) add('time', '>=', query.since);
  if (query.until !== undefined) add('time', '<', query.until);
  if (query.tool !== undefined) add('tool', '=', query.tool);
  if (query.principal !== undefined) add('principal', '=', query.principal);
  if (query.outcome !== undefined) add('outcome', '=', query.outcome);
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
    // BIGINT arrives as a string; epoch ms fit a double exactly.
    claimedAt: Number(row.claimed_at),
    updatedAt: Number(row.updated_at),
    expiresAt: Number(row.expires_at),
  };
}

function toIdempotencyRecord(row: IdempotencyRow): IdempotencyRecord {
  const fields = toRecordFields(row);
  return row.result === null ? fields : { ...fields, result: JSON.parse(row.result) };
}

function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: Number(row.id),
    time: Number(row.time),
    principal: row.principal,
    ...(row.client !== null && { client: row.client }),
    tool: row.tool,
    arguments: row.arguments,
    ...(row.idempotency_key !== null && { idempotencyKey: row.idempotency_key }),
    outcome: row.outcome,
    ...(row.upstream_status !== null && { upstreamStatus: row.upstream_status }),
    durationMs: row.duration_ms,
  };
}
