/**
 * The PostgreSQL schema, as numbered migrations applied at startup in one transaction under an
 * advisory lock, so instances starting together apply each migration exactly once.
 */
import type pg from 'pg';
import { checkKnownVersion, type Migration } from './sqlite-migrations.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'idempotency records, rate-limit counters, audit log',
    sql: `
      CREATE TABLE idempotency_records (
        principal TEXT NOT NULL,
        tool TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_progress', 'completed', 'outcome_unknown')),
        owner TEXT NOT NULL,
        claimed_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        result TEXT,
        PRIMARY KEY (principal, tool, key)
      );
      CREATE INDEX idempotency_records_expires_at ON idempotency_records (expires_at);

      -- Column order required by rate-limiter-flexible's RateLimiterPostgres (fixed windows).
      CREATE TABLE rate_limit_counters (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire BIGINT
      );
      CREATE INDEX rate_limit_counters_expire ON rate_limit_counters (expire);

      CREATE TABLE rate_limit_windows (
        key TEXT NOT NULL,
        bucket BIGINT NOT NULL,
        points INTEGER NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (key, bucket)
      );
      CREATE INDEX rate_limit_windows_expires_at ON rate_limit_windows (expires_at);

      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        time BIGINT NOT NULL,
        principal TEXT NOT NULL,
        client TEXT,
        tool TEXT NOT NULL,
        -- json, not jsonb: an exact copy, and jsonb refuses escaped NUL characters inside strings.
        arguments JSON NOT NULL,
        idempotency_key TEXT,
        outcome TEXT NOT NULL,
        upstream_status INTEGER,
        duration_ms INTEGER NOT NULL
      );
      CREATE INDEX audit_log_time ON audit_log (time);
      CREATE INDEX audit_log_tool_time ON audit_log (tool, time);
      CREATE INDEX audit_log_principal_time ON audit_log (principal, time);
    `,
  },
  {
    version: 2,
    name: 'api tokens',
    // Constraint names are read back by postgres-api-tokens.ts to report which field collided.
    sql: `
      CREATE TABLE api_tokens (
        id TEXT CONSTRAINT api_tokens_pkey PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE,
        display_prefix TEXT NOT NULL,
        scopes TEXT NOT NULL,
        tenant TEXT,
        workspaces TEXT,
        credential_ref TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        last_used_at BIGINT,
        revoked_at BIGINT
      );
      CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
      CREATE INDEX api_tokens_expires_at ON api_tokens (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'oauth records and user credentials',
    // oidc-provider's models as JSON with their secondary keys beside them; credentials are
    // ciphertext only (AES-256-GCM by the CredentialVault), one per owner.
    sql: `
      CREATE TABLE oauth_records (
        model TEXT NOT NULL,
        id TEXT NOT NULL,
        payload TEXT NOT NULL,
        grant_id TEXT,
        client_id TEXT,
        account_id TEXT,
        uid TEXT,
        user_code TEXT,
        expires_at BIGINT,
        consumed_at BIGINT,
        last_used_at BIGINT,
        PRIMARY KEY (model, id)
      );
      CREATE INDEX oauth_records_grant_id ON oauth_records (grant_id) WHERE grant_id IS NOT NULL;
      CREATE INDEX oauth_records_client_id ON oauth_records (client_id, model) WHERE client_id IS NOT NULL;
      CREATE INDEX oauth_records_uid ON oauth_records (uid) WHERE uid IS NOT NULL;
      CREATE INDEX oauth_records_user_code ON oauth_records (user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX oauth_records_expires_at ON oauth_records (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE user_credentials (
        ref TEXT PRIMARY KEY,
        owner TEXT NOT NULL UNIQUE,
        ciphertext TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT
      );
      CREATE INDEX user_credentials_expires_at ON user_credentials (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
];

/** Any constant works; it only has to be the same for every instance of this runtime. */
const MIGRATION_LOCK_ID = 0x5_3ec2_3c9;

/** Applies the migrations the schema lacks; returns the versions applied now. */
export async function applyPostgresMigrations(
  pool: pg.Pool,
  options: {
    readonly schema?: string;
    readonly now?: () => number;
    readonly migrations?: readonly Migration[];
  } = {},
): Promise<number[]> {
  const migrations = options.migrations ?? POSTGRES_MIGRATIONS;
  const now = options.now ?? Date.now;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    if (options.schema !== undefined)
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT MAX(version) AS version FROM schema_version',
    );
    const current = rows[0]?.version ?? 0;
    checkKnownVersion(current, migrations);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now(),
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Schema names come from configuration; only plain identifiers are accepted. */
export function quoteIdentifier(name: string): string {
  // Lower case only: the same name must work quoted here and unquoted in search_path.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`"${name}" is not a plain PostgreSQL identifier (a-z, 0-9, _; at most 63 characters).`);
  }
  return `"${name}"`;
}
