/**
 * The contract between the parts of authentication: verifiers turn a presented credential (an OAuth
 * access token from the embedded or an external authorization server, or an API token) into a
 * Grant; the resource server (runtime/plugins/resource-server.ts) checks it against the request
 * and hands it to the MCP layer as the request's AuthInfo.
 */

export type GrantKind = 'oauth' | 'api-token' | 'external-jwt' | 'external-introspection';

/** What a verified credential allows. */
export interface Grant {
  readonly kind: GrantKind;
  /**
   * Who acts: the platform user id for the embedded authorization server (from `whoami` at consent),
   * the token id for API tokens, `sub` for external tokens. Idempotency keys, rate limits and audit
   * are per principal.
   */
  readonly principal: string;
  /** OAuth client id, or `api-token:<token id>`. */
  readonly clientId: string;
  /** Human name of the client or token, for logs and `clients list`. */
  readonly clientName?: string;
  readonly scopes: readonly string[];
  /** The tenant (`access.tenantPathParam` value) the credential is bound to; absent: not bound. */
  readonly tenant?: string;
  /** Tenants/workspaces granted at consent (`access.tenantArgument` values); absent: no restriction. */
  readonly workspaces?: readonly string[];
  /** Epoch seconds. */
  readonly expiresAt?: number;
  /** The caller's own upstream credential in the CredentialVault; absent: the service credential. */
  readonly credentialRef?: string;
}

export interface VerifyContext {
  /** Canonical URL of the MCP endpoint the token is presented to (RFC 8707 resource / audience). */
  readonly resource: string;
}

export interface TokenVerifier {
  readonly name: string;
  /**
   * The grant, `undefined` when the token is not of this verifier's kind (the next one is asked),
   * or throws AuthError when it is of this kind but not valid (expired, revoked, wrong audience).
   */
  verify(token: string, context: VerifyContext): Promise<Grant | undefined>;
}

export type AuthErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** A refusal with its HTTP status and the RFC 6750 error for `WWW-Authenticate`. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly status: 400 | 401 | 403,
    readonly error: AuthErrorCode,
    /** Safe to show: never contains the token. */
    readonly description: string,
    /** insufficient_scope: the scopes the call needs (space separated). */
    readonly scope?: string,
  ) {
    super(description);
  }
}

/** Upstream credentials of users, encrypted at rest (key from env SPEC2MCP_CREDENTIAL_KEY). */
export interface CredentialVault {
  /** Encrypts and stores `secret` for `owner`, replacing what the owner had; returns the ref. */
  put(owner: string, secret: string): Promise<string>;
  get(ref: string): Promise<string | undefined>;
  delete(ref: string): Promise<void>;
}

/** Keys of `AuthInfo.extra` the runtime sets from a Grant (see runtime/mcp/call-identity.ts). */
export const AUTH_EXTRA = {
  principal: 'principal',
  grant: 'grant',
} as const;
