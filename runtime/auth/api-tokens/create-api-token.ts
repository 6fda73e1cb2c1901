/**
 * Creates an API token: checks the request, stores the token's hash and returns the token itself,
 * the only time it exists outside the caller's hands.
 */
import { randomBytes } from 'node:crypto';
import { ApiTokenConflictError, type ApiTokenRecord } from '../../stores/api-token-types.js';
import type { Store } from '../../stores/store-types.js';
import {
  checkApiTokenPrefix,
  DEFAULT_API_TOKEN_PREFIX,
  displayPrefixOf,
  generateApiToken,
  hashApiToken,
} from './api-token-format.js';

export interface CreateApiTokenRequest {
  /** Unique among tokens that are not revoked; `tokens revoke <name>` uses it. */
  readonly name: string;
  readonly scopes: readonly string[];
  /** Binds the token to one tenant of `/{tenant}/mcp`. */
  readonly tenant?: string;
  /** Restricts the tenants/workspaces the token may name in tool arguments. */
  readonly workspaces?: readonly string[];
  /** Seconds (as OAuth's `expires_in`) or a duration: `30m`, `12h`, `90d`, `2w`, `1y`. Absent: never. */
  readonly expiresIn?: number | string;
  /** The caller's own upstream credential in the CredentialVault. */
  readonly credentialRef?: string;
}

export interface CreateApiTokenOptions {
  /** The API's token prefix (apiTokenPrefixOf(api)). Default `s2m_`. */
  readonly prefix?: string;
  /** Epoch ms. */
  readonly now?: () => number;
}

export interface CreatedApiToken {
  /** The plaintext token: shown once, never stored, cannot be recovered. */
  readonly token: string;
  readonly record: ApiTokenRecord;
}

/** A request that cannot become a token; the message says what to change. */
export class ApiTokenRequestError extends Error {
  override readonly name: string = 'ApiTokenRequestError';
}

/** The name belongs to a token that is not revoked: not a malformed request, a state of the store. */
export class ApiTokenNameTakenError extends ApiTokenRequestError {
  override readonly name = 'ApiTokenNameTakenError';
}

const MAX_NAME_LENGTH = 100;
const MAX_VALUE_LENGTH = 200;
/** RFC 6749 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Token ids are 16 hex characters; a name like one would make `revoke <id|name>` ambiguous. */
const ID_LIKE = /^[0-9a-f]{16}$/;
const DURATION = /^(\d+)([smhdwy])$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  m: 60,
  h: 60 * 60,
  d: 24 * 60 * 60,
  w: 7 * 24 * 60 * 60,
  y: 365 * 24 * 60 * 60,
};
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 24 * 60 * 60;

export async function createApiToken(
  store: Pick<Store, 'apiTokens'>,
  request: CreateApiTokenRequest,
  options: CreateApiTokenOptions = {},
): Promise<CreatedApiToken> {
  const prefix = checkApiTokenPrefix(options.prefix ?? DEFAULT_API_TOKEN_PREFIX);
  const { name, scopes, tenant, workspaces, expiresInSeconds } = checkApiTokenRequest(request);
  const createdAt = (options.now ?? Date.now)();
  const token = generateApiToken(prefix);
  const record = await store.apiTokens
    .create({
      id: randomBytes(8).toString('hex'),
      name,
      tokenHash: hashApiToken(token),
      displayPrefix: displayPrefixOf(token, prefix),
      scopes,
      ...(tenant !== undefined && { tenant }),
      ...(workspaces !== undefined && { workspaces }),
      ...(request.credentialRef !== undefined && { credentialRef: request.credentialRef }),
      createdAt,
      // Whole seconds, so the grant's `expiresAt` (epoch seconds) is the stored time exactly.
      ...(expiresInSeconds !== undefined && {
        expiresAt: (Math.floor(createdAt / 1000) + expiresInSeconds) * 1000,
      }),
    })
    .catch((error: unknown) => {
      if (error instanceof ApiTokenConflictError && error.field === 'name') {
        throw new ApiTokenNameTakenError(
          `A token named "${name}" exists and is not revoked (an expired one counts until pruned): revoke it first or choose another name.`,
        );
      }
      throw error;
    });
  return { token, record };
}

export interface CheckedApiTokenRequest {
  readonly name: string;
  /** Duplicates dropped. */
  readonly scopes: readonly string[];
  readonly tenant: string | undefined;
  readonly workspaces: readonly string[] | undefined;
  readonly expiresInSeconds: number | undefined;
}

/**
 * The request as it will be stored, or ApiTokenRequestError saying what to change. createApiToken
 * checks too; callers such as the CLI call it first to refuse before opening a store.
 */
export function checkApiTokenRequest(request: CreateApiTokenRequest): CheckedApiTokenRequest {
  return {
    name: checkName(request.name),
    scopes: checkList('scopes', request.scopes, (scope) => SCOPE_TOKEN.test(scope)),
    tenant: request.tenant === undefined ? undefined : checkValue('tenant', request.tenant),
    workspaces:
      request.workspaces === undefined
        ? undefined
        : checkList('workspaces', request.workspaces, (workspace) => isPlainValue(workspace)),
    expiresInSeconds: request.expiresIn === undefined ? undefined : parseExpiresIn(request.expiresIn),
  };
}

/** `90d` or a number of seconds, to seconds; throws ApiTokenRequestError. */
export function parseExpiresIn(value: number | string): number {
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else {
    const match = DURATION.exec(value.trim());
    seconds = match === null ? Number.NaN : Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? Number.NaN);
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > MAX_EXPIRES_IN_SECONDS) {
    throw new ApiTokenRequestError(
      `The expiry "${value}" must be a duration such as 30m, 12h, 90d, 2w or 1y (more than 0, at most 10 years).`,
    );
  }
  return seconds;
}

function checkName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH || CONTROL_CHARACTERS.test(trimmed)) {
    throw new ApiTokenRequestError(
      `The token name must be 1 to ${MAX_NAME_LENGTH} characters without control characters.`,
    );
  }
  if (ID_LIKE.test(trimmed)) {
    throw new ApiTokenRequestError(
      `The token name "${trimmed}" looks like a token id (16 hex digits); choose a name that does not.`,
    );
  }
  return trimmed;
}

function checkValue(what: string, value: string): string {
  if (!isPlainValue(value)) {
    throw new ApiTokenRequestError(
      `The ${what} must be 1 to ${MAX_VALUE_LENGTH} characters without spaces or control characters.`,
    );
  }
  return value;
}

function isPlainValue(value: string): boolean {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_VALUE_LENGTH &&
    !/\s/.test(value) &&
    !CONTROL_CHARACTERS.test(value)
  );
}

/** Non-empty, each value valid, duplicates dropped (first occurrence kept). */
function checkList(what: string, values: readonly string[], valid: (value: string) => boolean): string[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new ApiTokenRequestError(`A token needs at least one value in ${what}.`);
  }
  const invalid = values.find((value) => !valid(value));
  if (invalid !== undefined) {
    throw new ApiTokenRequestError(
      `${JSON.stringify(invalid)} is not a valid value in ${what} (no spaces, quotes, backslashes or control characters).`,
    );
  }
  return [...new Set(values)];
}
