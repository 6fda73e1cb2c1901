/**
 * The authentication modes (env SPEC2MCP_AUTH), their settings and the JWT algorithm rules, without
 * any verifier: reading the configuration must not load jose or undici, which only
 * `SPEC2MCP_AUTH=external` uses (auth-settings.ts creates its verifiers).
 */

export type AuthMode = 'embedded' | 'external' | 'none';
export const AUTH_MODES: readonly AuthMode[] = ['embedded', 'external', 'none'];

export interface ExternalAuthSettings {
  readonly mode: 'external';
  /** The authorization server's issuer identifier (`iss`), also listed in the resource metadata. */
  readonly issuer: string;
  /** JWKS URL: JWT access tokens are verified locally. */
  readonly jwksUri?: string;
  /** Accepted `aud` values; default: the MCP resource URL. */
  readonly audience?: readonly string[];
  /** JWS algorithms accepted (default RS256, ES256). */
  readonly algorithms?: readonly string[];
  /** RFC 7662 endpoint for opaque tokens (tokens that are not JWTs). */
  readonly introspection?: {
    readonly url: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly cacheSeconds?: number;
  };
}

export type AuthSettings = { readonly mode: 'none' } | { readonly mode: 'embedded' } | ExternalAuthSettings;

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

export const DEFAULT_JWT_ALGORITHMS: readonly string[] = ['RS256', 'ES256'];

/** Asymmetric JWS algorithms only: `none` proves nothing, and HS* would accept a public key as the secret. */
export const ACCEPTABLE_JWT_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** The algorithm list, refused when it names `none`, an HMAC algorithm or one jose cannot verify. */
export function checkJwtAlgorithms(algorithms: readonly string[]): readonly string[] {
  if (algorithms.length === 0) throw new AuthConfigError('The JWT algorithm list is empty.');
  const refused = algorithms.filter((algorithm) => !ACCEPTABLE_JWT_ALGORITHMS.includes(algorithm));
  if (refused.length > 0) {
    throw new AuthConfigError(
      `JWT algorithm(s) ${refused.join(', ')} are not accepted; use asymmetric ones: ${ACCEPTABLE_JWT_ALGORITHMS.join(', ')}.`,
    );
  }
  return algorithms;
}
