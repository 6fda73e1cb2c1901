/**
 * The API-token part of the store contract: given tokens created, used, revoked and expired through
 * the store API, want the same answers from memory, SQLite and PostgreSQL, and revocations and uses
 * seen at once by a second instance sharing the database.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  API_TOKEN_EXPIRED_RETENTION_MS,
  API_TOKEN_TOUCH_INTERVAL_MS,
  ApiTokenConflictError,
  type NewApiTokenRecord,
} from '../../runtime/stores/api-token-types.js';
import type { Store } from '../../runtime/stores/store-types.js';
import {
  ALL_BACKINGS,
  type BackingKind,
  createTestClock,
  SHARED_BACKINGS,
  type StoreBacking,
} from './store-backings.js';

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const DAY_MS = 24 * 60 * 60 * 1000;

function newToken(n: number, fields: Partial<NewApiTokenRecord> = {}): NewApiTokenRecord {
  return {
    id: `00000000000000${String(n).padStart(2, '0')}`,
    name: `token ${n}`,
    tokenHash: hashOf(`s2m_secret-${n}`),
    displayPrefix: `s2m_Ab${n}`,
    scopes: ['mcp:read'],
    createdAt: 1_800_000_000_000 + n,
    ...fields,
  };
}

describe.each(ALL_BACKINGS)('$name store: API tokens', (kind: BackingKind) => {
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

  it('stores every field and finds the token by its hash', async () => {
    const full = newToken(1, {
      name: 'CI — déploiement ✓',
      scopes: ['mcp:read', 'mcp:write'],
      tenant: 'acme',
      workspaces: ['wsp_1', 'wsp_2'],
      expiresAt: clock.start + DAY_MS,
      credentialRef: 'vault:42',
    });
    const minimal = newToken(2);
    expect(await store.apiTokens.create(full)).toEqual(full);
    expect(await store.apiTokens.create(minimal)).toEqual(minimal);

    expect(await store.apiTokens.findByHash(full.tokenHash)).toEqual(full);
    // Absent optional fields are absent, not null or undefined-valued keys.
    expect(Object.keys((await store.apiTokens.findByHash(minimal.tokenHash)) ?? {}).sort()).toEqual(
      ['createdAt', 'displayPrefix', 'id', 'name', 'scopes', 'tokenHash'].sort(),
    );
    expect(await store.apiTokens.findByHash(hashOf('s2m_unknown'))).toBeUndefined();
  });

  it('lists every token newest first, revoked and expired ones included', async () => {
    await store.apiTokens.create(newToken(1, { createdAt: clock.start }));
    await store.apiTokens.create(newToken(2, { createdAt: clock.start + 2, expiresAt: clock.start + 3 }));
    await store.apiTokens.create(newToken(3, { createdAt: clock.start + 1 }));
    await store.apiTokens.revoke(newToken(3).id, clock.start + 10);
    const listed = await store.apiTokens.list();
    expect(listed.map((record) => record.id)).toEqual([newToken(2).id, newToken(3).id, newToken(1).id]);
    expect(listed[1]?.revokedAt).toBe(clock.start + 10);
  });

  it.each([
    { field: 'id', fields: { name: 'other', tokenHash: hashOf('other') } },
    { field: 'tokenHash', fields: { id: '00000000000000ff', name: 'other' } },
    { field: 'name', fields: { id: '00000000000000ff', tokenHash: hashOf('other') } },
  ] as const)('refuses a second token with the same $field', async ({ field, fields }) => {
    await store.apiTokens.create(newToken(1));
    const error = await store.apiTokens.create({ ...newToken(1), ...fields }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTokenConflictError);
    expect((error as ApiTokenConflictError).field).toBe(field);
    expect(await store.apiTokens.list()).toHaveLength(1);
  });

  it('frees a name when its token is revoked, and revokes the unrevoked one by that name', async () => {
    await store.apiTokens.create(newToken(1, { name: 'CI' }));
    expect((await store.apiTokens.revoke('CI', clock.start + 5))?.record.id).toBe(newToken(1).id);
    await store.apiTokens.create(newToken(2, { name: 'CI' }));
    const second = await store.apiTokens.revoke('CI', clock.start + 6);
    expect(second).toEqual({
      record: expect.objectContaining({ id: newToken(2).id, revokedAt: clock.start + 6 }),
      changed: true,
    });
    // Both revoked now: the name reports the latest revocation, unchanged.
    expect(await store.apiTokens.revoke('CI', clock.start + 7)).toEqual({
      record: expect.objectContaining({ id: newToken(2).id, revokedAt: clock.start + 6 }),
      changed: false,
    });
  });

  it('revokes by id once; a second revocation keeps the first time', async () => {
    const token = newToken(1);
    await store.apiTokens.create(token);
    expect(await store.apiTokens.revoke(token.id)).toEqual({
      record: { ...token, revokedAt: clock.start },
      changed: true,
    });
    clock.advance(1000);
    expect(await store.apiTokens.revoke(token.id)).toEqual({
      record: { ...token, revokedAt: clock.start },
      changed: false,
    });
    expect((await store.apiTokens.findByHash(token.tokenHash))?.revokedAt).toBe(clock.start);
    expect(await store.apiTokens.revoke('no such token')).toBeUndefined();
  });

  it('records a use at most once a minute', async () => {
    const token = newToken(1);
    await store.apiTokens.create(token);
    expect(await store.apiTokens.touch(token.id)).toBe(true);
    clock.advance(API_TOKEN_TOUCH_INTERVAL_MS - 1);
    expect(await store.apiTokens.touch(token.id)).toBe(false);
    expect((await store.apiTokens.findByHash(token.tokenHash))?.lastUsedAt).toBe(clock.start);
    clock.advance(1);
    expect(await store.apiTokens.touch(token.id)).toBe(true);
    expect((await store.apiTokens.findByHash(token.tokenHash))?.lastUsedAt).toBe(
      clock.start + API_TOKEN_TOUCH_INTERVAL_MS,
    );
    expect(await store.apiTokens.touch('0000000000000099')).toBe(false);
  });

  it('prunes tokens expired at or before a time, keeping revoked and unexpiring ones', async () => {
    await store.apiTokens.create(newToken(1, { expiresAt: clock.start + 1000 }));
    await store.apiTokens.create(newToken(2, { expiresAt: clock.start + 2000 }));
    await store.apiTokens.create(newToken(3));
    await store.apiTokens.create(newToken(4));
    await store.apiTokens.revoke(newToken(4).id);
    expect(await store.apiTokens.prune(clock.start + 1000)).toBe(1);
    expect(await store.apiTokens.prune(clock.start + 1000)).toBe(0);
    expect((await store.apiTokens.list()).map((record) => record.id).sort()).toEqual(
      [newToken(2).id, newToken(3).id, newToken(4).id].sort(),
    );
    // A pruned token's name is free again.
    await store.apiTokens.create(newToken(5, { name: newToken(1).name }));
  });

  it('Store.prune deletes tokens only after the expired-token retention', async () => {
    await store.apiTokens.create(newToken(1, { expiresAt: clock.start }));
    expect((await store.prune(clock.start + API_TOKEN_EXPIRED_RETENTION_MS - 1)).apiTokens).toBe(0);
    expect((await store.prune(clock.start + API_TOKEN_EXPIRED_RETENTION_MS)).apiTokens).toBe(1);
  });

  it.each([
    { given: 'an empty scope list', fields: { scopes: [] } },
    { given: 'an empty workspace list', fields: { workspaces: [] } },
    { given: 'a hash that is not hex SHA-256', fields: { tokenHash: 'ABC' } },
    { given: 'a name with NUL', fields: { name: 'a\u0000b' } },
    { given: 'a fractional time', fields: { createdAt: 1.5 } },
  ])('refuses $given', async ({ fields }) => {
    await expect(store.apiTokens.create({ ...newToken(1), ...fields })).rejects.toThrow(RangeError);
  });
});

describe.each(SHARED_BACKINGS)('$name store: API tokens shared by two instances', (kind: BackingKind) => {
  let backing: StoreBacking;
  let a: Store;
  let b: Store;

  beforeEach(async () => {
    backing = await kind.create();
    a = await backing.open();
    b = await backing.open();
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('sees a token, its revocation and its last use made by the other instance at once', async () => {
    const token = newToken(1);
    await a.apiTokens.create(token);
    expect(await b.apiTokens.findByHash(token.tokenHash)).toEqual(token);
    expect(await b.apiTokens.touch(token.id, 5_000_000)).toBe(true);
    expect(await a.apiTokens.touch(token.id, 5_000_001)).toBe(false);
    expect((await b.apiTokens.revoke(token.name, 6_000_000))?.changed).toBe(true);
    expect(await a.apiTokens.findByHash(token.tokenHash)).toEqual({
      ...token,
      lastUsedAt: 5_000_000,
      revokedAt: 6_000_000,
    });
  });

  it('lets exactly one of concurrent revocations change the token', async () => {
    await a.apiTokens.create(newToken(1));
    const results = await Promise.all(
      [a, b, a, b].map((store, i) => store.apiTokens.revoke(newToken(1).id, 7_000_000 + i)),
    );
    expect(results.filter((result) => result?.changed)).toHaveLength(1);
    const revokedAt = (await a.apiTokens.findByHash(newToken(1).tokenHash))?.revokedAt;
    for (const result of results) expect(result?.record.revokedAt).toBe(revokedAt);
  });
});
