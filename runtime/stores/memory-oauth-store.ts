/**
 * In-process oauth and credentials sub-stores (see oauth-store-types.ts): what the database
 * backends do, minus durability. Records are kept serialized, so callers never share objects.
 */
import {
  checkCredentialRecord,
  checkOAuthKey,
  checkOAuthQuery,
  fromOAuthRow,
  type OAuthRow,
  toOAuthRow,
} from './check-oauth-input.js';
import { checkText } from './check-store-input.js';
import type { CredentialRecord, CredentialStore, OAuthRecord, OAuthStore } from './oauth-store-types.js';

// Mutable: consume and touch update the row in place.
type StoredRow = { -readonly [K in keyof OAuthRow]: OAuthRow[K] } & { lastUsedAt: number | null };

export function openMemoryOAuthStores(
  now: () => number,
  checkOpen: () => void,
): { oauth: OAuthStore; credentials: CredentialStore } {
  const rows = new Map<string, StoredRow>();
  const keyOf = (model: string, id: string) => JSON.stringify([model, id]);
  const isLive = (row: { expiresAt: number | null }, at: number) =>
    row.expiresAt === null || row.expiresAt > at;
  const live = (model: string, id: string) => {
    const row = rows.get(keyOf(model, id));
    return row !== undefined && isLive(row, now()) ? row : undefined;
  };
  const toRecord = (row: StoredRow): OAuthRecord =>
    fromOAuthRow({
      model: row.model,
      id: row.id,
      payload: row.payloadJson,
      grant_id: row.grantId,
      client_id: row.clientId,
      account_id: row.accountId,
      uid: row.uid,
      user_code: row.userCode,
      expires_at: row.expiresAt,
      consumed_at: row.consumedAt,
      last_used_at: row.lastUsedAt,
    });
  const findBy = (model: string, field: 'uid' | 'userCode', value: string) => {
    checkText('model', model);
    checkText(field, value);
    const at = now();
    for (const row of rows.values()) {
      if (row.model === model && row[field] === value && isLive(row, at)) return toRecord(row);
    }
    return undefined;
  };

  const oauth: OAuthStore = {
    async upsert(record) {
      checkOpen();
      const row = toOAuthRow(record);
      const key = keyOf(row.model, row.id);
      rows.set(key, { ...row, lastUsedAt: rows.get(key)?.lastUsedAt ?? null });
    },
    async find(model, id) {
      checkOpen();
      checkOAuthKey(model, id);
      const row = live(model, id);
      return row === undefined ? undefined : toRecord(row);
    },
    async findByUid(model, uid) {
      checkOpen();
      return findBy(model, 'uid', uid);
    },
    async findByUserCode(model, userCode) {
      checkOpen();
      return findBy(model, 'userCode', userCode);
    },
    async consume(model, id, at = now()) {
      checkOpen();
      checkOAuthKey(model, id);
      const row = live(model, id);
      if (row === undefined) return false;
      row.consumedAt = at;
      return true;
    },
    async touch(model, id, at = now()) {
      checkOpen();
      checkOAuthKey(model, id);
      const row = live(model, id);
      if (row === undefined) return false;
      row.lastUsedAt = at;
      return true;
    },
    async destroy(model, id) {
      checkOpen();
      checkOAuthKey(model, id);
      return rows.delete(keyOf(model, id));
    },
    async revokeGrant(grantId, models) {
      checkOpen();
      checkText('grantId', grantId);
      let deleted = 0;
      for (const [key, row] of rows) {
        if (row.grantId === grantId && (models === undefined || models.includes(row.model))) {
          rows.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
    async list(query) {
      checkOpen();
      checkOAuthQuery(query);
      const at = now();
      const matches = [...rows.values()].filter(
        (row) =>
          row.model === query.model &&
          isLive(row, at) &&
          (query.clientId === undefined || row.clientId === query.clientId) &&
          (query.accountId === undefined || row.accountId === query.accountId) &&
          (query.grantId === undefined || row.grantId === query.grantId),
      );
      matches.sort(compareByExpiryThenId);
      return matches.map(toRecord);
    },
    async prune(at = now()) {
      checkOpen();
      let deleted = 0;
      for (const [key, row] of rows) {
        if (!isLive(row, at)) {
          rows.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };

  const secrets = new Map<string, CredentialRecord>();
  const credentials: CredentialStore = {
    async replace(record) {
      checkOpen();
      checkCredentialRecord(record);
      for (const [ref, existing] of secrets) if (existing.owner === record.owner) secrets.delete(ref);
      secrets.set(record.ref, { ...record });
    },
    async get(ref) {
      checkOpen();
      checkText('ref', ref);
      const record = secrets.get(ref);
      if (record === undefined || (record.expiresAt !== undefined && record.expiresAt <= now()))
        return undefined;
      return { ...record };
    },
    async delete(ref) {
      checkOpen();
      checkText('ref', ref);
      return secrets.delete(ref);
    },
    async prune(at = now()) {
      checkOpen();
      let deleted = 0;
      for (const [ref, record] of secrets) {
        if (record.expiresAt !== undefined && record.expiresAt <= at) {
          secrets.delete(ref);
          deleted++;
        }
      }
      return deleted;
    },
  };
  return { oauth, credentials };
}

/** The order every backend lists in: records that never expire last. */
function compareByExpiryThenId(a: StoredRow, b: StoredRow): number {
  const expiryA = a.expiresAt ?? Number.MAX_SAFE_INTEGER;
  const expiryB = b.expiresAt ?? Number.MAX_SAFE_INTEGER;
  if (expiryA !== expiryB) return expiryA - expiryB;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
