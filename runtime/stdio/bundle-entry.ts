/**
 * The body of the `.mcpb` bundle's server/index.js: the generated API is compiled into the same
 * file (see bundle/bundle-stdio-server.ts), the store is memory only (no native modules), and the
 * settings come from the environment the desktop client fills from the manifest's user_config.
 */
import type { ApiDefinition } from '../define-tool.js';
import { openMemoryOnlyStore } from './open-memory-store.js';
import { runStdio } from './run-stdio.js';

/** How long a finished server may take to let go of the event loop before it is ended. */
const EXIT_GRACE_MS = 2_000;

export async function runBundledStdio(api: ApiDefinition): Promise<void> {
  const code = await runStdio({ loadApi: async () => api, openStore: openMemoryOnlyStore });
  process.exitCode = code;
  // A desktop client waits for the process to end; nothing left open may keep it alive.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}
