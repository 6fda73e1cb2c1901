/**
 * API tokens of the PostgreSQL store: every instance behind the load balancer reads the same rows,
 * so a revocation on one is seen by the next request on any.
 */
import type pg from 'pg';
import {
  API_TOKEN_COLUMNS,
  type ApiTokenRow,
  checkEpochMs,
  checkNewApiTokenRecord,
  copyNewApiTokenRecord,
  toApiTokenRecord,
  toApiTokenValues,
} from './api-token-rows.js';
import { API_TOKEN_TOUCH_INTERVAL_MS, ApiTokenConflictError, type ApiTokenStore } from './api-token-types.js';
import { checkText } from './check-store-input.js';

/** Constraint names from the migration, to say which field a new token collided on. */
const CONFLICT_FIELDS = {
  api_tokens_pkey: 'id',
  api_tokens_token_hash_key: 'tokenHash',
  api_tokens_active_name: 'name',
} as const;

const REVOKE_SQL = (column: 'id' | 'name') =>
  `UPDATE api_tokens SET revoked_at = $2 WHERE ${column} = $1 AND revoked_at IS NULL RETURNING *`;

export function createPostgresApiTokenStore(pool: pg.Pool, now: () => number): ApiTokenStore {
  const one = async (text: string, values: unknown[]) =>
    (await pool.query<ApiTokenRow>(text, values)).rows[0];

  return {
    async create(record) {
      checkNewApiTokenRecord(record);
      try {
        await pool.query(
          `INSERT INTO api_tokens (${API_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          toApiTokenValues(record),
        );
      } catch (error) {
        const { code, constraint } = error as { code?: string; constraint?: string };
        const field = CONFLICT_FIELDS[constraint as keyof typeof CONFLICT_FIELDS];
        if (code === '23505' && field !== undefined) throw new ApiTokenConflictError(field);
        throw error;
      }
      return copyNewApiTokenRecord(record);
    },
    async findByHash(tokenHash) {
      // The verifier's per-request lookup: one indexed read, named so each connection parses it once.
      const { rows } = await pool.query<ApiTokenRow>({
        name: 'api_tokens_find_by_hash',
        text: 'SELECT * FROM api_tokens WHERE token_hash = $1',
        values: [tokenHash],
      });
      const row = rows[0];
      return row === undefined ? undefined : toApiTokenRecord(row);
    },
    async list() {
      const { rows } = await pool.query<ApiTokenRow>(
        'SELECT * FROM api_tokens ORDER BY created_at DESC, id DESC',
      );
      return rows.map(toApiTokenRecord);
    },
    async revoke(idOrName, at = now()) {
      checkText('idOrName', idOrName);
      checkEpochMs('at', at);
      // Each step is atomic on its own: a revocation by another instance in between shows up as
      // "already revoked" in the read that follows, which is what it is.
      const byId = await one(REVOKE_SQL('id'), [idOrName, at]);
      if (byId !== undefined) return { record: toApiTokenRecord(byId), changed: true };
      const existingId = await one('SELECT * FROM api_tokens WHERE id = $1', [idOrName]);
      if (existingId !== undefined) return { record: toApiTokenRecord(existingId), changed: false };
      const byName = await one(REVOKE_SQL('name'), [idOrName, at]);
      if (byName !== undefined) return { record: toApiTokenRecord(byName), changed: true };
      const revokedName = await one(
        'SELECT * FROM api_tokens WHERE name = $1 ORDER BY revoked_at DESC NULLS LAST LIMIT 1',
        [idOrName],
      );
      return revokedName === undefined
        ? undefined
        : { record: toApiTokenRecord(revokedName), changed: false };
    },
    async touch(id, at = now()) {
      checkEpochMs('at', at);
      const { rowCount } = await pool.query(
        'UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)',
        [at, id, at - API_TOKEN_TOUCH_INTERVAL_MS],
      );
      return rowCount === 1;
    },
    async prune(before) {
      const { rowCount } = await pool.query(
        'DELETE FROM api_tokens WHERE expires_at IS NOT NULL AND expires_at <= $1',
        [before],
      );
      return rowCount ?? 0;
    },
  };
}
