/**
 * Turns the service credential (env SPEC2MCP_UPSTREAM_CREDENTIAL) into the headers, query
 * parameters and cookies the platform expects, per `api.upstream.auth.scheme`. Resolved once
 * at startup so a misconfigured scheme fails the boot, not the first tool call.
 */
import type { ApiDefinition } from '../define-tool.js';

export interface CredentialPlacement {
  readonly headers: Readonly<Record<string, string>>;
  readonly query: readonly (readonly [string, string])[];
  readonly cookies: readonly (readonly [string, string])[];
  /** Names (lowercase headers / query keys) that carry the secret, so logs and URLs can hide them. */
  readonly secretQueryKeys: readonly string[];
}

export const NO_CREDENTIAL: CredentialPlacement = {
  headers: {},
  query: [],
  cookies: [],
  secretQueryKeys: [],
};

export class CredentialConfigError extends Error {
  override readonly name = 'CredentialConfigError';
}

/** Resolves where the credential goes; returns NO_CREDENTIAL when the API declares no upstream auth. */
export function resolveCredentialPlacement(
  api: ApiDefinition,
  credential: string | undefined,
): CredentialPlacement {
  const schemeName = api.upstream.auth?.scheme;
  if (schemeName === undefined || credential === undefined || credential === '') return NO_CREDENTIAL;
  const scheme = api.securitySchemes.find((candidate) => candidate.name === schemeName);
  if (scheme === undefined) {
    const known = api.securitySchemes.map((candidate) => candidate.name).join(', ') || 'none';
    throw new CredentialConfigError(
      `upstream.auth.scheme "${schemeName}" is not one of the API's security schemes (${known}).`,
    );
  }
  switch (scheme.type) {
    case 'apiKey':
      return placeApiKey(scheme.in, scheme.paramName, credential, schemeName);
    case 'http':
      return {
        ...NO_CREDENTIAL,
        headers: { authorization: formatHttpAuthorization(scheme.scheme, credential) },
      };
    case 'oauth2':
    case 'openIdConnect':
      return { ...NO_CREDENTIAL, headers: { authorization: `Bearer ${credential}` } };
    default:
      throw new CredentialConfigError(
        `Security scheme "${schemeName}" has type "${scheme.type}", which cannot carry a credential string.`,
      );
  }
}

function placeApiKey(
  location: string | undefined,
  paramName: string | undefined,
  credential: string,
  schemeName: string,
): CredentialPlacement {
  if (paramName === undefined || paramName === '') {
    throw new CredentialConfigError(`apiKey security scheme "${schemeName}" has no parameter name.`);
  }
  switch (location) {
    case 'header':
      return { ...NO_CREDENTIAL, headers: { [paramName.toLowerCase()]: credential } };
    case 'query':
      return { ...NO_CREDENTIAL, query: [[paramName, credential]] };
    case 'cookie':
      return { ...NO_CREDENTIAL, cookies: [[paramName, credential]] };
    default:
      throw new CredentialConfigError(
        `apiKey security scheme "${schemeName}" has an unknown location "${location}".`,
      );
  }
}

function formatHttpAuthorization(scheme: string | undefined, credential: string): string {
  const normalized = (scheme ?? 'bearer').toLowerCase();
  if (normalized === 'basic') {
    // The credential is given as `user:pass`; a value that is already base64 has no colon.
    const token = credential.includes(':') ? Buffer.from(credential, 'utf8').toString('base64') : credential;
    return `Basic ${token}`;
  }
  if (normalized === 'bearer') return `Bearer ${credential}`;
  return `${scheme} ${credential}`;
}
