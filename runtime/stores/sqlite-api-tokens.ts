/**
 * API tokens of the SQLite store. Every statement is prepared once here, when the store opens, and
 * kept for the store's life (see open-sqlite-database.ts for why never per call).
 */
import type Database from 'better-sqlite3';
import {
  API_TOKEN_COLUMNS,
  type ApiTokenRow,
  checkEpochMs,
  checkNewApiTokenRecord,
  copyNewApiTokenRecord,
  toApiTokenRecord,
  toApiTokenValues,
} from './api-token-rows.js';
import {
  API_TOKEN_TOUCH_INTERVAL_MS,
  type ApiTokenConflict,
  ApiTokenConflictError,
  type ApiTokenRevocation,
  type ApiTokenStore,
} from './api-token-types.js';
import { checkText } from './check-store-input.js';

export function createSqliteApiTokenStore(db: Database.Database, now: () => number): ApiTokenStore {
  const insert = db.prepare(
    `INSERT INTO api_tokens (${API_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectByHash = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE token_hash = ?');
  const selectById = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE id = ?');
  const selectByName = db.prepare<[string], ApiTokenRow>(
    // The unrevoked one first (at most one), else the latest revocation, to report it as revoked.
    `SELECT * FROM api_tokens WHERE name = ?
     ORDER BY revoked_at IS NOT NULL, revoked_at DESC LIMIT 1`,
  );
  const selectAll = db.prepare<[], ApiTokenRow>('SELECT * FROM api_tokens ORDER BY created_at DESC, id DESC');
  const markRevoked = db.prepare<[number, string], ApiTokenRow>(
    'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
  );
  const markUsed = db.prepare(
    'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)',
  );
  const deleteExpired = db.prepare('DELETE FROM api_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?');

  // One write transaction: another process cannot revoke between the lookup and the update.
  const revokeTransaction = db.transaction((idOrName: string, at: number): ApiTokenRevocation | undefined => {
    const row = selectById.get(idOrName) ?? selectByName.get(idOrName);
    if (row === undefined) return undefined;
    const revoked = markRevoked.get(at, row.id);
    return revoked === undefined
      ? { record: toApiTokenRecord(row), changed: false }
      : { record: toApiTokenRecord(revoked), changed: true };
  });

  return {
    async create(record) {
      checkNewApiTokenRecord(record);
      try {
        insert.run(...toApiTokenValues(record));
      } catch (error) {
        throw toConflictError(error) ?? error;
      }
      return copyNewApiTokenRecord(record);
    },
    async findByHash(tokenHash) {
      const row = selectByHash.get(tokenHash);
      return row === undefined ? undefined : toApiTokenRecord(row);
    },
    async list() {
      return selectAll.all().map(toApiTokenRecord);
    },
    async revoke(idOrName, at = now()) {
      checkText('idOrName', idOrName);
      checkEpochMs('at', at);
      return revokeTransaction.immediate(idOrName, at);
    },
    async touch(id, at = now()) {
      checkEpochMs('at', at);
      return markUsed.run(at, id, at - API_TOKEN_TOUCH_INTERVAL_MS).changes > 0;
    },
    async prune(before) {
      return deleteExpired.run(before).changes;
    },
  };
}

/** SQLite names the columns of a failed UNIQUE constraint: "UNIQUE constraint failed: api_tokens.name". */
function toConflictError(error: unknown): ApiTokenConflictError | undefined {
  if (
    (error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE' &&
    (error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
    return undefined;
  const message = String((error as Error).message);
  const field: ApiTokenConflict = message.includes('api_tokens.name')
    ? 'name'
    : message.includes('api_tokens.token_hash')
      ? 'tokenHash'
      : 'id';
  return new ApiTokenConflictError(field);
}
