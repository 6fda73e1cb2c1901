/**
 * The store of the `.mcpb` bundle: memory only. The bundle is one JavaScript file run by the desktop
 * client's own Node.js, so it carries no native driver (better-sqlite3) and no PostgreSQL client;
 * idempotency keys and rate-limit counters then live as long as the process, which for a desktop
 * session is what retries need.
 */
import { openMemoryStore } from '../stores/memory-store.js';
import type { Store } from '../stores/store-types.js';
import type { OpenStdioStore } from './run-stdio.js';

// As create-store.ts's default; importing it would pull the SQLite and PostgreSQL drivers in.
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

export const openMemoryOnlyStore: OpenStdioStore = async (kind) => {
  if (kind !== 'memory') {
    throw new Error(
      `SPEC2MCP_STORE=${kind} is not available in the .mcpb bundle, which keeps its records in memory; unset it, or run \`spec2mcp stdio\` from a checkout for a ${kind} store.`,
    );
  }
  return withPruning(openMemoryStore());
};

/** Deletes expired records periodically; the timer never keeps the process alive. */
function withPruning(store: Store): Store {
  const timer = setInterval(() => void store.prune().catch(() => undefined), PRUNE_INTERVAL_MS);
  timer.unref();
  return {
    ...store,
    close() {
      clearInterval(timer);
      return store.close();
    },
  };
}
