/**
 * Vitest globalSetup: gives the run a state file for its throwaway PostgreSQL and stops that server
 * at the end. The server itself starts lazily, on the first call of `getTestDatabaseUrl()`, so suites
 * that never touch PostgreSQL never pay for it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    testPostgresStateFile: string;
  }
}

export const STOP_SCRIPT = resolve('scripts/postgres/stop-test-postgres.sh');

export default function setupTestPostgres(project: TestProject): () => void {
  const stateFile = resolve('.tmp', `pg-run-${process.pid}-${Date.now()}.env`);
  project.provide('testPostgresStateFile', stateFile);
  return () => {
    if (!existsSync(stateFile)) return;
    execFileSync('bash', [STOP_SCRIPT, stateFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
