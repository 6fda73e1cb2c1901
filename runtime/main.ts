/**
 * Entry point of a deployed server: configuration from the environment, then
 * `startServer`. Run with `tsx runtime/main.ts generated/<api>` in development.
 */
import { RUNTIME_ENV_HELP, RuntimeConfigError, readRuntimeConfig } from './read-runtime-config.js';
import { startServer } from './start-server.js';

try {
  await startServer(readRuntimeConfig(process.env, process.argv.slice(2)));
} catch (error) {
  if (error instanceof RuntimeConfigError) {
    console.error(`${error.message}\n\n${RUNTIME_ENV_HELP}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
