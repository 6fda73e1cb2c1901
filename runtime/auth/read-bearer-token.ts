/**
 * Where a request carries its access token: `Authorization: Bearer` (RFC 6750 §2.1), or, for old
 * SSE clients of APIs that allow it, `?token=` in the URL. Query tokens are taken out of the URL
 * before routing (Fastify's `rewriteUrl`), so they never reach request logs, whether accepted or not.
 */
import type { IncomingMessage } from 'node:http';
import { AuthError } from './auth-types.js';

/** Longest Authorization header (or query token) read; real tokens are far shorter. */
export const MAX_CREDENTIAL_BYTES = 4096;

export interface PresentedToken {
  readonly token: string;
  readonly via: 'header' | 'query';
}

// RFC 6750 §2.1: b64token, one space or more after the scheme (case-insensitive).
const BEARER_HEADER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/;
// `token` is the contract's name; `access_token` is RFC 6750 §2.3's, stripped too so it is never logged.
const QUERY_TOKEN_NAMES = ['token', 'access_token'];

const queryTokens = new WeakMap<IncomingMessage, string[]>();

/** Fastify `rewriteUrl`: the URL without query tokens, which are kept aside for readQueryTokens. */
export function stripQueryTokens(raw: IncomingMessage): string {
  const url = raw.url ?? '/';
  const queryStart = url.indexOf('?');
  if (queryStart < 0 || !url.includes('token=', queryStart)) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  const tokens = QUERY_TOKEN_NAMES.flatMap((name) => params.getAll(name));
  if (tokens.length === 0) return url;
  for (const name of QUERY_TOKEN_NAMES) params.delete(name);
  queryTokens.set(raw, tokens);
  const rest = params.toString();
  return `${url.slice(0, queryStart)}${rest === '' ? '' : `?${rest}`}`;
}

export function readQueryTokens(raw: IncomingMessage): readonly string[] | undefined {
  return queryTokens.get(raw);
}

/**
 * The token of a request, undefined when it presents none. Throws AuthError 400 `invalid_request`
 * for a malformed or oversized header, a token in the URL where that is not allowed, and a token
 * presented twice (RFC 6750 §2: one method per request).
 */
export function readPresentedToken(
  authorization: string | undefined,
  fromQuery: readonly string[] | undefined,
  allowQueryToken: boolean,
): PresentedToken | undefined {
  const refuse = (description: string) => new AuthError(400, 'invalid_request', description);
  if (fromQuery !== undefined && fromQuery.length > 0) {
    if (!allowQueryToken) {
      throw refuse('Access tokens in the URL are not accepted; send the token in the Authorization header.');
    }
    if (authorization !== undefined || fromQuery.length > 1) {
      throw refuse('The request presents more than one access token; send exactly one.');
    }
    const token = fromQuery[0] ?? '';
    if (Buffer.byteLength(token) > MAX_CREDENTIAL_BYTES || !TOKEN_SYNTAX.test(token)) {
      throw refuse('The access token in the URL is malformed or too long.');
    }
    return { token, via: 'query' };
  }
  if (authorization === undefined) return undefined;
  if (Buffer.byteLength(authorization) > MAX_CREDENTIAL_BYTES) {
    throw refuse(`The Authorization header is longer than ${MAX_CREDENTIAL_BYTES} bytes.`);
  }
  const match = BEARER_HEADER.exec(authorization);
  if (match === null) throw refuse('The Authorization header must be: Bearer <token>.');
  return { token: match[1] ?? '', via: 'header' };
}
