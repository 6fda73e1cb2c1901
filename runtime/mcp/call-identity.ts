/**
 * Who a call acts for, from the request's validated AuthInfo: the subject the authentication step
 * put in `extra.principal` (token subject, API-token id, trusted proxy user), else the OAuth client
 * id. Without authentication every call is `anonymous`: one principal, as with a single service
 * credential.
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import { AUTH_EXTRA, type Grant } from '../auth/auth-types.js';

export interface CallIdentity {
  readonly principal: string;
  readonly client?: string;
}

export const ANONYMOUS_PRINCIPAL = 'anonymous';

export function identityOf(authInfo: AuthInfo | undefined): CallIdentity {
  if (authInfo === undefined) return { principal: ANONYMOUS_PRINCIPAL };
  const subject = authInfo.extra?.[AUTH_EXTRA.principal];
  const principal = typeof subject === 'string' && subject !== '' ? subject : authInfo.clientId;
  return {
    principal: principal === '' ? ANONYMOUS_PRINCIPAL : principal,
    ...(authInfo.clientId !== '' && { client: authInfo.clientId }),
  };
}

/**
 * The verified grant behind the request, set only by the resource server (never from request data);
 * absent without token authentication (none, a trusted proxy), where no scopes are enforced.
 */
export function grantOf(authInfo: AuthInfo | undefined): Grant | undefined {
  return authInfo?.extra?.[AUTH_EXTRA.grant] as Grant | undefined;
}

/**
 * Authentication by a trusted reverse proxy (oauth2-proxy, an API gateway) that sets a header with
 * the user: only safe when nothing but that proxy can reach the server.
 */
export function trustedHeaderAuthenticator(
  headerName: string,
): (headers: Readonly<Record<string, string | string[] | undefined>>) => AuthInfo | undefined {
  const name = headerName.toLowerCase();
  return (headers) => {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value === undefined || value === '') return undefined;
    return { token: '', clientId: `proxy:${name}`, scopes: [], extra: { principal: value } };
  };
}
