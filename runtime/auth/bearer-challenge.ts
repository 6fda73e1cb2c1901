/**
 * `WWW-Authenticate: Bearer ...` challenges (RFC 6750 §3) pointing at the protected-resource
 * metadata (RFC 9728 §5.1), which is how an MCP client finds the authorization server.
 */
import type { AuthErrorCode } from './auth-types.js';

export interface BearerChallenge {
  /** Absent when the request presented no token (RFC 6750 §3.1). */
  readonly error?: AuthErrorCode;
  readonly description?: string;
  /** insufficient_scope: the scopes the operation needs, space separated. */
  readonly scope?: string;
  readonly resourceMetadata: string;
}

export function formatBearerChallenge(challenge: BearerChallenge): string {
  const params: [string, string | undefined][] = [
    ['error', challenge.error],
    ['error_description', challenge.description],
    ['scope', challenge.scope],
    ['resource_metadata', challenge.resourceMetadata],
  ];
  const fields = params.flatMap(([name, value]) =>
    value === undefined ? [] : [`${name}="${quote(value)}"`],
  );
  return `Bearer ${fields.join(', ')}`;
}

/** A quoted-string: printable ASCII only (a header value), quotes and backslashes escaped. */
function quote(value: string): string {
  return value.replace(/[^ -~]/g, ' ').replace(/["\\]/g, (c) => `\\${c}`);
}
