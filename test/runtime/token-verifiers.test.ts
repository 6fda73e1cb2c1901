/**
 * The token verifiers on their own: the chain's order, JWT algorithm pinning and local key sets,
 * the introspection cache's bounds (never past exp, inactive answers briefly, at most N entries,
 * one call for concurrent requests).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, type Grant, type TokenVerifier } from '../../runtime/auth/auth-types.js';
import { createIntrospectionVerifier } from '../../runtime/auth/introspection-verifier.js';
import { AuthConfigError, checkJwtAlgorithms, createJwtVerifier } from '../../runtime/auth/jwt-verifier.js';
import { chainTokenVerifiers } from '../../runtime/auth/verify-token-chain.js';
import { INTROSPECTION_CLIENT, startTestIssuer, type TestIssuer } from './auth-kit.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const context = { resource: RESOURCE };

describe('chainTokenVerifiers', () => {
  const verifier = (name: string, answer: Grant | undefined | Error): TokenVerifier & { calls: number } => ({
    name,
    calls: 0,
    async verify() {
      this.calls += 1;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  const grant: Grant = { kind: 'api-token', principal: 'tok_1', clientId: 'api-token:tok_1', scopes: [] };

  it('the first verifier that knows the token decides; later ones are not asked', async () => {
    const first = verifier('a', undefined);
    const second = verifier('b', grant);
    const third = verifier('c', new AuthError(401, 'invalid_token', 'no'));
    expect(await chainTokenVerifiers([first, second, third]).verify('t', context)).toBe(grant);
    expect([first.calls, second.calls, third.calls]).toEqual([1, 1, 0]);
  });

  it("a verifier's refusal stands; no verifier knowing the token is invalid_token", async () => {
    const refusal = new AuthError(401, 'invalid_token', 'The access token expired.');
    await expect(
      chainTokenVerifiers([verifier('a', refusal), verifier('b', grant)]).verify('t', context),
    ).rejects.toBe(refusal);
    await expect(chainTokenVerifiers([verifier('a', undefined)]).verify('t', context)).rejects.toMatchObject({
      status: 401,
      error: 'invalid_token',
    });
  });
});

describe('JWT verifier configuration', () => {
  it.each([
    { algorithms: ['none'] },
    { algorithms: ['HS256'] },
    { algorithms: ['RS256', 'HS512'] },
    { algorithms: [] },
  ])('algorithms $algorithms are refused', ({ algorithms }) => {
    expect(() => checkJwtAlgorithms(algorithms)).toThrow(AuthConfigError);
  });

  it('a local key set verifies tokens without any HTTP; the scp claim and azp are read', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'local', alg: 'ES256' }] };
    const verifier = createJwtVerifier({ issuer: 'https://login.example.com', jwks });
    const token = await new SignJWT({ scp: ['mcp:read'], azp: 'desktop-app' })
      .setProtectedHeader({ alg: 'ES256', kid: 'local' })
      .setIssuer('https://login.example.com')
      .setSubject('ann')
      .setAudience(RESOURCE)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifier.verify(token, context)).toMatchObject({
      kind: 'external-jwt',
      principal: 'ann',
      clientId: 'desktop-app',
      scopes: ['mcp:read'],
    });
    // Not a JWT: another verifier's token.
    expect(await verifier.verify('capi_abc', context)).toBeUndefined();
  });

  it('a token without exp is refused: it would never expire', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k' }] };
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer('https://login.example.com')
      .setSubject('ann')
      .setAudience(RESOURCE)
      .sign(privateKey);
    await expect(
      createJwtVerifier({ issuer: 'https://login.example.com', jwks }).verify(token, context),
    ).rejects.toMatchObject({
      status: 401,
      description: 'The access token\'s "exp" claim is missing or invalid.',
    });
  });
});

describe('introspection verifier', () => {
  let issuer: TestIssuer;
  let clock: number;
  const verifier = (options: { cacheSeconds?: number; maxCacheEntries?: number } = {}) =>
    createIntrospectionVerifier({
      url: issuer.introspectionUrl,
      ...INTROSPECTION_CLIENT,
      now: () => clock,
      ...options,
    });
  const active = (exp: number) => ({ active: true, sub: 'u', scope: 'mcp:read', aud: RESOURCE, exp });

  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });
  beforeEach(() => {
    issuer.introspection.clear();
    issuer.counts.introspection = 0;
    // Far from the test's own clock: exp checks use the injected one only.
    clock = 2_000_000_000_000;
  });

  it('an active answer is reused, but never past the token exp', async () => {
    const seconds = clock / 1000;
    issuer.introspection.set('short', active(seconds + 5));
    const check = verifier({ cacheSeconds: 60 });
    await check.verify('short', context);
    clock += 4_000;
    await check.verify('short', context);
    expect(issuer.counts.introspection).toBe(1);
    clock += 2_000; // past exp: asked again
    await check.verify('short', context);
    expect(issuer.counts.introspection).toBe(2);
    clock += 60_000; // past exp and the clock tolerance: refused whatever the cache holds
    await expect(check.verify('short', context)).rejects.toMatchObject({
      description: 'The access token expired.',
    });
  });

  it('an inactive answer is reused for 10 seconds only', async () => {
    const check = verifier();
    await expect(check.verify('nope', context)).rejects.toBeInstanceOf(AuthError);
    clock += 9_000;
    await expect(check.verify('nope', context)).rejects.toBeInstanceOf(AuthError);
    expect(issuer.counts.introspection).toBe(1);
    clock += 2_000;
    await expect(check.verify('nope', context)).rejects.toBeInstanceOf(AuthError);
    expect(issuer.counts.introspection).toBe(2);
  });

  it('the cache holds at most maxCacheEntries, dropping the least recently used', async () => {
    for (const token of ['a', 'b', 'c']) issuer.introspection.set(token, active(clock / 1000 + 600));
    const check = verifier({ maxCacheEntries: 2 });
    await check.verify('a', context);
    await check.verify('b', context);
    await check.verify('a', context); // a is now the most recent
    await check.verify('c', context); // evicts b
    expect(issuer.counts.introspection).toBe(3);
    await check.verify('a', context);
    expect(issuer.counts.introspection).toBe(3);
    await check.verify('b', context);
    expect(issuer.counts.introspection).toBe(4);
  });

  it('concurrent requests with one token share one introspection call', async () => {
    issuer.introspection.set('busy', active(clock / 1000 + 600));
    const check = verifier();
    await Promise.all(Array.from({ length: 10 }, () => check.verify('busy', context)));
    expect(issuer.counts.introspection).toBe(1);
  });

  it('cacheSeconds 0 asks every time', async () => {
    issuer.introspection.set('fresh', active(clock / 1000 + 600));
    const check = verifier({ cacheSeconds: 0 });
    await check.verify('fresh', context);
    await check.verify('fresh', context);
    expect(issuer.counts.introspection).toBe(2);
  });

  it('wrong client credentials at the endpoint are an outage to report, not a token refusal', async () => {
    const check = createIntrospectionVerifier({
      url: issuer.introspectionUrl,
      clientId: 'x',
      clientSecret: 'y',
    });
    const failure = await check.verify('t', context).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(AuthError);
    expect(String(failure)).toContain('HTTP 401');
  });
});

describe('JWT verifier cache', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });
  beforeEach(() => {
    issuer.counts.jwks = 0;
  });

  // With a JWKS cache age of 0, jose fetches the key set for every signature it checks: the fetch
  // count is the number of signature checks.
  const verifierWith = (cacheTtlMs: number, now: () => number = Date.now) =>
    createJwtVerifier({ issuer: issuer.url, jwksUri: issuer.jwksUri, jwksCacheMaxAgeMs: 0, cacheTtlMs, now });

  it('a token verified once is not checked again while cached; another resource is', async () => {
    const verifier = verifierWith(60_000);
    const token = await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' });
    const first = await verifier.verify(token, context);
    const again = await verifier.verify(token, context);
    expect(again).toEqual(first);
    expect(issuer.counts.jwks).toBe(1);
    await expect(verifier.verify(token, { resource: 'https://other.example.com/mcp' })).rejects.toMatchObject(
      {
        status: 401,
      },
    );
    expect(issuer.counts.jwks).toBe(2);
  });

  it('without the cache every call checks the signature', async () => {
    const verifier = verifierWith(0);
    const token = await issuer.sign({ aud: RESOURCE });
    await verifier.verify(token, context);
    await verifier.verify(token, context);
    expect(issuer.counts.jwks).toBe(2);
  });

  it('a cached token still expires at its exp (with the clock tolerance)', async () => {
    let clock = Date.now();
    const verifier = verifierWith(600_000, () => clock);
    const token = await issuer.sign({ aud: RESOURCE, exp: Math.floor(clock / 1000) + 60 });
    await verifier.verify(token, context);
    clock += 60_000 + 31_000;
    await expect(verifier.verify(token, context)).rejects.toMatchObject({
      status: 401,
      error: 'invalid_token',
    });
  });
});
