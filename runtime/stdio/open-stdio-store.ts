/**
 * The store of `spec2mcp stdio`: memory unless SPEC2MCP_STORE says otherwise (then SQLite under
 * SPEC2MCP_DATA_DIR, or PostgreSQL, exactly as for serve). The drivers load only when asked for.
 */
import { openMemoryOnlyStore } from './open-memory-store.js';
import type { OpenStdioStore } from './run-stdio.js';

export const openStdioStore: OpenStdioStore = async (kind, env, logger) => {
  if (kind === 'memory') return openMemoryOnlyStore(kind, env, logger);
  const { createStore, readStoreConfig } = await import('../stores/create-store.js');
  return createStore(readStoreConfig({ ...env, SPEC2MCP_STORE: kind }), logger.child({ component: 'store' }));
};
