/**
 * `spec2mcp audit`: lists the tool calls recorded in the audit log of the store the server uses
 * (same SPEC2MCP_STORE / SPEC2MCP_DATA_DIR / SPEC2MCP_DATABASE_URL settings), newest first, filtered.
 */

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createStore, type StoreConfig } from '../runtime/stores/create-store.js';
import {
  AUDIT_OUTCOMES,
  type AuditOutcome,
  type AuditQuery,
  type AuditRecord,
  DEFAULT_AUDIT_QUERY_LIMIT,
  MAX_AUDIT_QUERY_LIMIT,
} from '../runtime/stores/store-types.js';
import { formatAuditJson, formatAuditTable } from './format-audit.js';
import { readCliStoreConfig } from './read-cli-store-config.js';

export const AUDIT_USAGE = `Usage: spec2mcp audit [--since T] [--until T] [--tool NAME] [--principal ID]
                     [--outcome OUTCOME] [--limit N] [--json] [--data-dir DIR | --database-url URL]

Lists audited tool calls, newest first.
  --since T, --until T   a duration back from now (30s, 15m, 2h, 7d, 2w) or an ISO time
                         (2026-11-20, 2026-11-20T10:00:00Z, 2026-11-20T11:00:00+01:00); --since is
                         inclusive, --until exclusive
  --tool, --principal    exact match
  --outcome              one of ${AUDIT_OUTCOMES.join(', ')}
  --limit N              at most N entries (default ${DEFAULT_AUDIT_QUERY_LIMIT}, at most ${MAX_AUDIT_QUERY_LIMIT})
  --json                 one JSON object per line instead of a table
  --data-dir DIR         read the SQLite store in DIR (instead of SPEC2MCP_DATA_DIR, default .data)
  --database-url URL     read the PostgreSQL store at URL (instead of SPEC2MCP_DATABASE_URL)
The store is chosen like the server's: SPEC2MCP_STORE (sqlite, postgres), SPEC2MCP_DATA_DIR,
SPEC2MCP_DATABASE_URL, SPEC2MCP_DATABASE_SCHEMA.`;

export interface AuditCommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives one line at a time, without its newline. */
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Epoch ms that durations count back from. */
  readonly now: () => number;
}

export interface AuditRequest {
  readonly query: AuditQuery & { readonly limit: number };
  readonly json: boolean;
  readonly store: StoreConfig;
}

export class AuditUsageError extends Error {
  override readonly name = 'AuditUsageError';
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  w: 7 * 24 * 60 * 60 * 1000,
};
const DURATION = /^(\d+)([smhdw])$/;
/** A date, or a date and time with Z or an offset: a zoneless time would mean the reader's zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

/** Runs the command; returns the exit code (0 listed, 1 the store could not be read, 2 usage). */
export async function runAuditCommand(
  args: readonly string[],
  io: AuditCommandIo = processIo(),
): Promise<number> {
  let request: AuditRequest;
  try {
    if (args.includes('--help') || args.includes('-h')) {
      io.out(AUDIT_USAGE);
      return 0;
    }
    request = parseAuditArgs(args, io.env, io.now());
  } catch (error) {
    if (!(error instanceof AuditUsageError)) throw error;
    io.err(`${error.message}\n\n${AUDIT_USAGE}`);
    return 2;
  }

  if (
    request.store.kind === 'sqlite' &&
    request.store.file !== ':memory:' &&
    !existsSync(request.store.file)
  ) {
    // Opening would create an empty database there and hide a wrong --data-dir.
    io.err(
      `No audit log at ${request.store.file}; set SPEC2MCP_DATA_DIR or pass --data-dir to the server's folder.`,
    );
    return 1;
  }
  let records: AuditRecord[];
  try {
    // Reading only: no pruning timer, so the command never deletes what it was asked to show.
    const store = await createStore({ ...request.store, pruneIntervalMs: 0 });
    try {
      records = await store.audit.query(request.query);
    } finally {
      await store.close();
    }
  } catch (error) {
    io.err(`Cannot read the audit log of the ${request.store.kind} store: ${(error as Error).message}`);
    return 1;
  }

  if (records.length === 0) {
    io.err('No audit entries match.');
    return 0;
  }
  if (request.json) for (const record of records) io.out(formatAuditJson(record));
  else for (const line of formatAuditTable(records)) io.out(line);
  if (records.length === request.query.limit) {
    io.err(
      `Showing the newest ${records.length} entries; there may be more (narrow --since/--until or raise --limit, at most ${MAX_AUDIT_QUERY_LIMIT}).`,
    );
  }
  return 0;
}

/** Flags and environment to a query and a store configuration; throws AuditUsageError. */
export function parseAuditArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  now: number,
): AuditRequest {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        tool: { type: 'string' },
        principal: { type: 'string' },
        outcome: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    throw new AuditUsageError((error as Error).message);
  }
  if (positionals.length > 0) throw new AuditUsageError(`Unexpected argument "${positionals[0]}".`);
  const text = (name: string): string | undefined => {
    const value = values[name];
    if (typeof value !== 'string') return undefined;
    if (value.trim() === '') throw new AuditUsageError(`--${name} needs a value.`);
    return value;
  };

  const since = parseTimeFlag('since', text('since'), now);
  const until = parseTimeFlag('until', text('until'), now);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new AuditUsageError(
      `--since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()}).`,
    );
  }
  const outcome = text('outcome');
  if (outcome !== undefined && !isAuditOutcome(outcome)) {
    throw new AuditUsageError(`--outcome must be one of ${AUDIT_OUTCOMES.join(', ')}; got "${outcome}".`);
  }
  const limit = parseLimit(text('limit'));
  const tool = text('tool');
  const principal = text('principal');

  return {
    query: {
      ...(since !== undefined && { since }),
      ...(until !== undefined && { until }),
      ...(tool !== undefined && { tool }),
      ...(principal !== undefined && { principal }),
      ...(outcome !== undefined && { outcome }),
      limit,
    },
    json: values['json'] === true,
    store: readCliStoreConfig(
      env,
      { dataDir: text('data-dir'), databaseUrl: text('database-url') },
      'SPEC2MCP_STORE=memory keeps the audit log inside the server process, where this command cannot read it; use sqlite or postgres.',
      (message) => new AuditUsageError(message),
    ),
  };
}

/** `15m` (back from now) or an ISO date/time, to epoch ms. */
export function parseTimeFlag(name: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const duration = DURATION.exec(value);
  if (duration !== null) {
    const amount = Number(duration[1]);
    const unit = DURATION_UNITS_MS[duration[2] ?? ''] ?? 0;
    if (amount <= 0) throw new AuditUsageError(`--${name} ${value}: a duration must be more than 0.`);
    return now - amount * unit;
  }
  const time = ISO_TIME.test(value) && isCalendarDate(value.slice(0, 10)) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    const zoneless = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value);
    throw new AuditUsageError(
      zoneless
        ? `--${name} "${value}" has no time zone: add Z for UTC or an offset such as +01:00.`
        : `--${name} "${value}" is neither a duration (15m, 2h, 7d) nor an ISO time (2026-11-20T10:00:00Z).`,
    );
  }
  return time;
}

/** `Date.parse` rolls 2026-02-30 over to March 2 instead of refusing it. */
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number);
  const parsed = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  return parsed.getUTCMonth() + 1 === month && parsed.getUTCDate() === day;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_AUDIT_QUERY_LIMIT;
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_QUERY_LIMIT) {
    throw new AuditUsageError(
      `--limit must be a whole number from 1 to ${MAX_AUDIT_QUERY_LIMIT}; got "${value}".`,
    );
  }
  return limit;
}

/** The server's store settings, with --data-dir (SQLite) or --database-url (PostgreSQL) winning. */
function isAuditOutcome(value: string): value is AuditOutcome {
  return (AUDIT_OUTCOMES as readonly string[]).includes(value);
}

function processIo(): AuditCommandIo {
  return {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
  };
}
