/**
 * Schema migrations: applied once, recorded in schema_version, safe when instances start together,
 * and refused by a runtime older than the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../runtime/stores/open-sqlite-database.js';
import { applyPostgresMigrations, POSTGRES_MIGRATIONS } from '../../runtime/stores/postgres-migrations.js';
import { openPostgresStore } from '../../runtime/stores/postgres-store.js';
import { applySqliteMigrations, SQLITE_MIGRATIONS } from '../../runtime/stores/sqlite-migrations.js';
import { openSqliteStore } from '../../runtime/stores/sqlite-store.js';
import { createTestSchemaName, dropTestSchema, getTestDatabaseUrl } from './test-postgres.js';

const LATEST = SQLITE_MIGRATIONS.length;
const PG_LATEST = POSTGRES_MIGRATIONS.length;

describe('SQLite migrations', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spec2mcp-migrations-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies every migration once and records it', () => {
    const db = openSqliteDatabase(join(dir, 'once.sqlite'));
    const times = [1000, 2000];
    expect(applySqliteMigrations(db, SQLITE_MIGRATIONS, () => times[0]!)).toEqual(
      SQLITE_MIGRATIONS.map((m) => m.version),
    );
    expect(applySqliteMigrations(db, SQLITE_MIGRATIONS, () => times[1]!)).toEqual([]);
    expect(db.prepare('SELECT version, applied_at FROM schema_version').all()).toEqual(
      SQLITE_MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1000 })),
    );
    db.close();
  });

  it('applies only the migrations a database lacks', () => {
    const db = openSqliteDatabase(join(dir, 'later.sqlite'));
    applySqliteMigrations(db);
    const next = {
      version: LATEST + 1,
      name: 'add a column',
      sql: 'ALTER TABLE audit_log ADD COLUMN note TEXT',
    };
    expect(applySqliteMigrations(db, [...SQLITE_MIGRATIONS, next])).toEqual([LATEST + 1]);
    expect(db.prepare('SELECT note FROM audit_log').all()).toEqual([]);
    db.close();
  });

  it('refuses a database migrated by a newer runtime', async () => {
    const file = join(dir, 'newer.sqlite');
    const db = openSqliteDatabase(file);
    applySqliteMigrations(db);
    db.prepare('INSERT INTO schema_version VALUES (?, ?, ?)').run(LATEST + 5, 'future', 0);
    db.close();
    await expect(openSqliteStore({ file })).rejects.toThrow(
      `schema is at version ${LATEST + 5}, newer than this runtime knows (${LATEST})`,
    );
  });
});

describe('PostgreSQL migrations', () => {
  let url: string;
  const schemas: string[] = [];
  beforeAll(async () => {
    url = await getTestDatabaseUrl();
  });
  afterAll(async () => {
    for (const schema of schemas) await dropTestSchema(url, schema);
  });

  function newSchema(): string {
    const schema = createTestSchemaName();
    schemas.push(schema);
    return schema;
  }

  it('applies once when 4 instances start together on an empty schema', async () => {
    const schema = newSchema();
    const pools = Array.from(
      { length: 4 },
      () => new pg.Pool({ connectionString: url, options: `-c search_path=${schema}` }),
    );
    try {
      const applied = await Promise.all(pools.map((pool) => applyPostgresMigrations(pool, { schema })));
      expect(applied.flat()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      const { rows } = await pools[0]!.query('SELECT version FROM schema_version ORDER BY version');
      expect(rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses a schema migrated by a newer runtime', async () => {
    const schema = newSchema();
    const store = await openPostgresStore({ connectionString: url, schema });
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO "${schema}".schema_version VALUES ($1, 'future', 0)`, [PG_LATEST + 5]);
    await client.end();
    await expect(openPostgresStore({ connectionString: url, schema })).rejects.toThrow(
      `schema is at version ${PG_LATEST + 5}, newer than this runtime knows (${PG_LATEST})`,
    );
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      openPostgresStore({ connectionString: url, schema: 'x"; DROP TABLE y; --' }),
    ).rejects.toThrow(/not a plain PostgreSQL identifier/);
  });
});
