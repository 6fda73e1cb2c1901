/**
 * PostgreSQL oauth and credentials sub-stores (tables of migration 3), shared by every instance
 * behind a load balancer: a code consumed or a grant revoked on one is gone on all of them.
 */
import type pg from 'pg';
import {
  checkCredentialRecord,
  checkOAuthKey,
  checkOAuthQuery,
  fromCredentialRow,
  fromOAuthRow,
  toOAuthRow,
} from './check-oauth-input.js';
import { checkText } from './check-store-input.js';
import type { CredentialStore, OAuthStore } from './oauth-store-types.js';

type OAuthSqlRow = Parameters<typeof fromOAuthRow>[0];
type CredentialSqlRow = Parameters<typeof fromCredentialRow>[0];

const UPSERT_SQL = `
  INSERT INTO oauth_records
    (model, id, payload, grant_id, client_id, account_id, uid, user_code, expires_at, consumed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (model, id) DO UPDATE SET
    payload = excluded.payload, grant_id = excluded.grant_id, client_id = excluded.client_id,
    account_id = excluded.account_id, uid = excluded.uid, user_code = excluded.user_code,
    expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`;

// NULL matches every value; COLLATE "C" orders ids by bytes, as SQLite and the memory store do.
const LIST_SQL = `
  SELECT * FROM oauth_records
  WHERE model = $1 AND (expires_at IS NULL OR expires_at > $2)
    AND ($3::text IS NULL OR client_id = $3)
    AND ($4::text IS NULL OR account_id = $4)
    AND ($5::text IS NULL OR grant_id = $5)
  ORDER BY expires_at ASC NULLS LAST, id COLLATE "C"`;

export function openPostgresOAuthStores(
  pool: pg.Pool,
  now: () => number,
): { oauth: OAuthStore; credentials: CredentialStore } {
  const selectOne = async (where: string, values: unknown[]) => {
    const { rows } = await pool.query<OAuthSqlRow>(
      `SELECT * FROM oauth_records WHERE ${where} AND (expires_at IS NULL OR expires_at > $${values.length + 1}) LIMIT 1`,
      [...values, now()],
    );
    const row = rows[0];
    return row === undefined ? undefined : fromOAuthRow(row);
  };

  const oauth: OAuthStore = {
    async upsert(record) {
      const row = toOAuthRow(record);
      await pool.query(UPSERT_SQL, [
        row.model,
        row.id,
        row.payloadJson,
        row.grantId,
        row.clientId,
        row.accountId,
        row.uid,
        row.userCode,
        row.expiresAt,
        row.consumedAt,
      ]);
    },
    async find(model, id) {
      checkOAuthKey(model, id);
      return selectOne('model = $1 AND id = $2', [model, id]);
    },
    async findByUid(model, uid) {
      checkText('model', model);
      checkText('uid', uid);
      return selectOne('model = $1 AND uid = $2', [model, uid]);
    },
    async findByUserCode(model, userCode) {
      checkText('model', model);
      checkText('userCode', userCode);
      return selectOne('model = $1 AND user_code = $2', [model, userCode]);
    },
    async consume(model, id, when = now()) {
      checkOAuthKey(model, id);
      const { rowCount } = await pool.query(
        `UPDATE oauth_records SET consumed_at = $3
         WHERE model = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $4)`,
        [model, id, when, now()],
      );
      return (rowCount ?? 0) > 0;
    },
    async touch(model, id, when = now()) {
      checkOAuthKey(model, id);
      const { rowCount } = await pool.query(
        `UPDATE oauth_records SET last_used_at = $3
         WHERE model = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $4)`,
        [model, id, when, now()],
      );
      return (rowCount ?? 0) > 0;
    },
    async destroy(model, id) {
      checkOAuthKey(model, id);
      const { rowCount } = await pool.query('DELETE FROM oauth_records WHERE model = $1 AND id = $2', [
        model,
        id,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async revokeGrant(grantId, models) {
      checkText('grantId', grantId);
      const { rowCount } =
        models === undefined
          ? await pool.query('DELETE FROM oauth_records WHERE grant_id = $1', [grantId])
          : await pool.query('DELETE FROM oauth_records WHERE grant_id = $1 AND model = ANY($2::text[])', [
              grantId,
              [...models],
            ]);
      return rowCount ?? 0;
    },
    async list(query) {
      checkOAuthQuery(query);
      const { rows } = await pool.query<OAuthSqlRow>(LIST_SQL, [
        query.model,
        now(),
        query.clientId ?? null,
        query.accountId ?? null,
        query.grantId ?? null,
      ]);
      return rows.map(fromOAuthRow);
    },
    async prune(at = now()) {
      const { rowCount } = await pool.query(
        'DELETE FROM oauth_records WHERE expires_at IS NOT NULL AND expires_at <= $1',
        [at],
      );
      return rowCount ?? 0;
    },
  };

  const credentials: CredentialStore = {
    async replace(record) {
      checkCredentialRecord(record);
      // owner is UNIQUE: the owner's previous credential is replaced in the same statement.
      await pool.query(
        `INSERT INTO user_credentials (ref, owner, ciphertext, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (owner) DO UPDATE SET
           ref = excluded.ref, ciphertext = excluded.ciphertext,
           created_at = excluded.created_at, expires_at = excluded.expires_at`,
        [record.ref, record.owner, record.ciphertext, record.createdAt, record.expiresAt ?? null],
      );
    },
    async get(ref) {
      checkText('ref', ref);
      const { rows } = await pool.query<CredentialSqlRow>(
        'SELECT * FROM user_credentials WHERE ref = $1 AND (expires_at IS NULL OR expires_at > $2)',
        [ref, now()],
      );
      const row = rows[0];
      return row === undefined ? undefined : fromCredentialRow(row);
    },
    async delete(ref) {
      checkText('ref', ref);
      const { rowCount } = await pool.query('DELETE FROM user_credentials WHERE ref = $1', [ref]);
      return (rowCount ?? 0) > 0;
    },
    async prune(at = now()) {
      const { rowCount } = await pool.query(
        'DELETE FROM user_credentials WHERE expires_at IS NOT NULL AND expires_at <= $1',
        [at],
      );
      return rowCount ?? 0;
    },
  };
  return { oauth, credentials };
}
