/**
 * Input checks of the oauth and credentials sub-stores, shared by every backend so all of them
 * reject and store the same things.
 */
import { checkText, serializeJson } from './check-store-input.js';
import type {
  CredentialRecord,
  OAuthRecord,
  OAuthRecordInput,
  OAuthRecordQuery,
} from './oauth-store-types.js';

/** The record as a backend writes it: checked, payload serialized. */
export interface OAuthRow {
  readonly model: string;
  readonly id: string;
  readonly payloadJson: string;
  readonly grantId: string | null;
  readonly clientId: string | null;
  readonly accountId: string | null;
  readonly uid: string | null;
  readonly userCode: string | null;
  readonly expiresAt: number | null;
  readonly consumedAt: number | null;
}

export function toOAuthRow(record: OAuthRecordInput): OAuthRow {
  checkText('model', record.model);
  checkText('id', record.id);
  if (typeof record.payload !== 'object' || record.payload === null || Array.isArray(record.payload)) {
    throw new TypeError('payload must be a JSON object.');
  }
  return {
    model: record.model,
    id: record.id,
    // PostgreSQL text refuses NUL, JSON escapes it: the payload survives every backend unchanged.
    payloadJson: serializeJson('payload', record.payload),
    grantId: optionalText('grantId', record.grantId),
    clientId: optionalText('clientId', record.clientId),
    accountId: optionalText('accountId', record.accountId),
    uid: optionalText('uid', record.uid),
    userCode: optionalText('userCode', record.userCode),
    expiresAt: optionalEpoch('expiresAt', record.expiresAt),
    consumedAt: optionalEpoch('consumedAt', record.consumedAt),
  };
}

/** A stored row back to a record; numbers may arrive as strings (PostgreSQL BIGINT). */
export function fromOAuthRow(row: {
  readonly model: string;
  readonly id: string;
  readonly payload: string;
  readonly grant_id: string | null;
  readonly client_id: string | null;
  readonly account_id: string | null;
  readonly uid: string | null;
  readonly user_code: string | null;
  readonly expires_at: number | string | null;
  readonly consumed_at: number | string | null;
  readonly last_used_at: number | string | null;
}): OAuthRecord {
  return {
    model: row.model,
    id: row.id,
    payload: JSON.parse(row.payload) as OAuthRecord['payload'],
    ...(row.grant_id !== null && { grantId: row.grant_id }),
    ...(row.client_id !== null && { clientId: row.client_id }),
    ...(row.account_id !== null && { accountId: row.account_id }),
    ...(row.uid !== null && { uid: row.uid }),
    ...(row.user_code !== null && { userCode: row.user_code }),
    ...(row.expires_at !== null && { expiresAt: Number(row.expires_at) }),
    ...(row.consumed_at !== null && { consumedAt: Number(row.consumed_at) }),
    ...(row.last_used_at !== null && { lastUsedAt: Number(row.last_used_at) }),
  };
}

export function checkOAuthKey(model: string, id: string): void {
  checkText('model', model);
  checkText('id', id);
}

export function checkOAuthQuery(query: OAuthRecordQuery): void {
  checkText('model', query.model);
  optionalText('clientId', query.clientId);
  optionalText('accountId', query.accountId);
  optionalText('grantId', query.grantId);
}

export function checkCredentialRecord(record: CredentialRecord): void {
  checkText('ref', record.ref);
  checkText('owner', record.owner);
  if (typeof record.ciphertext !== 'string' || record.ciphertext.length === 0) {
    throw new RangeError('ciphertext must be a non-empty string.');
  }
  optionalEpoch('createdAt', record.createdAt);
  optionalEpoch('expiresAt', record.expiresAt);
}

export function fromCredentialRow(row: {
  readonly ref: string;
  readonly owner: string;
  readonly ciphertext: string;
  readonly created_at: number | string;
  readonly expires_at: number | string | null;
}): CredentialRecord {
  return {
    ref: row.ref,
    owner: row.owner,
    ciphertext: row.ciphertext,
    createdAt: Number(row.created_at),
    ...(row.expires_at !== null && { expiresAt: Number(row.expires_at) }),
  };
}

function optionalText(name: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  checkText(name, value);
  return value;
}

function optionalEpoch(name: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be epoch ms, got ${value}.`);
  return value;
}
