/**
 * `spec2mcp audit`: given audit entries appended through the store API, want the command to list
 * them newest first, filtered, as a table or JSON lines, and to refuse bad flags with usage (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditCommandIo, parseTimeFlag, runAuditCommand } from '../../cli/audit-command.js';
import { formatAuditJson, formatAuditTable } from '../../cli/format-audit.js';
import { createStore, SQLITE_FILE_NAME } from '../../runtime/stores/create-store.js';
import type { AuditEntry, Store } from '../../runtime/stores/store-types.js';
import { createTestSchemaName, getTestDatabaseUrl } from '../stores/test-postgres.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Appended oldest first; ids 1..7 in this order. */
const ENTRIES: readonly AuditEntry[] = [
  {
    time: NOW - 10 * DAY,
    principal: 'mallory\nforged row\u001b[31m',
    tool: 'list_notes',
    arguments: {},
    outcome: 'rejected',
    durationMs: 0,
  },
  {
    time: NOW - 2 * DAY,
    principal: 'bob',
    tool: 'create_note',
    arguments: { title: 'b' },
    idempotencyKey: 'k-bob-1',
    outcome: 'rate_limited',
    durationMs: 1,
  },
  {
    time: NOW - HOUR,
    principal: 'bob',
    client: 'cursor',
    tool: 'delete_note',
    arguments: { note_id: 'n_9' },
    idempotencyKey: 'k-bob-2',
    outcome: 'failed',
    upstreamStatus: 404,
    durationMs: 80,
  },
  {
    time: NOW - 5 * MINUTE,
    principal: 'alice',
    client: 'claude-desktop',
    tool: 'list_notes',
    arguments: { limit: 5 },
    outcome: 'succeeded',
    upstreamStatus: 200,
    durationMs: 35,
  },
  {
    time: NOW - 5 * MINUTE,
    principal: 'carol',
    tool: 'create_note',
    arguments: { title: 'c' },
    idempotencyKey: 'k-carol-1',
    outcome: 'replayed',
    durationMs: 2,
  },
  {
    time: NOW - 10 * SECOND,
    principal: 'alice',
    client: 'claude-desktop',
    tool: 'create_note',
    arguments: { title: 'Groceries' },
    idempotencyKey: 'k-alice-1',
    outcome: 'succeeded',
    upstreamStatus: 201,
    durationMs: 1234,
  },
  {
    time: NOW + HOUR,
    principal: 'alice',
    tool: 'get_note',
    arguments: { note_id: 'n_1' },
    outcome: 'succeeded',
    upstreamStatus: 200,
    durationMs: 12,
  },
];

const dataDir = join(root, '.tmp', `audit-${randomBytes(6).toString('hex')}`);

async function appendAll(store: Store): Promise<void> {
  for (const entry of ENTRIES) await store.audit.append(entry);
}

beforeAll(async () => {
  mkdirSync(dataDir, { recursive: true });
  const store = await createStore({
    kind: 'sqlite',
    file: join(dataDir, SQLITE_FILE_NAME),
    pruneIntervalMs: 0,
  });
  await appendAll(store);
  await store.close();
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string;
}

async function audit(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: AuditCommandIo = {
    env: { SPEC2MCP_DATA_DIR: dataDir, ...env },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    now: () => NOW,
  };
  const code = await runAuditCommand(args, io);
  return { code, out, err: err.join('\n') };
}

/** The ids a `--json` run printed, in order. */
async function auditIds(args: readonly string[]): Promise<number[]> {
  const run = await audit([...args, '--json']);
  expect(run.code).toBe(0);
  return run.out.map((line) => (JSON.parse(line) as { id: number }).id);
}

describe('spec2mcp audit: listing', () => {
  it('prints an aligned table, newest first, ties in time by id', async () => {
    const run = await audit([]);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect(run.out).toEqual([
      'TIME                      PRINCIPAL                          CLIENT          TOOL         OUTCOME       STATUS  DURATION_MS  IDEMPOTENCY_KEY',
      '2026-11-20T13:00:00.000Z  alice                              -               get_note     succeeded        200           12  -',
      '2026-11-20T11:59:50.000Z  alice                              claude-desktop  create_note  succeeded        201         1234  k-alice-1',
      '2026-11-20T11:55:00.000Z  carol                              -               create_note  replayed           -            2  k-carol-1',
      '2026-11-20T11:55:00.000Z  alice                              claude-desktop  list_notes   succeeded        200           35  -',
      '2026-11-20T11:00:00.000Z  bob                                cursor          delete_note  failed           404           80  k-bob-2',
      '2026-11-18T12:00:00.000Z  bob                                -               create_note  rate_limited       -            1  k-bob-1',
      '2026-11-10T12:00:00.000Z  mallory\\u000aforged row\\u001b[31m  -               list_notes   rejected           -            0  -',
    ]);
  });

  it('prints one JSON object per line with every field', async () => {
    const run = await audit(['--json', '--tool', 'create_note', '--outcome', 'succeeded']);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      '{"id":6,"time":"2026-11-20T11:59:50.000Z","principal":"alice","client":"claude-desktop","tool":"create_note","outcome":"succeeded","upstreamStatus":201,"durationMs":1234,"idempotencyKey":"k-alice-1","arguments":{"title":"Groceries"}}',
    ]);
  });

  it.each([
    { given: [], want: [7, 6, 5, 4, 3, 2, 1] },
    { given: ['--since', '15m'], want: [7, 6, 5, 4] },
    { given: ['--since', '15m', '--until', '0s'], want: 'usage' },
    { given: ['--since', '2h', '--until', '1m'], want: [5, 4, 3] },
    { given: ['--since', '3d'], want: [7, 6, 5, 4, 3, 2] },
    { given: ['--since', '2w'], want: [7, 6, 5, 4, 3, 2, 1] },
    { given: ['--until', '2026-11-18T12:00:00Z'], want: [1] },
    { given: ['--since', '2026-11-18T12:00:00Z', '--until', '2026-11-20'], want: [2] },
    { given: ['--since', '2026-11-20T12:55:00+01:00'], want: [7, 6, 5, 4] },
    { given: ['--tool', 'create_note'], want: [6, 5, 2] },
    { given: ['--principal', 'bob'], want: [3, 2] },
    { given: ['--outcome', 'succeeded'], want: [7, 6, 4] },
    { given: ['--outcome', 'succeeded', '--principal', 'alice', '--tool', 'list_notes'], want: [4] },
    { given: ['--limit', '2'], want: [7, 6] },
  ])('filters $given', async ({ given, want }) => {
    if (want === 'usage') {
      expect((await audit(given)).code).toBe(2);
      return;
    }
    expect(await auditIds(given)).toEqual(want);
  });

  it('says when the limit may hide older entries', async () => {
    const run = await audit(['--limit', '2']);
    expect(run.out).toHaveLength(3);
    expect(run.err).toBe(
      'Showing the newest 2 entries; there may be more (narrow --since/--until or raise --limit, at most 10000).',
    );
  });

  it('prints a one-line note and nothing else when nothing matches', async () => {
    for (const args of [
      ['--tool', 'nope'],
      ['--tool', 'nope', '--json'],
    ]) {
      const run = await audit(args);
      expect(run).toEqual({ code: 0, out: [], err: 'No audit entries match.' });
    }
  });

  it('reads the store from SPEC2MCP_DATA_DIR, and --data-dir wins over it', async () => {
    expect((await audit(['--tool', 'get_note'])).out).toHaveLength(2);
    const elsewhere = join(root, '.tmp', `audit-missing-${randomBytes(6).toString('hex')}`);
    const overridden = await audit(['--tool', 'get_note', '--data-dir', dataDir], {
      SPEC2MCP_DATA_DIR: elsewhere,
    });
    expect(overridden.out).toHaveLength(2);
    // And SPEC2MCP_STORE=postgres from the server's environment yields to --data-dir too.
    const fromPostgresEnv = await audit(['--tool', 'get_note', '--data-dir', dataDir], {
      SPEC2MCP_STORE: 'postgres',
      SPEC2MCP_DATABASE_URL: 'postgres://u:p@127.0.0.1:9/none',
    });
    expect(fromPostgresEnv.out).toHaveLength(2);
  });

  it('exits 1 without creating a database when the data folder holds none', async () => {
    const elsewhere = join(root, '.tmp', `audit-missing-${randomBytes(6).toString('hex')}`);
    const run = await audit(['--data-dir', elsewhere]);
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `No audit log at ${join(elsewhere, SQLITE_FILE_NAME)}; set SPEC2MCP_DATA_DIR or pass --data-dir to the server's folder.`,
    );
    expect(existsSync(elsewhere)).toBe(false);
  });
});

describe('spec2mcp audit: bad flags and settings exit 2 with usage', () => {
  it.each([
    { given: ['--bogus'], want: "Unknown option '--bogus'" },
    { given: ['list'], want: 'Unexpected argument "list".' },
    { given: ['--since'], want: "Option '--since <value>' argument missing" },
    {
      given: ['--since', 'yesterday'],
      want: '--since "yesterday" is neither a duration (15m, 2h, 7d) nor an ISO time (2026-11-20T10:00:00Z).',
    },
    { given: ['--until', '0m'], want: '--until 0m: a duration must be more than 0.' },
    {
      given: ['--since', '2026-11-20T10:00'],
      want: '--since "2026-11-20T10:00" has no time zone: add Z for UTC or an offset such as +01:00.',
    },
    {
      given: ['--since', '2026-02-30T10:00:00Z'],
      want: '--since "2026-02-30T10:00:00Z" is neither a duration',
    },
    {
      given: ['--since', '1h', '--until', '2h'],
      want: '--since (2026-11-20T11:00:00.000Z) must be before --until (2026-11-20T10:00:00.000Z).',
    },
    {
      given: ['--outcome', 'maybe'],
      want: '--outcome must be one of succeeded, failed, replayed, conflict, in_progress, outcome_unknown, rate_limited, rejected; got "maybe".',
    },
    { given: ['--limit', '0'], want: '--limit must be a whole number from 1 to 10000; got "0".' },
    { given: ['--limit', '10001'], want: '--limit must be a whole number from 1 to 10000; got "10001".' },
    { given: ['--limit', '5x'], want: '--limit must be a whole number from 1 to 10000; got "5x".' },
    { given: ['--tool', ' '], want: '--tool needs a value.' },
    {
      given: ['--data-dir', 'x', '--database-url', 'postgres://db/x'],
      want: 'Pass --data-dir (SQLite) or --database-url (PostgreSQL), not both.',
    },
  ])('$given', async ({ given, want }) => {
    const run = await audit(given);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toContain(want);
    expect(run.err).toContain('Usage: spec2mcp audit');
  });

  it.each([
    {
      given: { SPEC2MCP_STORE: 'memory' },
      want: 'SPEC2MCP_STORE=memory keeps the audit log inside the server process',
    },
    { given: { SPEC2MCP_STORE: 'postgres' }, want: 'SPEC2MCP_STORE=postgres needs SPEC2MCP_DATABASE_URL' },
    { given: { SPEC2MCP_STORE: 'redis' }, want: 'SPEC2MCP_STORE must be one of memory, sqlite, postgres' },
  ])('store settings $given', async ({ given, want }) => {
    const run = await audit([], given);
    expect(run.code).toBe(2);
    expect(run.err).toContain(want);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await audit(['--help']);
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(/^Usage: spec2mcp audit/);
  });
});

describe('spec2mcp audit: PostgreSQL', () => {
  it('reads the store at --database-url in SPEC2MCP_DATABASE_SCHEMA', async () => {
    const url = await getTestDatabaseUrl();
    const schema = createTestSchemaName();
    const store = await createStore({ kind: 'postgres', connectionString: url, schema, pruneIntervalMs: 0 });
    try {
      await appendAll(store);
      const out: string[] = [];
      const code = await runAuditCommand(['--database-url', url, '--principal', 'bob', '--json'], {
        env: { SPEC2MCP_DATABASE_SCHEMA: schema },
        out: (line) => out.push(line),
        err: () => {},
        now: () => NOW,
      });
      expect(code).toBe(0);
      expect(out.map((line) => JSON.parse(line) as { tool: string })).toMatchObject([
        { tool: 'delete_note' },
        { tool: 'create_note' },
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('node bin/spec2mcp.js audit', () => {
  function runBin(args: readonly string[]) {
    return spawnSync(process.execPath, ['bin/spec2mcp.js', 'audit', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SPEC2MCP_STORE: '', SPEC2MCP_DATA_DIR: dataDir },
      timeout: 30_000,
    });
  }

  it('lists from the server settings in the environment', () => {
    const run = runBin(['--tool', 'create_note', '--outcome', 'succeeded']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [
        'TIME                      PRINCIPAL  CLIENT          TOOL         OUTCOME    STATUS  DURATION_MS  IDEMPOTENCY_KEY',
        '2026-11-20T11:59:50.000Z  alice      claude-desktop  create_note  succeeded     201         1234  k-alice-1',
        '',
      ].join('\n'),
    );
  });

  it('exits 2 with the usage on a bad flag', () => {
    const run = runBin(['--outcome', 'maybe']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--outcome must be one of');
    expect(run.stderr).toContain('Usage: spec2mcp audit');
  });

  it('is listed in the help', () => {
    const run = spawnSync(process.execPath, ['bin/spec2mcp.js', 'help'], { cwd: root, encoding: 'utf8' });
    expect(run.stdout).toContain('spec2mcp audit [--since 15m|ISO]');
  });
});

describe('parseTimeFlag', () => {
  it.each([
    { given: '30s', want: NOW - 30 * SECOND },
    { given: '15m', want: NOW - 15 * MINUTE },
    { given: '2h', want: NOW - 2 * HOUR },
    { given: '7d', want: NOW - 7 * DAY },
    { given: '1w', want: NOW - 7 * DAY },
    { given: '2026-11-20', want: Date.parse('2026-11-20T00:00:00Z') },
    { given: '2026-11-20T10:00Z', want: Date.parse('2026-11-20T10:00:00Z') },
    { given: '2026-11-20T10:00:00.250Z', want: Date.parse('2026-11-20T10:00:00.250Z') },
    { given: '2026-11-20T10:00:00-05:00', want: Date.parse('2026-11-20T15:00:00Z') },
  ])('$given', ({ given, want }) => {
    expect(parseTimeFlag('since', given, NOW)).toBe(want);
  });
});

describe('formatAuditTable and formatAuditJson', () => {
  it('prints only the header for no records, and leaves absent JSON fields out', () => {
    expect(formatAuditTable([])).toEqual([
      'TIME  PRINCIPAL  CLIENT  TOOL  OUTCOME  STATUS  DURATION_MS  IDEMPOTENCY_KEY',
    ]);
    expect(
      formatAuditJson({
        id: 3,
        time: 0,
        principal: 'p',
        tool: 't',
        arguments: null,
        outcome: 'conflict',
        durationMs: 4,
      }),
    ).toBe(
      '{"id":3,"time":"1970-01-01T00:00:00.000Z","principal":"p","tool":"t","outcome":"conflict","durationMs":4,"arguments":null}',
    );
  });
});
