/**
 * How the MCP endpoint authenticates callers (env SPEC2MCP_AUTH) and the token verifiers that
 * follows from: `embedded` (the built-in authorization server and API tokens, whose verifiers are
 * passed in), `external` (JWTs by JWKS and/or opaque tokens by introspection), or `none`.
 */
import type { TokenVerifier } from './auth-types.js';
import { createIntrospectionVerifier } from './introspection-verifier.js';
import { AuthConfigError, createJwtVerifier } from './jwt-verifier.js';

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

/** The verifiers the settings configure, in the order they are asked (JWTs before introspection). */
export function createConfiguredVerifiers(settings: AuthSettings): TokenVerifier[] {
  if (settings.mode !== 'external') return [];
  if (settings.jwksUri === undefined && settings.introspection === undefined) {
    throw new AuthConfigError(
      'External authentication needs SPEC2MCP_AUTH_JWKS_URI (JWT access tokens) or SPEC2MCP_AUTH_INTROSPECTION_URL (opaque tokens), or both.',
    );
  }
  const audience =
    settings.audience !== undefined && settings.audience.length > 0 ? settings.audience : undefined;
  const verifiers: TokenVerifier[] = [];
  if (settings.jwksUri !== undefined) {
    verifiers.push(
      createJwtVerifier({
        issuer: settings.issuer,
        jwksUri: settings.jwksUri,
        ...(audience !== undefined && { audience }),
        ...(settings.algorithms !== undefined && { algorithms: settings.algorithms }),
      }),
    );
  }
  if (settings.introspection !== undefined) {
    verifiers.push(
      createIntrospectionVerifier({
        ...settings.introspection,
        issuer: settings.issuer,
        ...(audience !== undefined && { audience }),
      }),
    );
  }
  return verifiers;
}
