/**
 * The token verifiers the authentication settings (auth-modes.ts) call for: `embedded` (the built-in
 * authorization server and API tokens, whose verifiers are passed in) and `none` need none here,
 * `external` verifies JWTs by JWKS and/or opaque tokens by introspection. This module loads jose and
 * undici, so the server imports it only with SPEC2MCP_AUTH=external.
 */
import type { AuthSettings } from './auth-modes.js';
import { AuthConfigError } from './auth-modes.js';
import type { TokenVerifier } from './auth-types.js';
import { createIntrospectionVerifier } from './introspection-verifier.js';
import { createJwtVerifier } from './jwt-verifier.js';

export {
  AUTH_MODES,
  type AuthMode,
  type AuthSettings,
  type ExternalAuthSettings,
} from './auth-modes.js';

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
