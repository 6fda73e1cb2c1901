/**
 * The SQLite schema, as numbered migrations applied at startup inside one write transaction, so
 * several processes opening the same file at once apply each migration exactly once.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
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
        claimed_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        result TEXT,
        PRIMARY KEY (principal, tool, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_records_expires_at ON idempotency_records (expires_at);

      -- Layout required by rate-limiter-flexible's RateLimiterSQLite (fixed windows).
      CREATE TABLE rate_limit_counters (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire INTEGER
      );
      CREATE INDEX rate_limit_counters_expire ON rate_limit_counters (expire);

      CREATE TABLE rate_limit_windows (
        key TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        points INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (key, bucket)
      ) WITHOUT ROWID;
      CREATE INDEX rate_limit_windows_expires_at ON rate_limit_windows (expires_at);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time INTEGER NOT NULL,
        principal TEXT NOT NULL,
        client TEXT,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
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
    // Only a SHA-256 of each token; scopes and workspaces as JSON arrays. Names are unique among
    // unrevoked tokens, so `tokens revoke <name>` names one token.
    sql: `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        display_prefix TEXT NOT NULL,
        scopes TEXT NOT NULL,
        tenant TEXT,
        workspaces TEXT,
        credential_ref TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER,
        revoked_at INTEGER
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
        expires_at INTEGER,
        consumed_at INTEGER,
        last_used_at INTEGER,
        PRIMARY KEY (model, id)
      ) WITHOUT ROWID;
      CREATE INDEX oauth_records_grant_id ON oauth_records (grant_id) WHERE grant_id IS NOT NULL;
      CREATE INDEX oauth_records_client_id ON oauth_records (client_id, model) WHERE client_id IS NOT NULL;
      CREATE INDEX oauth_records_uid ON oauth_records (uid) WHERE uid IS NOT NULL;
      CREATE INDEX oauth_records_user_code ON oauth_records (user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX oauth_records_expires_at ON oauth_records (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE user_credentials (
        ref TEXT PRIMARY KEY,
        owner TEXT NOT NULL UNIQUE,
        ciphertext TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      CREATE INDEX user_credentials_expires_at ON user_credentials (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
];

/** Applies the migrations the database lacks; returns the versions applied now. */
export function applySqliteMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = SQLITE_MIGRATIONS,
  now: () => number = Date.now,
): number[] {
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    checkKnownVersion(current, migrations);
    const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now());
      applied.push(migration.version);
    }
    return applied;
  });
  // IMMEDIATE takes the write lock first: two processes cannot both read "version 0" and both migrate.
  return apply.immediate();
}

/** A database migrated by a newer runtime must not be used by an older one. */
export function checkKnownVersion(current: number, migrations: readonly Migration[]): void {
  const latest = migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
  if (current > latest) {
    throw new Error(
      `The store's schema is at version ${current}, newer than this runtime knows (${latest}). ` +
        'Upgrade the runtime, or point it at another database.',
    );
  }
}
