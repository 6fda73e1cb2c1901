import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, readStoreConfig, type StoreConfig } from '../../runtime/stores/create-store.js';
import { openSqliteDatabase } from '../../runtime/stores/open-sqlite-database.js';
import type { Store } from '../../runtime/stores/store-types.js';
import { createTestClock } from './store-backings.js';

describe('readStoreConfig', () => {
  const cases: { name: string; env: Record<string, string>; want: StoreConfig }[] = [
    {
      name: 'defaults to SQLite under .data',
      env: {},
      want: { kind: 'sqlite', file: join('.data', 'spec2mcp.sqlite'), synchronous: 'normal' },
    },
    {
      name: 'SQLite in another data dir, fsync on every commit',
      env: { SPEC2MCP_DATA_DIR: '/var/lib/spec2mcp', SPEC2MCP_SQLITE_SYNCHRONOUS: 'FULL' },
      want: { kind: 'sqlite', file: '/var/lib/spec2mcp/spec2mcp.sqlite', synchronous: 'full' },
    },
    {
      name: 'PostgreSQL with schema and pool size',
      env: {
        SPEC2MCP_STORE: 'postgres',
        SPEC2MCP_DATABASE_URL: 'postgres://u:p@db:5432/mcp',
        SPEC2MCP_DATABASE_SCHEMA: 'spec2mcp',
        SPEC2MCP_DATABASE_POOL_MAX: '25',
      },
      want: {
        kind: 'postgres',
        connectionString: 'postgres://u:p@db:5432/mcp',
        schema: 'spec2mcp',
        poolMax: 25,
      },
    },
    {
      name: 'memory with retention, audit retention and prune interval',
      env: {
        SPEC2MCP_STORE: 'memory',
        SPEC2MCP_IDEMPOTENCY_RETENTION_SECONDS: '3600',
        SPEC2MCP_AUDIT_RETENTION_DAYS: '30',
        SPEC2MCP_STORE_PRUNE_INTERVAL_SECONDS: '0',
      },
      want: {
        kind: 'memory',
        idempotencyRetentionMs: 3_600_000,
        auditRetentionMs: 2_592_000_000,
        pruneIntervalMs: 0,
      },
    },
  ];
  it.each(cases)('$name', ({ env, want }) => {
    expect(readStoreConfig(env)).toEqual(want);
  });

  const invalid: { name: string; env: Record<string, string>; want: RegExp }[] = [
    {
      name: 'an unknown store',
      env: { SPEC2MCP_STORE: 'redis' },
      want: /SPEC2MCP_STORE must be one of memory, sqlite, postgres/,
    },
    { name: 'postgres without a URL', env: { SPEC2MCP_STORE: 'postgres' }, want: /SPEC2MCP_DATABASE_URL/ },
    { name: 'a zero retention', env: { SPEC2MCP_IDEMPOTENCY_RETENTION_SECONDS: '0' }, want: /at least 1/ },
    {
      name: 'a non-numeric pool size',
      env: {
        SPEC2MCP_STORE: 'postgres',
        SPEC2MCP_DATABASE_URL: 'postgres://x',
        SPEC2MCP_DATABASE_POOL_MAX: 'ten',
      },
      want: /POOL_MAX/,
    },
    {
      name: 'an unknown synchronous mode',
      env: { SPEC2MCP_SQLITE_SYNCHRONOUS: 'off' },
      want: /normal.*full/,
    },
  ];
  it.each(invalid)('refuses $name', ({ env, want }) => {
    expect(() => readStoreConfig(env)).toThrow(want);
  });
});

describe('createStore', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function makeDataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'spec2mcp-create-store-'));
    dirs.push(dir);
    return dir;
  }

  it('opens SQLite in the data dir from the environment, creating it', async () => {
    const dataDir = join(makeDataDir(), 'data');
    const store = await createStore(readStoreConfig({ SPEC2MCP_DATA_DIR: dataDir }));
    stores.push(store);
    expect(store.kind).toBe('sqlite');
    expect(existsSync(join(dataDir, 'spec2mcp.sqlite'))).toBe(true);
  });

  it('opens the memory store', async () => {
    const store = await createStore({ kind: 'memory' });
    stores.push(store);
    expect(store.kind).toBe('memory');
    expect(store.owner).toMatch(/^.+:\d+:[0-9a-f]{8}$/);
  });

  it('prunes expired records on its own while open', async () => {
    const file = join(makeDataDir(), 'store.sqlite');
    const clock = createTestClock();
    const store = await createStore({ kind: 'sqlite', file, now: clock.now, pruneIntervalMs: 20 });
    stores.push(store);
    await store.idempotency.claim({ principal: 'p', tool: 't', key: 'k', fingerprint: 'f', ttlMs: 1000 });
    const reader = openSqliteDatabase(file);
    const count = () =>
      (reader.prepare('SELECT COUNT(*) AS n FROM idempotency_records').get() as { n: number }).n;
    expect(count()).toBe(1);
    clock.advance(1000);
    const deadline = Date.now() + 5000;
    while (count() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count()).toBe(0);
    reader.close();
  });
});
