/**
 * The TokenVerifier for API tokens. Tokens without the API's prefix are not its kind (the next
 * verifier is asked); with the prefix, the token is looked up by its SHA-256 on every request.
 *
 * No cache: a revocation, from the CLI or another instance, refuses the very next request. The lookup
 * is one indexed read (see docs/api-tokens.md for its measured cost), small next to the upstream call
 * every tool call makes anyway.
 */
import { API_TOKEN_TOUCH_INTERVAL_MS, type ApiTokenRecord } from '../../stores/api-token-types.js';
import type { Store } from '../../stores/store-types.js';
import { AuthError, type Grant, type TokenVerifier, type VerifyContext } from '../auth-types.js';
import {
  checkApiTokenPrefix,
  DEFAULT_API_TOKEN_PREFIX,
  hashApiToken,
  isWellFormedApiToken,
  sameTokenHash,
} from './api-token-format.js';

export interface ApiTokenVerifierOptions {
  /** The API's token prefix (apiTokenPrefixOf(api)). Default `s2m_`. */
  readonly prefix?: string;
  /** Epoch ms; tests move it. */
  readonly now?: () => number;
  /** Recording a use failed; the request it came from is not affected. Default: ignored. */
  readonly onTouchError?: (error: unknown) => void;
}

export interface ApiTokenVerifier extends TokenVerifier {
  /** Resolves once the uses recorded so far are written (for tests and shutdown). */
  settle(): Promise<void>;
}

export function createApiTokenVerifier(
  store: Pick<Store, 'apiTokens'>,
  options: ApiTokenVerifierOptions = {},
): ApiTokenVerifier {
  const prefix = checkApiTokenPrefix(options.prefix ?? DEFAULT_API_TOKEN_PREFIX);
  const now = options.now ?? Date.now;
  const onTouchError = options.onTouchError ?? (() => {});
  /** Ids with a write of last_used_at under way, so a burst of requests writes once. */
  const touching = new Set<string>();
  const pending = new Set<Promise<void>>();

  /**
   * last_used_at is written after the request has its answer, never awaited by it: on PostgreSQL a
   * write is a round trip, on SQLite it may wait for another process's write lock.
   */
  const recordUse = (record: ApiTokenRecord, at: number) => {
    if (record.lastUsedAt !== undefined && record.lastUsedAt > at - API_TOKEN_TOUCH_INTERVAL_MS) return;
    if (touching.has(record.id)) return;
    touching.add(record.id);
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => store.apiTokens.touch(record.id, at))
      .then(
        () => {},
        (error: unknown) => onTouchError(error),
      )
      .finally(() => {
        touching.delete(record.id);
        pending.delete(write);
      });
    pending.add(write);
  };

  return {
    name: 'api-token',
    async verify(token: string, _context: VerifyContext): Promise<Grant | undefined> {
      if (typeof token !== 'string' || !token.startsWith(prefix)) return undefined;
      // Descriptions go to the client in WWW-Authenticate and to logs: ids and times only, never the token.
      if (!isWellFormedApiToken(token, prefix)) {
        throw invalidToken(
          `The API token is malformed: it must be ${prefix} and 43 more characters. Was it copied whole?`,
        );
      }
      const hash = hashApiToken(token);
      const record = await store.apiTokens.findByHash(hash);
      // The database matched the hash already; the constant-time compare guards a store that would not.
      if (record === undefined || !sameTokenHash(record.tokenHash, hash)) {
        throw invalidToken('The API token is not known (it may have been created for another server).');
      }
      if (record.revokedAt !== undefined) {
        throw invalidToken(`The API token ${record.id} was revoked at ${isoTime(record.revokedAt)}.`);
      }
      const at = now();
      if (record.expiresAt !== undefined && record.expiresAt <= at) {
        throw invalidToken(`The API token ${record.id} expired at ${isoTime(record.expiresAt)}.`);
      }
      recordUse(record, at);
      return toGrant(record);
    },
    async settle() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

/** What a valid token allows; times in epoch seconds, as the Grant contract has them. */
export function toGrant(record: ApiTokenRecord): Grant {
  const clientId = `api-token:${record.id}`;
  return {
    kind: 'api-token',
    principal: clientId,
    clientId,
    clientName: record.name,
    scopes: [...record.scopes],
    ...(record.tenant !== undefined && { tenant: record.tenant }),
    ...(record.workspaces !== undefined && { workspaces: [...record.workspaces] }),
    ...(record.expiresAt !== undefined && { expiresAt: Math.floor(record.expiresAt / 1000) }),
    ...(record.credentialRef !== undefined && { credentialRef: record.credentialRef }),
  };
}

function invalidToken(description: string): AuthError {
  return new AuthError(401, 'invalid_token', description);
}

function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
