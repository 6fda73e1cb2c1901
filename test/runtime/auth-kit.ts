/**
 * A stand-in external authorization server for the resource-server tests: real keys (jose), a JWKS
 * served over HTTP, signed JWT access tokens, and an RFC 7662 introspection endpoint with scripted
 * answers. Counts its JWKS and introspection requests so caching can be asserted.
 */

import Fastify from 'fastify';
import { base64url, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Grant, TokenVerifier, VerifyContext } from '../../runtime/auth/auth-types.js';

export const INTROSPECTION_CLIENT = { clientId: 'mcp-resource', clientSecret: 's3cret value' };

export interface TestIssuer {
  /** Issuer identifier and base URL. */
  readonly url: string;
  readonly jwksUri: string;
  readonly introspectionUrl: string;
  readonly publicJwk: JWK;
  /** The public key as PEM: what an attacker would use as an HMAC secret. */
  readonly publicPem: string;
  readonly counts: { jwks: number; introspection: number };
  /** Answers by token; unknown tokens are inactive. */
  readonly introspection: Map<string, Record<string, unknown>>;
  /** Overrides the introspection status (e.g. 500 for an outage). */
  introspectionStatus: number;
  /** A signed access token; claims override the defaults (iss, sub, exp). */
  sign(claims: JWTPayload, options?: { alg?: string; kid?: string; key?: CryptoKeyLike }): Promise<string>;
  close(): Promise<void>;
}

type CryptoKeyLike = Parameters<SignJWT['sign']>[0];

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const publicPem = await exportSPKI(publicKey);
  const app = Fastify();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  const issuer = {
    url: '',
    jwksUri: '',
    introspectionUrl: '',
    publicJwk,
    publicPem,
    counts: { jwks: 0, introspection: 0 },
    introspection: new Map<string, Record<string, unknown>>(),
    introspectionStatus: 200,
    async sign(claims: JWTPayload, options: { alg?: string; kid?: string; key?: CryptoKeyLike } = {}) {
      return new SignJWT({ iss: issuer.url, sub: 'user-1', exp: nowSeconds() + 600, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'key-1', typ: 'at+jwt' })
        .sign(options.key ?? privateKey);
    },
    close: () => app.close(),
  };
  app.get('/jwks', async () => {
    issuer.counts.jwks += 1;
    return { keys: [publicJwk] };
  });
  app.post('/introspect', async (request, reply) => {
    issuer.counts.introspection += 1;
    const expected = `Basic ${Buffer.from(`mcp-resource:s3cret+value`).toString('base64')}`;
    if (request.headers.authorization !== expected) return reply.code(401).send({ error: 'invalid_client' });
    if (issuer.introspectionStatus !== 200) return reply.code(issuer.introspectionStatus).send({});
    const token = (request.body as Record<string, string>)['token'] ?? '';
    return issuer.introspection.get(token) ?? { active: false };
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(issuer, {
    url: address,
    jwksUri: `${address}/jwks`,
    introspectionUrl: `${address}/introspect`,
  });
}

/** A JWT with `alg: none` and no signature. */
export function unsignedToken(claims: JWTPayload): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

/**
 * A verifier as the embedded authorization server or API tokens would plug in: known tokens map to
 * grants, other tokens are not of its kind. Records the resource each token was presented to.
 */
export function fakeVerifier(grants: Record<string, Grant>): TokenVerifier & { contexts: VerifyContext[] } {
  const contexts: VerifyContext[] = [];
  return {
    name: 'fake',
    contexts,
    async verify(token, context) {
      contexts.push(context);
      return grants[token];
    },
  };
}
