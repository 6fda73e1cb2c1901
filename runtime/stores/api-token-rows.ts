/**
 * Input checks and row conversions of the api_tokens table shared by every backend, so all of them
 * refuse and return the same things.
 */

import type { ApiTokenRecord, NewApiTokenRecord } from './api-token-types.js';
import { checkText } from './check-store-input.js';

const TOKEN_HASH = /^[0-9a-f]{64}$/;

export function checkNewApiTokenRecord(record: NewApiTokenRecord): void {
  checkText('id', record.id);
  checkText('name', record.name);
  checkText('displayPrefix', record.displayPrefix);
  if (typeof record.tokenHash !== 'string' || !TOKEN_HASH.test(record.tokenHash)) {
    throw new RangeError('tokenHash must be a lower-case hex SHA-256 (64 characters).');
  }
  checkTextList('scopes', record.scopes);
  if (record.tenant !== undefined) checkText('tenant', record.tenant);
  if (record.workspaces !== undefined) checkTextList('workspaces', record.workspaces);
  if (record.credentialRef !== undefined) checkText('credentialRef', record.credentialRef);
  checkEpochMs('createdAt', record.createdAt);
  if (record.expiresAt !== undefined) checkEpochMs('expiresAt', record.expiresAt);
}

function checkTextList(name: string, values: readonly string[]): void {
  // Empty lists are refused: a token with no scopes allows nothing, and no workspaces is spelled absent.
  if (!Array.isArray(values) || values.length === 0)
    throw new RangeError(`${name} must be a non-empty list.`);
  for (const value of values) checkText(name, value);
}

export function checkEpochMs(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be epoch ms, got ${value}.`);
}

/** A row as the drivers return it: better-sqlite3 gives numbers, pg gives BIGINT as strings. */
export interface ApiTokenRow {
  id: string;
  name: string;
  token_hash: string;
  display_prefix: string;
  scopes: string;
  tenant: string | null;
  workspaces: string | null;
  credential_ref: string | null;
  created_at: number | string;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

/** Column values of a new record, in the order of API_TOKEN_COLUMNS. */
export function toApiTokenValues(record: NewApiTokenRecord): unknown[] {
  return [
    record.id,
    record.name,
    record.tokenHash,
    record.displayPrefix,
    JSON.stringify(record.scopes),
    record.tenant ?? null,
    record.workspaces === undefined ? null : JSON.stringify(record.workspaces),
    record.credentialRef ?? null,
    record.createdAt,
    record.expiresAt ?? null,
  ];
}

export const API_TOKEN_COLUMNS =
  'id, name, token_hash, display_prefix, scopes, tenant, workspaces, credential_ref, created_at, expires_at';

export function toApiTokenRecord(row: ApiTokenRow): ApiTokenRecord {
  const time = (value: number | string | null) => (value === null ? undefined : Number(value));
  const expiresAt = time(row.expires_at);
  const lastUsedAt = time(row.last_used_at);
  const revokedAt = time(row.revoked_at);
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    displayPrefix: row.display_prefix,
    scopes: JSON.parse(row.scopes) as string[],
    ...(row.tenant !== null && { tenant: row.tenant }),
    ...(row.workspaces !== null && { workspaces: JSON.parse(row.workspaces) as string[] }),
    ...(row.credential_ref !== null && { credentialRef: row.credential_ref }),
    createdAt: Number(row.created_at),
    ...(expiresAt !== undefined && { expiresAt }),
    ...(lastUsedAt !== undefined && { lastUsedAt }),
    ...(revokedAt !== undefined && { revokedAt }),
  };
}

/** The record as stored: a copy with only the known fields, so callers' extra fields never persist. */
export function copyNewApiTokenRecord(record: NewApiTokenRecord): ApiTokenRecord {
  return {
    id: record.id,
    name: record.name,
    tokenHash: record.tokenHash,
    displayPrefix: record.displayPrefix,
    scopes: [...record.scopes],
    ...(record.tenant !== undefined && { tenant: record.tenant }),
    ...(record.workspaces !== undefined && { workspaces: [...record.workspaces] }),
    ...(record.credentialRef !== undefined && { credentialRef: record.credentialRef }),
    createdAt: record.createdAt,
    ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
  };
}
