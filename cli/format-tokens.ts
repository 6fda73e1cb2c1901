/**
 * How `spec2mcp tokens` prints tokens: an aligned table or one JSON object per line. Never the token
 * itself (the store does not have it), only its first characters. Pure: records in, lines out.
 */
import type { ApiTokenRecord } from '../runtime/stores/api-token-types.js';

const NONE = '-';

export type ApiTokenStatus = 'active' | 'expired' | 'revoked';

export function statusOf(record: ApiTokenRecord, now: number): ApiTokenStatus {
  if (record.revokedAt !== undefined) return 'revoked';
  if (record.expiresAt !== undefined && record.expiresAt <= now) return 'expired';
  return 'active';
}

interface Column {
  readonly title: string;
  readonly value: (record: ApiTokenRecord, now: number) => string;
}

const COLUMNS: readonly Column[] = [
  { title: 'NAME', value: (record) => record.name },
  { title: 'ID', value: (record) => record.id },
  { title: 'PREFIX', value: (record) => `${record.displayPrefix}…` },
  { title: 'SCOPES', value: (record) => record.scopes.join(',') },
  { title: 'TENANT', value: (record) => record.tenant ?? NONE },
  { title: 'WORKSPACES', value: (record) => record.workspaces?.join(',') ?? NONE },
  { title: 'CREATED', value: (record) => formatMinute(record.createdAt) },
  {
    title: 'EXPIRES',
    value: (record, now) => {
      if (record.expiresAt === undefined) return 'never';
      const expired = record.expiresAt <= now ? ' (expired)' : '';
      return `${formatMinute(record.expiresAt)}${expired}`;
    },
  },
  {
    title: 'LAST_USED',
    value: (record) => (record.lastUsedAt === undefined ? 'never' : formatMinute(record.lastUsedAt)),
  },
  {
    title: 'REVOKED',
    value: (record) => (record.revokedAt === undefined ? NONE : formatMinute(record.revokedAt)),
  },
];

/** A header and one row per record, in the given order, columns two spaces apart. */
export function formatTokensTable(records: readonly ApiTokenRecord[], now: number): string[] {
  const rows = [
    COLUMNS.map((column) => column.title),
    ...records.map((record) => COLUMNS.map((column) => escapeControlCharacters(column.value(record, now)))),
  ];
  const widths = COLUMNS.map((_, index) => Math.max(...rows.map((row) => row[index]?.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** One record as a single line of JSON, times as ISO strings (null when unset), fields in a fixed order. */
export function formatTokenJson(record: ApiTokenRecord, now: number): string {
  return JSON.stringify(tokenFields(record, now));
}

/** `tokens create --json`: the token first, then the fields `list --json` shows. */
export function formatCreatedTokenJson(token: string, record: ApiTokenRecord, now: number): string {
  return JSON.stringify({ token, ...tokenFields(record, now) });
}

function tokenFields(record: ApiTokenRecord, now: number) {
  const time = (value: number | undefined) => (value === undefined ? null : new Date(value).toISOString());
  return {
    id: record.id,
    name: record.name,
    prefix: record.displayPrefix,
    scopes: record.scopes,
    tenant: record.tenant ?? null,
    workspaces: record.workspaces ?? null,
    status: statusOf(record, now),
    createdAt: time(record.createdAt),
    expiresAt: time(record.expiresAt),
    lastUsedAt: time(record.lastUsedAt),
    revokedAt: time(record.revokedAt),
  };
}

/** `2026-11-20T12:00Z`: minutes are enough to tell tokens apart and keep the table narrow. */
export function formatMinute(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16)}Z`;
}

/** Names come from whoever created the token: a newline or escape must not forge rows or restyle terminals. */
export function escapeControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
