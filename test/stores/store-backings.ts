/**
 * The backends the contract suite runs against. A backing is one database; each `open()` on it is
 * one runtime instance (its own connection or pool, its own owner id). Memory has no sharing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type StoreConfig } from '../../runtime/stores/create-store.js';
import type { Store, StoreKind, StoreOptions } from '../../runtime/stores/store-types.js';
import { createTestSchemaName, dropTestSchema, getTestDatabaseUrl } from './test-postgres.js';

export interface StoreBacking {
  /** Opens another instance on this backing; closed by `dispose`. */
  open(options?: StoreOptions): Promise<Store>;
  /** What a child process passes to `createStore` to reach the same backing (not for memory). */
  readonly config: StoreConfig;
  dispose(): Promise<void>;
}

export interface BackingKind {
  readonly name: StoreKind;
  /** Several instances see one state (SQLite file, PostgreSQL database). */
  readonly shared: boolean;
  create(): Promise<StoreBacking>;
}

function trackStores(config: StoreConfig, cleanup: () => Promise<void> | void): StoreBacking {
  const opened: Store[] = [];
  return {
    config,
    async open(options = {}) {
      const store = await createStore({ ...config, ...options, pruneIntervalMs: 0 });
      opened.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(opened.map((store) => store.close()));
      await cleanup();
    },
  };
}

export const MEMORY: BackingKind = {
  name: 'memory',
  shared: false,
  async create() {
    return trackStores({ kind: 'memory' }, () => {});
  },
};

export const SQLITE: BackingKind = {
  name: 'sqlite',
  shared: true,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'spec2mcp-stores-'));
    return trackStores({ kind: 'sqlite', file: join(dir, 'store.sqlite') }, () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  },
};

export const POSTGRES: BackingKind = {
  name: 'postgres',
  shared: true,
  async create() {
    const url = await getTestDatabaseUrl();
    const schema = createTestSchemaName();
    return trackStores({ kind: 'postgres', connectionString: url, schema, poolMax: 20 }, () =>
      dropTestSchema(url, schema),
    );
  },
};

export const ALL_BACKINGS: readonly BackingKind[] = [MEMORY, SQLITE, POSTGRES];
export const SHARED_BACKINGS: readonly BackingKind[] = [SQLITE, POSTGRES];

/** A clock the test moves; starts on a whole second so window arithmetic is exact. */
export function createTestClock(start = 1_800_000_000_000) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
    get start() {
      return start;
    },
  };
}
