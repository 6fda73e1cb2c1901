/**
 * The PostgreSQL the tests use: SPEC2MCP_TEST_DATABASE_URL when set (an external server), else the
 * run's throwaway server, started on first use by scripts/postgres/start-test-postgres.sh. A failure
 * to start fails the tests that need it; they are never skipped.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';

const START_SCRIPT = resolve('scripts/postgres/start-test-postgres.sh');
let databaseUrl: Promise<string> | undefined;

export function getTestDatabaseUrl(): Promise<string> {
  databaseUrl ??= startOrReuseTestPostgres();
  return databaseUrl;
}

async function startOrReuseTestPostgres(): Promise<string> {
  const external = process.env['SPEC2MCP_TEST_DATABASE_URL'];
  if (external) return external;
  const stateFile = inject('testPostgresStateFile');
  if (!stateFile) {
    throw new Error(
      'No PostgreSQL for the tests: register test/stores/postgres-global-setup.ts as a vitest globalSetup, ' +
        'or set SPEC2MCP_TEST_DATABASE_URL.',
    );
  }
  try {
    // First start on a fresh machine installs PostgreSQL (apt-get), which takes a while.
    const { stdout } = await promisify(execFile)('bash', [START_SCRIPT, '--state-file', stateFile], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const match = /^export SPEC2MCP_TEST_DATABASE_URL='([^']+)'$/m.exec(stdout);
    if (match?.[1] === undefined) throw new Error(`start-test-postgres.sh printed no URL:\n${stdout}`);
    return match[1];
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`PostgreSQL for the tests could not be started: ${(error as Error).message}\n${stderr}`, {
      cause: error,
    });
  }
}

/** A fresh schema name, so every test database is isolated and starts unmigrated. */
export function createTestSchemaName(): string {
  return `t_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropTestSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
