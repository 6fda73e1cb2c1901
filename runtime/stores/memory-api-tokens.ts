/** API tokens of the in-process store; tokens vanish with the process (a CLI cannot reach them). */
import { checkEpochMs, checkNewApiTokenRecord, copyNewApiTokenRecord } from './api-token-rows.js';
import {
  API_TOKEN_TOUCH_INTERVAL_MS,
  ApiTokenConflictError,
  type ApiTokenRecord,
  type ApiTokenStore,
} from './api-token-types.js';
import { checkText } from './check-store-input.js';

export function createMemoryApiTokenStore(now: () => number, checkOpen: () => void): ApiTokenStore {
  const byId = new Map<string, ApiTokenRecord>();
  const idByHash = new Map<string, string>();
  const activeIdByName = new Map<string, string>();
  const copy = (record: ApiTokenRecord): ApiTokenRecord => structuredClone(record);

  return {
    async create(input) {
      checkOpen();
      checkNewApiTokenRecord(input);
      if (byId.has(input.id)) throw new ApiTokenConflictError('id');
      if (idByHash.has(input.tokenHash)) throw new ApiTokenConflictError('tokenHash');
      if (activeIdByName.has(input.name)) throw new ApiTokenConflictError('name');
      const record = copyNewApiTokenRecord(input);
      byId.set(record.id, record);
      idByHash.set(record.tokenHash, record.id);
      activeIdByName.set(record.name, record.id);
      return copy(record);
    },
    async findByHash(tokenHash) {
      checkOpen();
      const id = idByHash.get(tokenHash);
      const record = id === undefined ? undefined : byId.get(id);
      return record === undefined ? undefined : copy(record);
    },
    async list() {
      checkOpen();
      return [...byId.values()]
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map(copy);
    },
    async revoke(idOrName, at = now()) {
      checkOpen();
      checkText('idOrName', idOrName);
      checkEpochMs('at', at);
      const record = byId.get(idOrName) ?? findByName(idOrName);
      if (record === undefined) return undefined;
      if (record.revokedAt !== undefined) return { record: copy(record), changed: false };
      const revoked = { ...record, revokedAt: at };
      byId.set(record.id, revoked);
      activeIdByName.delete(record.name);
      return { record: copy(revoked), changed: true };
    },
    async touch(id, at = now()) {
      checkOpen();
      checkEpochMs('at', at);
      const record = byId.get(id);
      if (record === undefined) return false;
      if (record.lastUsedAt !== undefined && record.lastUsedAt > at - API_TOKEN_TOUCH_INTERVAL_MS)
        return false;
      byId.set(id, { ...record, lastUsedAt: at });
      return true;
    },
    async prune(before) {
      checkOpen();
      let deleted = 0;
      for (const record of byId.values()) {
        if (record.expiresAt === undefined || record.expiresAt > before) continue;
        byId.delete(record.id);
        idByHash.delete(record.tokenHash);
        if (activeIdByName.get(record.name) === record.id) activeIdByName.delete(record.name);
        deleted++;
      }
      return deleted;
    },
  };

  /** The unrevoked token of this name, else the most recently revoked one (to say it is revoked). */
  function findByName(name: string): ApiTokenRecord | undefined {
    const active = activeIdByName.get(name);
    if (active !== undefined) return byId.get(active);
    let latest: ApiTokenRecord | undefined;
    for (const record of byId.values()) {
      if (record.name === name && (latest === undefined || (record.revokedAt ?? 0) > (latest.revokedAt ?? 0)))
        latest = record;
    }
    return latest;
  }
}
