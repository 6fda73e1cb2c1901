/**
 * Opens a better-sqlite3 connection configured for the stores: WAL, a busy timeout so several
 * processes can share one file, and the chosen durability level.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteSynchronous = 'normal' | 'full';

export interface OpenSqliteDatabaseOptions {
  /**
   * `normal` (default): in WAL mode a commit survives a crash of the process (SIGKILL included) but
   * may be lost on power loss. `full`: fsync on every commit, ~20x slower here.
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * Path of a better-sqlite3 addon built for the running Node.js (better-sqlite3's `nativeBinding`).
   * Default: env SPEC2MCP_SQLITE_NATIVE_BINDING, else the addon npm built in node_modules.
   */
  readonly nativeBinding?: string;
  /** How long a write waits for another connection's lock before SQLITE_BUSY. Default 5 s. */
  readonly busyTimeoutMs?: number;
}

export const SQLITE_NATIVE_BINDING_ENV = 'SPEC2MCP_SQLITE_NATIVE_BINDING';

/**
 * Every connection and statement opened here stays reachable until the process exits. On Node.js 24,
 * better-sqlite3 12's objects abort the process ("Assertion failed: (env) != nullptr" in
 * RemoveEnvironmentCleanupHook) when a garbage collection that runs outside JavaScript, such as V8's
 * idle-time GC, finalizes them; objects that are never garbage are never finalized that way. Hence
 * the stores prepare their statements once, never per call, and set pragmas with `exec`.
 */
const retainedForProcessLifetime: object[] = [];

export function openSqliteDatabase(file: string, options: OpenSqliteDatabaseOptions = {}): Database.Database {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const nativeBinding = options.nativeBinding ?? (process.env[SQLITE_NATIVE_BINDING_ENV] || undefined);
  let db: Database.Database;
  try {
    db = new Database(file, {
      timeout: options.busyTimeoutMs ?? 5000,
      ...(nativeBinding !== undefined && { nativeBinding }),
    });
  } catch (error) {
    throw explainLoadFailure(error);
  }
  retainedForProcessLifetime.push(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    retainedForProcessLifetime.push(statement);
    return statement;
  }) as typeof db.prepare;
  if (!inMemory) db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  return db;
}

/** A native addon built for another Node.js fails with a message that does not say what to do. */
function explainLoadFailure(error: unknown): unknown {
  if (
    !(error instanceof Error) ||
    !/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|better_sqlite3\.node/.test(String(error))
  ) {
    return error;
  }
  return new Error(
    `better-sqlite3's native addon cannot be loaded by Node.js ${process.version} ` +
      `(NODE_MODULE_VERSION ${process.versions.modules}). Run \`npm rebuild better-sqlite3\` with this Node.js, ` +
      `or set ${SQLITE_NATIVE_BINDING_ENV} to an addon built for it. Cause: ${error.message}`,
    { cause: error },
  );
}
