/**
 * SQLite oauth and credentials sub-stores (tables of migration 3). Every statement is prepared here
 * once, never per call: see open-sqlite-database.ts.
 */
import type Database from 'better-sqlite3';
import {
  checkCredentialRecord,
  checkOAuthKey,
  checkOAuthQuery,
  fromCredentialRow,
  fromOAuthRow,
  type OAuthRow,
  toOAuthRow,
} from './check-oauth-input.js';
import { checkText } from './check-store-input.js';
import type { CredentialStore, OAuthStore } from './oauth-store-types.js';

type OAuthSqlRow = Parameters<typeof fromOAuthRow>[0];
type CredentialSqlRow = Parameters<typeof fromCredentialRow>[0];

const LIVE = '(expires_at IS NULL OR expires_at > @at)';

export function openSqliteOAuthStores(
  db: Database.Database,
  now: () => number,
): { oauth: OAuthStore; credentials: CredentialStore } {
  const upsertRecord = db.prepare<[OAuthRow]>(
    `INSERT INTO oauth_records
       (model, id, payload, grant_id, client_id, account_id, uid, user_code, expires_at, consumed_at)
     VALUES (@model, @id, @payloadJson, @grantId, @clientId, @accountId, @uid, @userCode, @expiresAt, @consumedAt)
     ON CONFLICT (model, id) DO UPDATE SET
       payload = excluded.payload, grant_id = excluded.grant_id, client_id = excluded.client_id,
       account_id = excluded.account_id, uid = excluded.uid, user_code = excluded.user_code,
       expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`,
  );
  const selectRecord = db.prepare<[{ model: string; id: string; at: number }], OAuthSqlRow>(
    `SELECT * FROM oauth_records WHERE model = @model AND id = @id AND ${LIVE}`,
  );
  const selectByUid = db.prepare<[{ model: string; value: string; at: number }], OAuthSqlRow>(
    `SELECT * FROM oauth_records WHERE model = @model AND uid = @value AND ${LIVE} LIMIT 1`,
  );
  const selectByUserCode = db.prepare<[{ model: string; value: string; at: number }], OAuthSqlRow>(
    `SELECT * FROM oauth_records WHERE model = @model AND user_code = @value AND ${LIVE} LIMIT 1`,
  );
  const consumeRecord = db.prepare<[{ model: string; id: string; at: number; when: number }]>(
    `UPDATE oauth_records SET consumed_at = @when WHERE model = @model AND id = @id AND ${LIVE}`,
  );
  const touchRecord = db.prepare<[{ model: string; id: string; at: number; when: number }]>(
    `UPDATE oauth_records SET last_used_at = @when WHERE model = @model AND id = @id AND ${LIVE}`,
  );
  const deleteRecord = db.prepare<[string, string]>('DELETE FROM oauth_records WHERE model = ? AND id = ?');
  const deleteGrant = db.prepare<[string]>('DELETE FROM oauth_records WHERE grant_id = ?');
  const deleteGrantModel = db.prepare<[string, string]>(
    'DELETE FROM oauth_records WHERE grant_id = ? AND model = ?',
  );
  // NULL matches every value: one statement serves every filter combination.
  const listRecords = db.prepare<
    [
      {
        model: string;
        clientId: string | null;
        accountId: string | null;
        grantId: string | null;
        at: number;
      },
    ],
    OAuthSqlRow
  >(
    `SELECT * FROM oauth_records
     WHERE model = @model AND ${LIVE}
       AND (@clientId IS NULL OR client_id = @clientId)
       AND (@accountId IS NULL OR account_id = @accountId)
       AND (@grantId IS NULL OR grant_id = @grantId)
     ORDER BY expires_at IS NULL, expires_at, id`,
  );
  const pruneRecords = db.prepare<[number]>(
    'DELETE FROM oauth_records WHERE expires_at IS NOT NULL AND expires_at <= ?',
  );
  const revokeModels = db.transaction((grantId: string, models: readonly string[]) => {
    let deleted = 0;
    for (const model of models) deleted += deleteGrantModel.run(grantId, model).changes;
    return deleted;
  });

  const oauth: OAuthStore = {
    async upsert(record) {
      upsertRecord.run(toOAuthRow(record));
    },
    async find(model, id) {
      checkOAuthKey(model, id);
      const row = selectRecord.get({ model, id, at: now() });
      return row === undefined ? undefined : fromOAuthRow(row);
    },
    async findByUid(model, uid) {
      checkText('model', model);
      checkText('uid', uid);
      const row = selectByUid.get({ model, value: uid, at: now() });
      return row === undefined ? undefined : fromOAuthRow(row);
    },
    async findByUserCode(model, userCode) {
      checkText('model', model);
      checkText('userCode', userCode);
      const row = selectByUserCode.get({ model, value: userCode, at: now() });
      return row === undefined ? undefined : fromOAuthRow(row);
    },
    async consume(model, id, when = now()) {
      checkOAuthKey(model, id);
      return consumeRecord.run({ model, id, at: now(), when }).changes > 0;
    },
    async touch(model, id, when = now()) {
      checkOAuthKey(model, id);
      return touchRecord.run({ model, id, at: now(), when }).changes > 0;
    },
    async destroy(model, id) {
      checkOAuthKey(model, id);
      return deleteRecord.run(model, id).changes > 0;
    },
    async revokeGrant(grantId, models) {
      checkText('grantId', grantId);
      if (models === undefined) return deleteGrant.run(grantId).changes;
      return revokeModels.immediate(grantId, models);
    },
    async list(query) {
      checkOAuthQuery(query);
      const rows = listRecords.all({
        model: query.model,
        clientId: query.clientId ?? null,
        accountId: query.accountId ?? null,
        grantId: query.grantId ?? null,
        at: now(),
      });
      return rows.map(fromOAuthRow);
    },
    async prune(at = now()) {
      return pruneRecords.run(at).changes;
    },
  };

  // The owner's previous credential is replaced in the same statement (owner is UNIQUE).
  const replaceCredential = db.prepare<[CredentialSqlRow]>(
    `INSERT INTO user_credentials (ref, owner, ciphertext, created_at, expires_at)
     VALUES (@ref, @owner, @ciphertext, @created_at, @expires_at)
     ON CONFLICT (owner) DO UPDATE SET
       ref = excluded.ref, ciphertext = excluded.ciphertext,
       created_at = excluded.created_at, expires_at = excluded.expires_at`,
  );
  const selectCredential = db.prepare<[{ ref: string; at: number }], CredentialSqlRow>(
    `SELECT * FROM user_credentials WHERE ref = @ref AND ${LIVE}`,
  );
  const deleteCredential = db.prepare<[string]>('DELETE FROM user_credentials WHERE ref = ?');
  const pruneCredentials = db.prepare<[number]>(
    'DELETE FROM user_credentials WHERE expires_at IS NOT NULL AND expires_at <= ?',
  );

  const credentials: CredentialStore = {
    async replace(record) {
      checkCredentialRecord(record);
      replaceCredential.run({
        ref: record.ref,
        owner: record.owner,
        ciphertext: record.ciphertext,
        created_at: record.createdAt,
        expires_at: record.expiresAt ?? null,
      });
    },
    async get(ref) {
      checkText('ref', ref);
      const row = selectCredential.get({ ref, at: now() });
      return row === undefined ? undefined : fromCredentialRow(row);
    },
    async delete(ref) {
      checkText('ref', ref);
      return deleteCredential.run(ref).changes > 0;
    },
    async prune(at = now()) {
      return pruneCredentials.run(at).changes;
    },
  };
  return { oauth, credentials };
}
