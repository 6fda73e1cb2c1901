/**
 * Verifies JWT access tokens of an external authorization server (RFC 9068 style) with `jose`:
 * signature by the issuer's JWKS (fetched by URL, or a local key set), issuer, audience (the MCP
 * resource URL, RFC 8707), exp/nbf with a small clock tolerance, and only the pinned algorithms.
 */
import { createHash } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { AuthConfigError, checkJwtAlgorithms, DEFAULT_JWT_ALGORITHMS } from './auth-modes.js';
import { AuthError, type Grant, type TokenVerifier, type VerifyContext } from './auth-types.js';

export {
  ACCEPTABLE_JWT_ALGORITHMS,
  AuthConfigError,
  checkJwtAlgorithms,
  DEFAULT_JWT_ALGORITHMS,
} from './auth-modes.js';

export interface JwtVerifierOptions {
  /** Expected `iss`, exactly. */
  readonly issuer: string;
  /** The issuer's JWKS URL; one of `jwksUri` and `jwks` is required. */
  readonly jwksUri?: string;
  /** A local key set, for issuers whose keys are distributed out of band. */
  readonly jwks?: JSONWebKeySet;
  /** Accepted `aud` values; default: the resource URL the token is presented to. */
  readonly audience?: readonly string[];
  /** Default RS256 and ES256. */
  readonly algorithms?: readonly string[];
  /** Allowed clock skew for exp/nbf. Default 30 s. */
  readonly clockToleranceSeconds?: number;
  /** Least time between two JWKS fetches for an unknown `kid` (key rotation). Default 30 s. */
  readonly jwksCooldownMs?: number;
  /** A fetched JWKS is used this long before it is fetched again. Default 10 min. */
  readonly jwksCacheMaxAgeMs?: number;
  /** JWKS request timeout. Default 5 s. */
  readonly jwksTimeoutMs?: number;
  /**
   * A verified token is remembered this long (never past its `exp`), so a client's next calls skip
   * the signature check; 0 turns it off. Default 60 s: a key withdrawn from the JWKS keeps working
   * that long, the same window the introspection cache allows.
   */
  readonly cacheTtlMs?: number;
  /** Most verified tokens remembered (least recently used dropped first). Default 10,000. */
  readonly cacheMaxEntries?: number;
  /** Clock in epoch ms (tests move it). */
  readonly now?: () => number;
}

export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const algorithms = [...checkJwtAlgorithms(options.algorithms ?? DEFAULT_JWT_ALGORITHMS)];
  const keys = resolveKeys(options);
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const configuredAudience = options.audience === undefined ? undefined : [...options.audience];
  const now = options.now ?? Date.now;
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const cacheMaxEntries = options.cacheMaxEntries ?? 10_000;
  // Keyed by SHA-256 of resource and token: the token itself is never kept in memory longer.
  const verified = new Map<
    string,
    { readonly grant: Grant; readonly until: number; readonly nbf?: number }
  >();
  return {
    name: 'external-jwt',
    async verify(token: string, context: VerifyContext): Promise<Grant | undefined> {
      if (!looksLikeJws(token)) return undefined;
      const cacheKey = cacheTtlMs > 0 ? hashOf(context.resource, token) : undefined;
      const at = now();
      const cached = cacheKey === undefined ? undefined : verified.get(cacheKey);
      if (cached !== undefined) {
        verified.delete(cacheKey as string);
        // exp is folded into `until`; nbf stays checked on every use.
        if (
          at < cached.until &&
          (cached.nbf === undefined || cached.nbf * 1000 <= at + clockTolerance * 1000)
        ) {
          verified.set(cacheKey as string, cached);
          return cached.grant;
        }
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: configuredAudience ?? audienceOf(context.resource),
          algorithms,
          clockTolerance,
          requiredClaims: ['exp', 'sub'],
          currentDate: new Date(at),
        }));
      } catch (error) {
        throw toAuthError(error);
      }
      const grant = grantOfClaims(payload, 'external-jwt');
      if (cacheKey !== undefined && typeof payload.exp === 'number') {
        const until = Math.min(at + cacheTtlMs, payload.exp * 1000 + clockTolerance * 1000);
        if (verified.size >= cacheMaxEntries) {
          const oldest = verified.keys().next().value;
          if (oldest !== undefined) verified.delete(oldest);
        }
        verified.set(cacheKey, {
          grant,
          until,
          ...(typeof payload.nbf === 'number' && { nbf: payload.nbf }),
        });
      }
      return grant;
    },
  };
}

function hashOf(resource: string, token: string): string {
  return createHash('sha256').update(resource).update('\n').update(token).digest('base64url');
}

function resolveKeys(options: JwtVerifierOptions): JWTVerifyGetKey {
  if (options.jwks !== undefined) return createLocalJWKSet(options.jwks);
  if (options.jwksUri === undefined || options.jwksUri === '') {
    throw new AuthConfigError('The JWT verifier needs the issuer keys: a JWKS URL or a local key set.');
  }
  let url: URL;
  try {
    url = new URL(options.jwksUri);
  } catch {
    throw new AuthConfigError(`The JWKS URL "${options.jwksUri}" is not an absolute URL.`);
  }
  return createRemoteJWKSet(url, {
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
  });
}

/** A compact JWS (three parts, a JSON header): other tokens belong to the next verifier. */
function looksLikeJws(token: string): boolean {
  const first = token.indexOf('.');
  if (first <= 0 || token.indexOf('.', first + 1) === -1 || token.split('.').length !== 3) return false;
  try {
    return typeof decodeProtectedHeader(token).alg === 'string';
  } catch {
    return false;
  }
}

/** The resource URL, with and without a trailing slash: authorization servers differ on that. */
export function audienceOf(resource: string): string[] {
  return resource.endsWith('/') ? [resource, resource.slice(0, -1)] : [resource, `${resource}/`];
}

/** A grant from verified token claims: `sub`, `scope` or `scp`, `client_id` or `azp`, `exp`. */
export function grantOfClaims(claims: Readonly<Record<string, unknown>>, kind: Grant['kind']): Grant {
  const subject = claims['sub'];
  if (typeof subject !== 'string' || subject === '') {
    throw new AuthError(401, 'invalid_token', 'The access token names no subject (sub).');
  }
  const clientId = [claims['client_id'], claims['azp']].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  const expiresAt = claims['exp'];
  return {
    kind,
    principal: subject,
    clientId: clientId ?? '',
    scopes: scopesOfClaims(claims),
    ...(typeof expiresAt === 'number' && { expiresAt }),
  };
}

function scopesOfClaims(claims: Readonly<Record<string, unknown>>): string[] {
  const scope = claims['scope'] ?? claims['scp'];
  if (typeof scope === 'string') return scope.split(' ').filter((item) => item !== '');
  if (Array.isArray(scope)) return scope.filter((item): item is string => typeof item === 'string');
  return [];
}

/** jose's verdicts on the token become 401s; anything else (JWKS unreachable) propagates. */
function toAuthError(error: unknown): unknown {
  const refuse = (description: string) => new AuthError(401, 'invalid_token', description);
  if (error instanceof errors.JWTExpired) return refuse('The access token expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return refuse('The access token is for another resource (its audience is not this MCP server).');
      case 'iss':
        return refuse('The access token was issued by another authorization server.');
      case 'nbf':
        return refuse('The access token is not valid yet.');
      default:
        return refuse(`The access token's "${error.claim}" claim is missing or invalid.`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return refuse('The access token is signed with an algorithm this server does not accept.');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse('The access token signature is invalid.');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse('The access token was signed by a key the authorization server does not publish.');
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return refuse('The access token is malformed.');
  }
  return error;
}
