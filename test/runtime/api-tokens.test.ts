/**
 * API tokens: given tokens created through createApiToken on each store backend, want the verifier
 * to leave other tokens to the next verifier, refuse unknown, malformed, revoked and expired ones with
 * 401 invalid_token (descriptions never holding the token), see a revocation made by another instance
 * on the very next request, and turn a valid token into the Grant it stands for.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiTokenPrefixOf, generateApiToken } from '../../runtime/auth/api-tokens/api-token-format.js';
import { createApiTokenVerifier } from '../../runtime/auth/api-tokens/api-token-verifier.js';
import {
  ApiTokenRequestError,
  createApiToken,
  parseExpiresIn,
} from '../../runtime/auth/api-tokens/create-api-token.js';
import { AuthError } from '../../runtime/auth/auth-types.js';
import type { Store } from '../../runtime/stores/store-types.js';
import {
  ALL_BACKINGS,
  type BackingKind,
  createTestClock,
  MEMORY,
  SQLITE,
  type StoreBacking,
} from '../stores/store-backings.js';

const CONTEXT = { resource: 'https://mcp.example.com/mcp' };

/** The AuthError a verification threw; fails the test when it resolved instead. */
async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe.each(ALL_BACKINGS)('API tokens on the $name store', (kind: BackingKind) => {
  let backing: StoreBacking;
  let clock: ReturnType<typeof createTestClock>;
  let store: Store;
  /** Another runtime instance on the same database (the same store for memory). */
  let other: Store;

  beforeEach(async () => {
    backing = await kind.create();
    clock = createTestClock();
    store = await backing.open({ now: clock.now });
    other = kind.shared ? await backing.open({ now: clock.now }) : store;
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('turns a valid token into its grant, scopes, tenant, workspaces and expiry carried', async () => {
    const { token, record } = await createApiToken(
      store,
      {
        name: 'CI deploy',
        scopes: ['mcp:read', 'mcp:write'],
        tenant: 'acme',
        workspaces: ['wsp_1', 'wsp_2'],
        expiresIn: '90d',
      },
      { prefix: 'capi_', now: clock.now },
    );
    expect(token).toMatch(/^capi_[A-Za-z0-9_-]{43}$/);
    const verifier = createApiTokenVerifier(other, { prefix: 'capi_', now: clock.now });
    expect(await verifier.verify(token, CONTEXT)).toEqual({
      kind: 'api-token',
      principal: `api-token:${record.id}`,
      clientId: `api-token:${record.id}`,
      clientName: 'CI deploy',
      scopes: ['mcp:read', 'mcp:write'],
      tenant: 'acme',
      workspaces: ['wsp_1', 'wsp_2'],
      expiresAt: clock.start / 1000 + 90 * 24 * 60 * 60,
    });
    await verifier.settle();
  });

  it('grants no tenant, workspaces or expiry when the token has none', async () => {
    const { token, record } = await createApiToken(store, { name: 'reader', scopes: ['mcp:read'] });
    const verifier = createApiTokenVerifier(store);
    expect(await verifier.verify(token, CONTEXT)).toEqual({
      kind: 'api-token',
      principal: `api-token:${record.id}`,
      clientId: `api-token:${record.id}`,
      clientName: 'reader',
      scopes: ['mcp:read'],
    });
    await verifier.settle();
  });

  it('refuses a token revoked by another instance on the very next request', async () => {
    const { token, record } = await createApiToken(store, { name: 'CI', scopes: ['mcp:read'] });
    const verifier = createApiTokenVerifier(store, { now: clock.now });
    expect((await verifier.verify(token, CONTEXT))?.clientId).toBe(`api-token:${record.id}`);
    expect((await other.apiTokens.revoke('CI'))?.changed).toBe(true);
    const error = await refusal(verifier.verify(token, CONTEXT));
    expect(error).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(error.description).toBe(
      `The API token ${record.id} was revoked at ${new Date(clock.start).toISOString()}.`,
    );
    await verifier.settle();
  });

  it('accepts a token until its expiry and refuses it from then on', async () => {
    const { token, record } = await createApiToken(
      store,
      { name: 'short', scopes: ['mcp:read'], expiresIn: 60 },
      { now: clock.now },
    );
    const verifier = createApiTokenVerifier(other, { now: clock.now });
    clock.advance(59_999);
    expect(await verifier.verify(token, CONTEXT)).toBeDefined();
    clock.advance(1);
    const error = await refusal(verifier.verify(token, CONTEXT));
    expect(error).toMatchObject({
      status: 401,
      error: 'invalid_token',
      description: `The API token ${record.id} expired at ${new Date(clock.start + 60_000).toISOString()}.`,
    });
    await verifier.settle();
  });

  it('records the last use at most once a minute, never awaited by a request, once for a burst', async () => {
    const { token, record } = await createApiToken(store, { name: 'CI', scopes: ['mcp:read'] });
    let touches = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const counted: Pick<Store, 'apiTokens'> = {
      apiTokens: {
        ...store.apiTokens,
        touch: async (id, at) => {
          touches++;
          await held;
          return store.apiTokens.touch(id, at);
        },
      },
    };
    const verifier = createApiTokenVerifier(counted, { now: clock.now });
    // All ten are answered while the write of last_used_at is held.
    const grants = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token, CONTEXT)));
    expect(grants.every((grant) => grant?.clientId === `api-token:${record.id}`)).toBe(true);
    release();
    await verifier.settle();
    expect(touches).toBe(1);
    expect((await other.apiTokens.findByHash(record.tokenHash))?.lastUsedAt).toBe(clock.start);

    clock.advance(59_000);
    await verifier.verify(token, CONTEXT);
    await verifier.settle();
    expect(touches).toBe(1);
    clock.advance(1000);
    await verifier.verify(token, CONTEXT);
    await verifier.settle();
    expect(touches).toBe(2);
    expect((await other.apiTokens.findByHash(record.tokenHash))?.lastUsedAt).toBe(clock.start + 60_000);
  });
});

describe('the API token verifier', () => {
  let backing: StoreBacking;
  let store: Store;
  beforeEach(async () => {
    backing = await MEMORY.create();
    store = await backing.open();
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it.each([
    { given: 'a JWT', token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln' },
    { given: "another API's prefix", token: generateApiToken('capi_') },
    { given: 'an opaque OAuth token', token: 'Zm9vYmFyYmF6cXV4' },
    { given: 'an empty string', token: '' },
  ])('leaves $given to the next verifier', async ({ token }) => {
    expect(await createApiTokenVerifier(store).verify(token, CONTEXT)).toBeUndefined();
  });

  it.each([
    { given: 'a token of its prefix that is not known', token: generateApiToken('s2m_'), want: /not known/ },
    { given: 'a truncated token', token: generateApiToken('s2m_').slice(0, -1), want: /malformed/ },
    {
      given: 'a token with a space inside',
      token: `s2m_${'a'.repeat(20)} ${'b'.repeat(22)}`,
      want: /malformed/,
    },
  ])('refuses $given with 401 invalid_token, the token not in the description', async ({ token, want }) => {
    const error = await refusal(createApiTokenVerifier(store).verify(token, CONTEXT));
    expect(error).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(error.description).toMatch(want);
    expect(error.description).not.toContain(token.slice(4));
    expect(error.message).not.toContain(token.slice(4));
  });

  it('keeps answering when recording a use fails, and reports the failure', async () => {
    const { token } = await createApiToken(store, { name: 'CI', scopes: ['mcp:read'] });
    const failures: unknown[] = [];
    const failing: Pick<Store, 'apiTokens'> = {
      apiTokens: { ...store.apiTokens, touch: async () => Promise.reject(new Error('disk full')) },
    };
    const verifier = createApiTokenVerifier(failing, { onTouchError: (error) => failures.push(error) });
    expect(await verifier.verify(token, CONTEXT)).toBeDefined();
    await verifier.settle();
    expect(failures).toEqual([new Error('disk full')]);
  });

  it('takes the prefix from the API, s2m_ by default, and refuses a malformed one', () => {
    expect(apiTokenPrefixOf({ access: { tokenPrefix: 'capi_' } })).toBe('capi_');
    expect(apiTokenPrefixOf({})).toBe('s2m_');
    expect(apiTokenPrefixOf(undefined)).toBe('s2m_');
    expect(() => createApiTokenVerifier(store, { prefix: '' })).toThrow(/API token prefix "" must be/);
    expect(() => createApiTokenVerifier(store, { prefix: 'ey' })).toThrow(/must be/);
  });
});

describe('createApiToken', () => {
  let backing: StoreBacking;
  let store: Store;
  beforeEach(async () => {
    backing = await SQLITE.create();
    store = await backing.open();
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('stores the SHA-256 and a short display prefix, never the token', async () => {
    const { token, record } = await createApiToken(store, { name: 'CI', scopes: ['mcp:read', 'mcp:read'] });
    expect(record.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(record.displayPrefix).toBe(token.slice(0, 8));
    expect(record.id).toMatch(/^[0-9a-f]{16}$/);
    expect(record.scopes).toEqual(['mcp:read']);
    await store.close();
    // The database files (WAL included) hold no more of the token than its display prefix.
    const dir = (backing.config as { file: string }).file.replace(/[/\\][^/\\]+$/, '');
    for (const file of readdirSync(dir)) {
      expect(readFileSync(join(dir, file)).includes(token.slice(8))).toBe(false);
    }
  });

  it.each([
    { given: 'an empty name', request: { name: '  ', scopes: ['mcp:read'] }, want: /name must be/ },
    {
      given: 'a name like a token id',
      request: { name: '0123456789abcdef', scopes: ['mcp:read'] },
      want: /looks like a token id/,
    },
    { given: 'no scopes', request: { name: 'a', scopes: [] }, want: /at least one value in scopes/ },
    { given: 'a scope with a space', request: { name: 'a', scopes: ['mcp read'] }, want: /"mcp read"/ },
    {
      given: 'an empty workspace list',
      request: { name: 'a', scopes: ['mcp:read'], workspaces: [] },
      want: /workspaces/,
    },
    {
      given: 'a tenant with a newline',
      request: { name: 'a', scopes: ['mcp:read'], tenant: 'a\nb' },
      want: /tenant must be/,
    },
    {
      given: 'an expiry of 0',
      request: { name: 'a', scopes: ['mcp:read'], expiresIn: '0d' },
      want: /more than 0/,
    },
  ])('refuses $given', async ({ request, want }) => {
    const error = await createApiToken(store, request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTokenRequestError);
    expect((error as Error).message).toMatch(want);
  });

  it('refuses a second unrevoked token of one name, and allows it once the first is revoked', async () => {
    await createApiToken(store, { name: 'CI', scopes: ['mcp:read'] });
    await expect(createApiToken(store, { name: 'CI', scopes: ['mcp:read'] })).rejects.toThrow(
      /A token named "CI" exists and is not revoked/,
    );
    await store.apiTokens.revoke('CI');
    await expect(createApiToken(store, { name: 'CI', scopes: ['mcp:read'] })).resolves.toBeDefined();
  });

  it.each([
    { given: '30m', want: 1800 },
    { given: '12h', want: 43_200 },
    { given: '90d', want: 7_776_000 },
    { given: '2w', want: 1_209_600 },
    { given: '1y', want: 31_536_000 },
    { given: 3600, want: 3600 },
  ])('reads the expiry $given as $want seconds', ({ given, want }) => {
    expect(parseExpiresIn(given)).toBe(want);
  });

  it.each(['90', '1.5d', '-1d', '11y', 'soon'])('refuses the expiry %s', (given) => {
    expect(() => parseExpiresIn(given)).toThrow(ApiTokenRequestError);
  });
});
