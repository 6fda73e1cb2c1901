/**
 * How `spec2mcp audit` prints entries: an aligned table for people, or one JSON object per line for
 * tools (`jq`, log shippers). Pure: records in, lines out.
 */
import type { AuditRecord } from '../runtime/stores/store-types.js';

interface Column {
  readonly title: string;
  readonly value: (record: AuditRecord) => string;
  /** Numbers line up on their last digit. */
  readonly alignRight?: boolean;
}

const NONE = '-';

const COLUMNS: readonly Column[] = [
  { title: 'TIME', value: (record) => new Date(record.time).toISOString() },
  { title: 'PRINCIPAL', value: (record) => record.principal },
  { title: 'CLIENT', value: (record) => record.client ?? NONE },
  { title: 'TOOL', value: (record) => record.tool },
  { title: 'OUTCOME', value: (record) => record.outcome },
  { title: 'STATUS', value: (record) => record.upstreamStatus?.toString() ?? NONE, alignRight: true },
  { title: 'DURATION_MS', value: (record) => Math.round(record.durationMs).toString(), alignRight: true },
  { title: 'IDEMPOTENCY_KEY', value: (record) => record.idempotencyKey ?? NONE },
];

/** A header and one row per record, in the given order, columns two spaces apart. */
export function formatAuditTable(records: readonly AuditRecord[]): string[] {
  const rows = [
    COLUMNS.map((column) => column.title),
    ...records.map((record) => COLUMNS.map((column) => escapeControlCharacters(column.value(record)))),
  ];
  const widths = COLUMNS.map((_, index) => Math.max(...rows.map((row) => row[index]?.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return COLUMNS[index]?.alignRight ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** One record as a single line of JSON, `time` as an ISO string, fields in a fixed order. */
export function formatAuditJson(record: AuditRecord): string {
  return JSON.stringify({
    id: record.id,
    time: new Date(record.time).toISOString(),
    principal: record.principal,
    client: record.client,
    tool: record.tool,
    outcome: record.outcome,
    upstreamStatus: record.upstreamStatus,
    durationMs: record.durationMs,
    idempotencyKey: record.idempotencyKey,
    arguments: record.arguments,
  });
}

/**
 * Principals, clients and keys come from callers: a newline or terminal escape in one must not
 * forge table rows or restyle the terminal of whoever reads the audit log.
 */
function escapeControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
