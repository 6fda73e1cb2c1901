/**
 * The store a CLI command reads (audit, tokens, clients): the server's settings from the
 * environment, with --data-dir (SQLite) or --database-url (PostgreSQL) winning. A memory store lives
 * inside the server process, so a separate command can never reach it.
 */
import { readStoreConfig, type StoreConfig } from '../runtime/stores/create-store.js';

export interface CliStoreFlags {
  readonly dataDir: string | undefined;
  readonly databaseUrl: string | undefined;
}

/** `memoryRefusal` says why this command cannot use a memory store; `usageError` builds its exit-2 error. */
export function readCliStoreConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: CliStoreFlags,
  memoryRefusal: string,
  usageError: (message: string) => Error,
): StoreConfig {
  const { dataDir, databaseUrl } = flags;
  if (dataDir !== undefined && databaseUrl !== undefined) {
    throw usageError('Pass --data-dir (SQLite) or --database-url (PostgreSQL), not both.');
  }
  const effective = { ...env };
  if (dataDir !== undefined)
    Object.assign(effective, { SPEC2MCP_STORE: 'sqlite', SPEC2MCP_DATA_DIR: dataDir });
  if (databaseUrl !== undefined) {
    Object.assign(effective, { SPEC2MCP_STORE: 'postgres', SPEC2MCP_DATABASE_URL: databaseUrl });
  }
  let config: StoreConfig;
  try {
    config = readStoreConfig(effective);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (config.kind === 'memory') {
    throw usageError(memoryRefusal);
  }
  return config;
}
