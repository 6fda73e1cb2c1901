/**
 * `spec2mcp tokens`: given small generated APIs on disk, want `create` to print a token once that the
 * server's verifier accepts with the requested scopes, `list` to show tokens without their values,
 * `revoke` to end a token for the next request, scopes checked against the API, and bad flags refused
 * with usage (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTokensTable } from '../../cli/format-tokens.js';
import { runTokensCommand, TOKENS_USAGE, type TokensCommandIo } from '../../cli/tokens-command.js';
import { createApiTokenVerifier } from '../../runtime/auth/api-tokens/api-token-verifier.js';
import { AuthError } from '../../runtime/auth/auth-types.js';
import { createStore, SQLITE_FILE_NAME, type StoreConfig } from '../../runtime/stores/create-store.js';
import type { Store } from '../../runtime/stores/store-types.js';
import { createTestSchemaName, dropTestSchema, getTestDatabaseUrl } from '../stores/test-postgres.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const CONTEXT = { resource: 'http://127.0.0.1/mcp' };
const workRoot = join(root, '.tmp', `tokens-cli-${randomBytes(6).toString('hex')}`);

/** A generated API folder as loadApi reads it; plain JavaScript so any loader imports it. */
function writeApi(dir: string, fields: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const api = {
    id: 'notes',
    title: 'Notes',
    version: '1.0.0',
    server: { name: 'notes', title: 'Notes', version: '1.0.0' },
    servers: [],
    securitySchemes: [],
    upstream: { timeoutMs: 1000, retries: 0, forwardIdempotencyKey: false },
    scopes: {
      definitions: [
        { name: 'notes:read', description: 'Read notes.' },
        { name: 'notes:write', description: 'Write notes.' },
      ],
      read: ['notes:read'],
      write: ['notes:write'],
    },
    extensions: {},
    prompts: [],
    tools: [{ name: 'purge_notes', scopes: ['notes:admin'] }],
    ...fields,
  };
  writeFileSync(join(dir, 'index.js'), `export const api = ${JSON.stringify(api)};\n`);
  return dir;
}

/** One API under generated/ (found without --api), with a token prefix and a tenancy argument. */
const single = join(workRoot, 'single');
const notesDir = writeApi(join(single, 'generated', 'notes'), {
  access: { tokenPrefix: 'notes_', tenantArgument: 'workspace_id' },
});
/** Two APIs under generated/: --api is needed. */
const several = join(workRoot, 'several');
writeApi(join(several, 'generated', 'a'), {});
const plainDir = writeApi(join(several, 'generated', 'b'), { id: 'plain' });
const empty = join(workRoot, 'empty');
mkdirSync(empty, { recursive: true });

afterAll(() => {
  rmSync(workRoot, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string;
}

async function tokens(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; now?: number } = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: TokensCommandIo = {
    env: options.env ?? {},
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    now: () => options.now ?? NOW,
    cwd: options.cwd ?? single,
  };
  const code = await runTokensCommand(args, io);
  return { code, out, err: err.join('\n') };
}

describe('spec2mcp tokens on SQLite', () => {
  let dataDir: string;
  let storeArgs: string[];

  beforeEach(() => {
    dataDir = join(workRoot, `data-${randomBytes(4).toString('hex')}`);
    storeArgs = ['--data-dir', dataDir];
  });

  /** Opens the store the command wrote, as the server would. */
  async function openStore(): Promise<Store> {
    return createStore({ kind: 'sqlite', file: join(dataDir, SQLITE_FILE_NAME), pruneIntervalMs: 0 });
  }

  it('creates a token, prints it alone on stdout once, and the verifier accepts it', async () => {
    const run = await tokens([
      'create',
      '--name',
      'CI deploy',
      '--scopes',
      'notes:read, notes:write',
      '--workspaces',
      'wsp_1,wsp_2',
      '--expires',
      '90d',
      ...storeArgs,
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
    const token = run.out[0] ?? '';
    expect(token).toMatch(/^notes_[A-Za-z0-9_-]{43}$/);
    expect(run.err).toContain('Created API token "CI deploy" (id ');
    expect(run.err).toContain(`for notes (${join('generated', 'notes')})`);
    expect(run.err).toContain('scopes: notes:read, notes:write');
    expect(run.err).toContain('workspaces: wsp_1, wsp_2');
    expect(run.err).toContain('expires: 2027-02-18T12:00Z');
    expect(run.err).toContain('cannot be shown again');
    expect(run.err).not.toContain(token);

    const store = await openStore();
    try {
      const grant = await createApiTokenVerifier(store, { prefix: 'notes_', now: () => NOW }).verify(
        token,
        CONTEXT,
      );
      expect(grant).toMatchObject({
        kind: 'api-token',
        clientName: 'CI deploy',
        scopes: ['notes:read', 'notes:write'],
        workspaces: ['wsp_1', 'wsp_2'],
        expiresAt: NOW / 1000 + 90 * 24 * 60 * 60,
      });
    } finally {
      await store.close();
    }
  });

  it('prints the token and its fields as one JSON line with --json', async () => {
    const run = await tokens(['create', '--name', 'bot', '--scopes', 'notes:read', '--json', ...storeArgs]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.out[0] ?? '') as Record<string, unknown>;
    expect(printed).toMatchObject({
      name: 'bot',
      scopes: ['notes:read'],
      status: 'active',
      tenant: null,
      workspaces: null,
      createdAt: '2026-11-20T12:00:00.000Z',
      expiresAt: null,
    });
    expect(printed['token']).toMatch(/^notes_/);
    expect(printed['prefix']).toBe((printed['token'] as string).slice(0, 10));
  });

  it('lists tokens newest first without their values, as a table or JSON lines', async () => {
    const created: string[] = [];
    for (const [index, args] of [
      ['--name', 'old', '--scopes', 'notes:read', '--expires', '1h'],
      ['--name', 'revoked', '--scopes', 'notes:write'],
      ['--name', 'new', '--scopes', 'notes:read,notes:admin'],
    ].entries()) {
      const run = await tokens(['create', ...args, ...storeArgs], { now: NOW + index * 60_000 });
      created.push(run.out[0] ?? '');
    }
    expect((await tokens(['revoke', 'revoked', ...storeArgs], { now: NOW + 3 * 60_000 })).code).toBe(0);

    const later = NOW + 2 * 60 * 60_000;
    const table = await tokens(['list', ...storeArgs], { now: later });
    expect(table.code).toBe(0);
    const store = await openStore();
    const records = await store.apiTokens.list();
    await store.close();
    expect(table.out).toEqual(formatTokensTable(records, later));
    expect(table.out[0]).toMatch(
      /^NAME +ID +PREFIX +SCOPES +TENANT +WORKSPACES +CREATED +EXPIRES +LAST_USED +REVOKED$/,
    );
    expect(table.out.slice(1).map((line) => line.split(/ +/)[0])).toEqual(['new', 'revoked', 'old']);
    expect(table.out[2]).toContain('2026-11-20T12:03Z');
    expect(table.out[3]).toContain('2026-11-20T13:00Z (expired)');
    expect(table.out[1]).toContain(`${created[2]?.slice(0, 10)}…`);
    for (const token of created) expect(table.out.join('\n')).not.toContain(token.slice(10));

    const json = await tokens(['list', '--json', ...storeArgs], { now: later });
    expect(json.out.map((line) => JSON.parse(line) as Record<string, unknown>)).toMatchObject([
      { name: 'new', status: 'active', scopes: ['notes:read', 'notes:admin'], lastUsedAt: null },
      { name: 'revoked', status: 'revoked', revokedAt: '2026-11-20T12:03:00.000Z' },
      { name: 'old', status: 'expired', expiresAt: '2026-11-20T13:00:00.000Z' },
    ]);
  });

  it('revokes by name or id; the verifier refuses the token at once', async () => {
    const token =
      (await tokens(['create', '--name', 'CI', '--scopes', 'notes:read', ...storeArgs])).out[0] ?? '';
    const store = await openStore();
    try {
      const verifier = createApiTokenVerifier(store, { prefix: 'notes_' });
      const grant = await verifier.verify(token, CONTEXT);
      const id = grant?.principal.replace('api-token:', '') ?? '';

      const revoked = await tokens(['revoke', 'CI', ...storeArgs]);
      expect(revoked).toEqual({
        code: 0,
        out: [
          `Revoked API token "CI" (id ${id}): servers using this store refuse it from their next request.`,
        ],
        err: '',
      });
      await expect(verifier.verify(token, CONTEXT)).rejects.toBeInstanceOf(AuthError);
      await verifier.settle();

      const again = await tokens(['revoke', id, ...storeArgs]);
      expect(again.code).toBe(0);
      expect(again.out).toEqual([`API token "CI" (id ${id}) was revoked already, at 2026-11-20T12:00Z.`]);
      // The name is free again.
      expect((await tokens(['create', '--name', 'CI', '--scopes', 'notes:read', ...storeArgs])).code).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('says so when no token has the id or name, and when a name is taken', async () => {
    await tokens(['create', '--name', 'CI', '--scopes', 'notes:read', ...storeArgs]);
    expect(await tokens(['revoke', 'nobody', ...storeArgs])).toEqual({
      code: 1,
      out: [],
      err: 'No API token has the id or name "nobody" (spec2mcp tokens list).',
    });
    const taken = await tokens(['create', '--name', 'CI', '--scopes', 'notes:read', ...storeArgs]);
    expect(taken.code).toBe(1);
    expect(taken.out).toEqual([]);
    expect(taken.err).toMatch(/^A token named "CI" exists and is not revoked/);
  });

  it('refuses to list or revoke in a data folder without a store, creating nothing', async () => {
    for (const args of [['list'], ['revoke', 'CI']]) {
      const run = await tokens([...args, ...storeArgs]);
      expect(run.code).toBe(1);
      expect(run.err).toBe(
        `No token store at ${join(dataDir, SQLITE_FILE_NAME)}; set SPEC2MCP_DATA_DIR or pass --data-dir to the server's folder.`,
      );
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('takes the API from --api when generated/ holds several, with the default prefix s2m_', async () => {
    const run = await tokens(
      ['create', '--name', 'x', '--scopes', 'notes:read', '--api', plainDir, ...storeArgs],
      {
        cwd: several,
      },
    );
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(/^s2m_[A-Za-z0-9_-]{43}$/);
    expect(run.err).toContain('for plain (generated/b)');
  });

  it('finds the store from the environment like the server', async () => {
    const env = { SPEC2MCP_DATA_DIR: dataDir };
    expect((await tokens(['create', '--name', 'env', '--scopes', 'notes:read'], { env })).code).toBe(0);
    const run = await tokens(['list', '--json'], { env });
    expect(run.out.map((line) => (JSON.parse(line) as { name: string }).name)).toEqual(['env']);
  });
});

describe('spec2mcp tokens refuses', () => {
  const dataDir = join(workRoot, 'refusals');
  afterEach(() => {
    // A refused command must not create the store.
    expect(existsSync(dataDir)).toBe(false);
  });

  const base = ['--data-dir', dataDir];
  it.each([
    { given: 'no subcommand', args: [], want: 'tokens needs a subcommand: create, list or revoke.' },
    { given: 'an unknown subcommand', args: ['rotate'], want: 'Unknown tokens subcommand "rotate".' },
    { given: 'an unknown flag', args: ['list', '--all', ...base], want: "Unknown option '--all'" },
    {
      given: 'create without --name',
      args: ['create', '--scopes', 'notes:read', ...base],
      want: 'tokens create needs --name.',
    },
    {
      given: 'create without --scopes',
      args: ['create', '--name', 'CI', ...base],
      want: 'tokens create needs --scopes.',
    },
    {
      given: 'an empty scope',
      args: ['create', '--name', 'CI', '--scopes', 'notes:read,', ...base],
      want: 'has an empty item',
    },
    {
      given: 'a scope the API lacks',
      args: ['create', '--name', 'CI', '--scopes', 'notes:read,admin', ...base],
      want: '"admin" is not a scope of the API "notes" (generated/notes); its scopes: notes:admin, notes:read, notes:write.',
    },
    {
      given: '--tenant for an API without tenancy.pathParam',
      args: ['create', '--name', 'CI', '--scopes', 'notes:read', '--tenant', 'acme', ...base],
      want: 'has no x-mcp tenancy.pathParam',
    },
    {
      given: 'an expiry that is not a duration',
      args: ['create', '--name', 'CI', '--scopes', 'notes:read', '--expires', 'tomorrow', ...base],
      want: 'The expiry "tomorrow" must be a duration',
    },
    {
      given: 'a name like a token id',
      args: ['create', '--name', '0123456789abcdef', '--scopes', 'notes:read', ...base],
      want: 'looks like a token id',
    },
    {
      given: 'revoke without a token',
      args: ['revoke', ...base],
      want: 'tokens revoke needs exactly one token id or name.',
    },
    {
      given: 'revoke with two tokens',
      args: ['revoke', 'a', 'b', ...base],
      want: 'tokens revoke needs exactly one',
    },
    {
      given: 'both store flags',
      args: ['list', ...base, '--database-url', 'postgres://x@localhost/db'],
      want: 'Pass --data-dir (SQLite) or --database-url (PostgreSQL), not both.',
    },
  ])('$given with usage, exit 2', async ({ args, want }) => {
    const run = await tokens(args);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toContain(want);
    expect(run.err.endsWith(`\n\n${TOKENS_USAGE}`)).toBe(true);
  });

  it('--workspaces for an API without tenancy.argument, exit 2', async () => {
    const run = await tokens([
      'create',
      '--name',
      'CI',
      '--scopes',
      'notes:read',
      '--workspaces',
      'w',
      '--api',
      plainDir,
      ...base,
    ]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('the API "plain" has no x-mcp tenancy.argument');
  });

  it.each([
    { given: 'several APIs under generated/', cwd: several, want: 'Several generated APIs under' },
    { given: 'no API under generated/', cwd: empty, want: 'No generated API under' },
  ])('create without --api and $given, exit 2', async ({ cwd, want }) => {
    const run = await tokens(['create', '--name', 'CI', '--scopes', 'notes:read', ...base], { cwd });
    expect(run.code).toBe(2);
    expect(run.err).toContain(want);
  });

  it('the memory store, which the command cannot reach, exit 2', async () => {
    const run = await tokens(['list'], { env: { SPEC2MCP_STORE: 'memory' } });
    expect(run.code).toBe(2);
    expect(run.err).toContain('SPEC2MCP_STORE=memory keeps tokens inside the server process');
  });

  it('prints the usage for --help, exit 0', async () => {
    expect(await tokens(['--help'])).toEqual({ code: 0, out: [TOKENS_USAGE], err: '' });
    expect((await tokens(['create', '--help'])).out).toEqual([TOKENS_USAGE]);
  });
});

describe('spec2mcp tokens on PostgreSQL', () => {
  it('creates, lists and revokes in the schema the server uses', async () => {
    const url = await getTestDatabaseUrl();
    const schema = createTestSchemaName();
    const env = { SPEC2MCP_DATABASE_SCHEMA: schema };
    const storeArgs = ['--database-url', url];
    try {
      const created = await tokens(['create', '--name', 'CI', '--scopes', 'notes:read', ...storeArgs], {
        env,
      });
      expect(created.code).toBe(0);
      expect(created.err).toContain('in the PostgreSQL store');
      const listed = await tokens(['list', '--json', ...storeArgs], { env });
      expect(listed.out.map((line) => (JSON.parse(line) as { name: string }).name)).toEqual(['CI']);
      expect((await tokens(['revoke', 'CI', ...storeArgs], { env })).code).toBe(0);

      const config: StoreConfig = { kind: 'postgres', connectionString: url, schema, pruneIntervalMs: 0 };
      const store = await createStore(config);
      try {
        const refusal = await createApiTokenVerifier(store, { prefix: 'notes_' })
          .verify(created.out[0] ?? '', CONTEXT)
          .catch((error: unknown) => error);
        expect(refusal).toMatchObject({ status: 401, error: 'invalid_token' });
      } finally {
        await store.close();
      }
    } finally {
      await dropTestSchema(url, schema);
    }
  });
});

describe('node bin/spec2mcp.js tokens create', () => {
  it('prints the token on stdout and the note on stderr, in a real child process', async () => {
    const dataDir = join(workRoot, 'child');
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'bin/spec2mcp.js'),
        'tokens',
        'create',
        '--name',
        'CI',
        '--scopes',
        'notes:read',
        '--api',
        notesDir,
        '--data-dir',
        dataDir,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, SPEC2MCP_STORE: '' }, timeout: 60_000 },
    );
    expect(run.stderr).toContain('cannot be shown again');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^notes_[A-Za-z0-9_-]{43}\n$/);

    const store = await createStore({
      kind: 'sqlite',
      file: join(dataDir, SQLITE_FILE_NAME),
      pruneIntervalMs: 0,
    });
    try {
      const grant = await createApiTokenVerifier(store, { prefix: 'notes_' }).verify(
        run.stdout.trim(),
        CONTEXT,
      );
      expect(grant).toMatchObject({ kind: 'api-token', clientName: 'CI', scopes: ['notes:read'] });
    } finally {
      await store.close();
    }
  });
});
