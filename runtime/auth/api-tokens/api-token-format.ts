/**
 * What an API token looks like: `<prefix><43 characters>`, the 43 characters being 32 random bytes in
 * base64url. The prefix (x-mcp `tokens.prefix`, default `s2m_`) tells a verifier chain whose token it
 * is and makes leaked tokens findable by secret scanners. Only the SHA-256 of the whole token is stored:
 * 256 random bits need no salt or slow hash, since nobody can guess their way to a preimage.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiDefinition } from '../../define-tool.js';

export const DEFAULT_API_TOKEN_PREFIX = 's2m_';
/** The generator's rule for x-mcp `tokens.prefix` (generator/ir/read-x-mcp.ts), checked again here. */
export const API_TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}_$/;

const SECRET_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
export const API_TOKEN_SECRET_LENGTH = 43;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Characters of the secret shown in listings after the prefix: 24 of 256 bits, useless to an attacker. */
const DISPLAYED_SECRET_CHARACTERS = 4;

/** The token prefix an API's tokens use: its `access.tokenPrefix`, else `s2m_`. */
export function apiTokenPrefixOf(api: Pick<ApiDefinition, 'access'> | undefined): string {
  return checkApiTokenPrefix(api?.access?.tokenPrefix ?? DEFAULT_API_TOKEN_PREFIX);
}

export function checkApiTokenPrefix(prefix: string): string {
  if (!API_TOKEN_PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(
      `API token prefix "${prefix}" must be 2 to 16 lower-case letters and digits, starting with a letter, then "_" (like "capi_").`,
    );
  }
  return prefix;
}

/** A new token: the prefix and 32 bytes from the operating system's CSPRNG. */
export function generateApiToken(prefix: string): string {
  return prefix + randomBytes(SECRET_BYTES).toString('base64url');
}

/** Lower-case hex SHA-256 of the whole token, as the store keeps it. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Equal hashes, compared in constant time (both are 64 hex characters). */
export function sameTokenHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/** True when `token` is the prefix followed by a well-formed secret. */
export function isWellFormedApiToken(token: string, prefix: string): boolean {
  return (
    token.length === prefix.length + API_TOKEN_SECRET_LENGTH &&
    token.startsWith(prefix) &&
    SECRET_PATTERN.test(token.slice(prefix.length))
  );
}

/** What listings show of a token: `capi_Ab3x` (shown with `…` after it). */
export function displayPrefixOf(token: string, prefix: string): string {
  return token.slice(0, prefix.length + DISPLAYED_SECRET_CHARACTERS);
}
