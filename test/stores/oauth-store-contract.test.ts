/**
 * The oauth and credentials part of the store contract: given records written through the store API,
 * want the same answers from memory, SQLite and PostgreSQL, and a grant revoked on one instance gone
 * at once on a second one sharing the database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialRecord, OAuthRecordInput } from '../../runtime/stores/oauth-store-types.js';
import type { Store } from '../../runtime/stores/store-types.js';
import {
  ALL_BACKINGS,
  type BackingKind,
  createTestClock,
  SHARED_BACKINGS,
  type StoreBacking,
} from './store-backings.js';

const MINUTE = 60_000;

function token(model: string, id: string, fields: Partial<OAuthRecordInput> = {}): OAuthRecordInput {
  return { model, id, payload: { kind: model, jti: id }, ...fields };
}

describe.each(ALL_BACKINGS)('$name store: oauth records', (kind: BackingKind) => {
  let backing: StoreBacking;
  let clock: ReturnType<typeof createTestClock>;
  let store: Store;

  beforeEach(async () => {
    backing = await kind.create();
    clock = createTestClock();
    store = await backing.open({ now: clock.now });
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('stores every field and the payload unchanged', async () => {
    const record: OAuthRecordInput = {
      model: 'AccessToken',
      id: 'hash-1',
      payload: { scope: 'mcp:read', nested: { list: [1, 'two', null] }, text: 'nul \u0000 é ✓' },
      grantId: 'grant-1',
      clientId: 'client-1',
      accountId: 'usr_ada',
      uid: 'uid-1',
      userCode: 'ABCD-EFGH',
      expiresAt: clock.start + MINUTE,
      consumedAt: clock.start - 1,
    };
    await store.oauth.upsert(record);
    expect(await store.oauth.find('AccessToken', 'hash-1')).toEqual(record);
    expect(await store.oauth.find('RefreshToken', 'hash-1')).toBeUndefined();
    expect(await store.oauth.findByUid('AccessToken', 'uid-1')).toEqual(record);
    expect(await store.oauth.findByUserCode('AccessToken', 'ABCD-EFGH')).toEqual(record);
    expect(await store.oauth.findByUid('Session', 'uid-1')).toBeUndefined();
  });

  it('keeps a record without expiry until it is destroyed', async () => {
    await store.oauth.upsert(token('Client', 'client-1'));
    clock.advance(365 * 24 * 60 * MINUTE);
    expect(await store.oauth.find('Client', 'client-1')).toMatchObject({ id: 'client-1' });
    expect(await store.oauth.destroy('Client', 'client-1')).toBe(true);
    expect(await store.oauth.destroy('Client', 'client-1')).toBe(false);
    expect(await store.oauth.find('Client', 'client-1')).toBeUndefined();
  });

  it('treats an expired record as absent and prunes it', async () => {
    await store.oauth.upsert(token('AuthorizationCode', 'code-1', { expiresAt: clock.start + 1000 }));
    await store.oauth.upsert(token('AuthorizationCode', 'code-2', { expiresAt: clock.start + 5000 }));
    clock.advance(1000);
    expect(await store.oauth.find('AuthorizationCode', 'code-1')).toBeUndefined();
    expect(await store.oauth.consume('AuthorizationCode', 'code-1')).toBe(false);
    expect(await store.oauth.touch('AuthorizationCode', 'code-1')).toBe(false);
    expect(await store.oauth.list({ model: 'AuthorizationCode' })).toHaveLength(1);
    expect(await store.oauth.prune()).toBe(1);
    expect(await store.oauth.prune()).toBe(0);
    expect(await store.oauth.find('AuthorizationCode', 'code-2')).toBeDefined();
  });

  it('marks a record consumed, and an upsert sets what its input says', async () => {
    await store.oauth.upsert(token('RefreshToken', 'rt-1', { expiresAt: clock.start + MINUTE }));
    expect(await store.oauth.consume('RefreshToken', 'rt-1', clock.start + 5)).toBe(true);
    expect(await store.oauth.find('RefreshToken', 'rt-1')).toMatchObject({ consumedAt: clock.start + 5 });
    expect(await store.oauth.consume('RefreshToken', 'missing')).toBe(false);
    await store.oauth.upsert(token('RefreshToken', 'rt-1', { expiresAt: clock.start + MINUTE }));
    expect(await store.oauth.find('RefreshToken', 'rt-1')).not.toHaveProperty('consumedAt');
  });

  it('records the last use and keeps it across upserts', async () => {
    await store.oauth.upsert(token('Grant', 'grant-1', { grantId: 'grant-1' }));
    expect(await store.oauth.touch('Grant', 'grant-1', clock.start + 7)).toBe(true);
    await store.oauth.upsert(token('Grant', 'grant-1', { grantId: 'grant-1', clientId: 'c' }));
    expect(await store.oauth.find('Grant', 'grant-1')).toMatchObject({
      clientId: 'c',
      lastUsedAt: clock.start + 7,
    });
  });

  it('revokes every record of a grant, or those of the given models', async () => {
    const expiresAt = clock.start + MINUTE;
    await store.oauth.upsert(token('Grant', 'g1', { grantId: 'g1' }));
    await store.oauth.upsert(token('AccessToken', 'at1', { grantId: 'g1', expiresAt }));
    await store.oauth.upsert(token('AccessToken', 'at2', { grantId: 'g1', expiresAt }));
    await store.oauth.upsert(token('RefreshToken', 'rt1', { grantId: 'g1', expiresAt }));
    await store.oauth.upsert(token('AccessToken', 'other', { grantId: 'g2', expiresAt }));

    expect(await store.oauth.revokeGrant('g1', ['AccessToken'])).toBe(2);
    expect(await store.oauth.find('RefreshToken', 'rt1')).toBeDefined();
    expect(await store.oauth.revokeGrant('g1')).toBe(2);
    expect(await store.oauth.find('Grant', 'g1')).toBeUndefined();
    expect(await store.oauth.find('RefreshToken', 'rt1')).toBeUndefined();
    expect(await store.oauth.find('AccessToken', 'other')).toBeDefined();
    expect(await store.oauth.revokeGrant('g1')).toBe(0);
  });

  it('lists live records of one model by client, account and grant, soonest expiry first', async () => {
    const at = clock.start;
    await store.oauth.upsert(token('Grant', 'b', { clientId: 'c1', accountId: 'u1', expiresAt: at + 300 }));
    await store.oauth.upsert(token('Grant', 'a', { clientId: 'c1', accountId: 'u2', expiresAt: at + 300 }));
    await store.oauth.upsert(token('Grant', 'z', { clientId: 'c1', accountId: 'u1', expiresAt: at + 100 }));
    await store.oauth.upsert(token('Grant', 'n', { clientId: 'c1', accountId: 'u1' }));
    await store.oauth.upsert(token('Grant', 'x', { clientId: 'c2', accountId: 'u1', grantId: 'x' }));
    await store.oauth.upsert(token('Grant', 'gone', { clientId: 'c1', expiresAt: at }));
    await store.oauth.upsert(token('Session', 's', { clientId: 'c1', accountId: 'u1' }));

    const ids = async (query: Parameters<Store['oauth']['list']>[0]) =>
      (await store.oauth.list(query)).map((record) => record.id);
    expect(await ids({ model: 'Grant' })).toEqual(['z', 'a', 'b', 'n', 'x']);
    expect(await ids({ model: 'Grant', clientId: 'c1' })).toEqual(['z', 'a', 'b', 'n']);
    expect(await ids({ model: 'Grant', clientId: 'c1', accountId: 'u1' })).toEqual(['z', 'b', 'n']);
    expect(await ids({ model: 'Grant', grantId: 'x' })).toEqual(['x']);
    expect(await ids({ model: 'Grant', clientId: 'nobody' })).toEqual([]);
  });

  it('refuses what it cannot store the same way everywhere', async () => {
    await expect(store.oauth.upsert(token('', 'id'))).rejects.toThrow(RangeError);
    await expect(store.oauth.upsert(token('Grant', 'a\u0000b'))).rejects.toThrow(RangeError);
    await expect(
      store.oauth.upsert({ model: 'Grant', id: 'g', payload: [] as unknown as OAuthRecordInput['payload'] }),
    ).rejects.toThrow(TypeError);
    await expect(store.oauth.upsert(token('Grant', 'g', { expiresAt: 1.5 }))).rejects.toThrow(RangeError);
  });
});

describe.each(ALL_BACKINGS)('$name store: credentials', (kind: BackingKind) => {
  let backing: StoreBacking;
  let clock: ReturnType<typeof createTestClock>;
  let store: Store;

  const credential = (ref: string, owner: string, fields: Partial<CredentialRecord> = {}) => ({
    ref,
    owner,
    ciphertext: `v1.ciphertext-of-${ref}`,
    createdAt: clock.start,
    ...fields,
  });

  beforeEach(async () => {
    backing = await kind.create();
    clock = createTestClock();
    store = await backing.open({ now: clock.now });
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('stores a credential and replaces what its owner had', async () => {
    await store.credentials.replace(credential('ref-1', 'owner-a'));
    await store.credentials.replace(credential('ref-2', 'owner-b'));
    expect(await store.credentials.get('ref-1')).toEqual(credential('ref-1', 'owner-a'));
    await store.credentials.replace(credential('ref-3', 'owner-a', { expiresAt: clock.start + 10 }));
    expect(await store.credentials.get('ref-1')).toBeUndefined();
    expect(await store.credentials.get('ref-3')).toEqual(
      credential('ref-3', 'owner-a', { expiresAt: clock.start + 10 }),
    );
    expect(await store.credentials.get('ref-2')).toBeDefined();
  });

  it('deletes, expires and prunes credentials', async () => {
    await store.credentials.replace(credential('ref-1', 'owner-a'));
    await store.credentials.replace(credential('ref-2', 'owner-b', { expiresAt: clock.start + 10 }));
    expect(await store.credentials.delete('ref-1')).toBe(true);
    expect(await store.credentials.delete('ref-1')).toBe(false);
    clock.advance(10);
    expect(await store.credentials.get('ref-2')).toBeUndefined();
    expect(await store.credentials.prune()).toBe(1);
    expect(await store.credentials.prune()).toBe(0);
  });

  it('is pruned with the rest of the store', async () => {
    await store.credentials.replace(credential('ref-1', 'owner-a', { expiresAt: clock.start + 10 }));
    await store.oauth.upsert(token('Interaction', 'i1', { expiresAt: clock.start + 10 }));
    expect(await store.prune(clock.start + 10)).toMatchObject({ oauth: 1, credentials: 1 });
  });
});

describe.each(SHARED_BACKINGS)('$name store: oauth records shared by instances', (kind: BackingKind) => {
  let backing: StoreBacking;

  beforeEach(async () => {
    backing = await kind.create();
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('sees a consumed code and a revoked grant of another instance at once', async () => {
    const [a, b] = [await backing.open(), await backing.open()];
    const expiresAt = Date.now() + MINUTE;
    await a.oauth.upsert(token('AuthorizationCode', 'code', { grantId: 'g', expiresAt }));
    await a.oauth.upsert(token('AccessToken', 'at', { grantId: 'g', expiresAt }));
    expect(await b.oauth.consume('AuthorizationCode', 'code')).toBe(true);
    expect((await a.oauth.find('AuthorizationCode', 'code'))?.consumedAt).toBeTypeOf('number');
    expect(await b.oauth.revokeGrant('g')).toBe(2);
    expect(await a.oauth.find('AccessToken', 'at')).toBeUndefined();
  });
});
