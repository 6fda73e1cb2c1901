/**
 * Chooses and opens the store from configuration (env SPEC2MCP_STORE and friends), and prunes it
 * periodically while it is open.
 */
import { join } from 'node:path';
import type { SqliteSynchronous } from './open-sqlite-database.js';
import type { Store, StoreKind, StoreOptions } from './store-types.js';

export type StoreConfig =
  | ({ readonly kind: 'memory' } & CommonStoreConfig)
  | ({
      readonly kind: 'sqlite';
      /** Database file, or `:memory:`. */
      readonly file: string;
      readonly synchronous?: SqliteSynchronous;
      readonly nativeBinding?: string;
    } & CommonStoreConfig)
  | ({
      readonly kind: 'postgres';
      readonly connectionString: string;
      readonly schema?: string;
      readonly poolMax?: number;
    } & CommonStoreConfig);

export interface CommonStoreConfig extends StoreOptions {
  /** How often expired records are deleted while the store is open; 0 turns it off. Default 10 min. */
  readonly pruneIntervalMs?: number;
}

export interface StoreLogger {
  warn(object: object, message: string): void;
}

export const DEFAULT_DATA_DIR = '.data';
export const SQLITE_FILE_NAME = 'spec2mcp.sqlite';
export const DEFAULT_PRUNE_INTERVAL_MS = 10 * 60 * 1000;

const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'postgres'];

/**
 * Reads the store configuration from the environment:
 * SPEC2MCP_STORE (`sqlite` default, `postgres`, `memory`), SPEC2MCP_DATA_DIR (`.data`),
 * SPEC2MCP_DATABASE_URL, SPEC2MCP_DATABASE_SCHEMA, SPEC2MCP_DATABASE_POOL_MAX (10),
 * SPEC2MCP_SQLITE_SYNCHRONOUS (`normal`, `full`), SPEC2MCP_IDEMPOTENCY_RETENTION_SECONDS (86400),
 * SPEC2MCP_AUDIT_RETENTION_DAYS (unset: keep), SPEC2MCP_STORE_PRUNE_INTERVAL_SECONDS (600).
 */
export function readStoreConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): StoreConfig {
  const kind = (env['SPEC2MCP_STORE'] || 'sqlite').toLowerCase();
  if (!isStoreKind(kind)) {
    throw new Error(
      `SPEC2MCP_STORE must be one of ${STORE_KINDS.join(', ')}; got "${env['SPEC2MCP_STORE']}".`,
    );
  }
  const retentionSeconds = readPositiveInteger(env, 'SPEC2MCP_IDEMPOTENCY_RETENTION_SECONDS');
  const auditDays = readPositiveInteger(env, 'SPEC2MCP_AUDIT_RETENTION_DAYS');
  const pruneSeconds = readPositiveInteger(env, 'SPEC2MCP_STORE_PRUNE_INTERVAL_SECONDS', { allowZero: true });
  const common: CommonStoreConfig = {
    ...(retentionSeconds !== undefined && { idempotencyRetentionMs: retentionSeconds * 1000 }),
    ...(auditDays !== undefined && { auditRetentionMs: auditDays * 24 * 60 * 60 * 1000 }),
    ...(pruneSeconds !== undefined && { pruneIntervalMs: pruneSeconds * 1000 }),
  };
  switch (kind) {
    case 'memory':
      return { kind, ...common };
    case 'sqlite': {
      const synchronous = (env['SPEC2MCP_SQLITE_SYNCHRONOUS'] || 'normal').toLowerCase();
      if (synchronous !== 'normal' && synchronous !== 'full') {
        throw new Error(`SPEC2MCP_SQLITE_SYNCHRONOUS must be "normal" or "full"; got "${synchronous}".`);
      }
      const dataDir = env['SPEC2MCP_DATA_DIR'] || DEFAULT_DATA_DIR;
      return { kind, file: join(dataDir, SQLITE_FILE_NAME), synchronous, ...common };
    }
    case 'postgres': {
      const connectionString = env['SPEC2MCP_DATABASE_URL'];
      if (!connectionString) {
        throw new Error(
          'SPEC2MCP_STORE=postgres needs SPEC2MCP_DATABASE_URL (postgres://user:password@host:5432/db).',
        );
      }
      const poolMax = readPositiveInteger(env, 'SPEC2MCP_DATABASE_POOL_MAX');
      const schema = env['SPEC2MCP_DATABASE_SCHEMA'] || undefined;
      return {
        kind,
        connectionString,
        ...(schema !== undefined && { schema }),
        ...(poolMax !== undefined && { poolMax }),
        ...common,
      };
    }
  }
}

/** Opens the configured store, migrated and ready; `close()` also stops its pruning timer. */
export async function createStore(config: StoreConfig, logger?: StoreLogger): Promise<Store> {
  const store = await openConfiguredStore(config, logger);
  const intervalMs = config.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  if (intervalMs <= 0) return store;
  const timer = setInterval(() => {
    store
      .prune()
      .catch((error: unknown) => logger?.warn({ err: error, store: store.kind }, 'store pruning failed'));
  }, intervalMs);
  // Pruning must never keep a process alive that is otherwise done.
  timer.unref();
  return {
    ...store,
    close() {
      clearInterval(timer);
      return store.close();
    },
  };
}

// Each driver is imported when configured: a server on SQLite never loads pg, nor one on
// PostgreSQL the native SQLite binding.
async function openConfiguredStore(config: StoreConfig, logger: StoreLogger | undefined): Promise<Store> {
  switch (config.kind) {
    case 'memory': {
      const { openMemoryStore } = await import('./memory-store.js');
      return openMemoryStore(config);
    }
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite-store.js');
      return openSqliteStore(config);
    }
    case 'postgres': {
      const { openPostgresStore } = await import('./postgres-store.js');
      return openPostgresStore({
        ...config,
        onPoolError: (error) => logger?.warn({ err: error }, 'idle PostgreSQL connection failed'),
      });
    }
  }
}

function isStoreKind(value: string): value is StoreKind {
  return (STORE_KINDS as readonly string[]).includes(value);
}

function readPositiveInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  options: { readonly allowZero?: boolean } = {},
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  const min = options.allowZero ? 0 : 1;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}; got "${raw}".`);
  }
  return value;
}
