/**
 * better-sqlite3 is a native addon compiled by node-gyp at `npm install` (its prebuilt download cannot
 * work offline); these fail if it was not built or cannot load on this Node.js.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase, SQLITE_NATIVE_BINDING_ENV } from '../../runtime/stores/open-sqlite-database.js';

const require = createRequire(import.meta.url);
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('better-sqlite3', () => {
  it('has a compiled addon', () => {
    const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
    const addon =
      process.env[SQLITE_NATIVE_BINDING_ENV] || join(packageDir, 'build', 'Release', 'better_sqlite3.node');
    expect(existsSync(addon)).toBe(true);
  });

  it('loads and runs an SQLite with RETURNING (3.35+)', () => {
    const db = openSqliteDatabase(':memory:');
    const { version } = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
    const [major = 0, minor = 0] = version.split('.').map(Number);
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(3035);
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    expect(db.prepare('INSERT INTO t VALUES (?) ON CONFLICT DO NOTHING RETURNING k').get('a')).toEqual({
      k: 'a',
    });
    expect(
      db.prepare('INSERT INTO t VALUES (?) ON CONFLICT DO NOTHING RETURNING k').get('a'),
    ).toBeUndefined();
    db.close();
  });

  const pragmas = [
    { synchronous: 'normal' as const, want: { journal: 'wal', synchronous: 1 } },
    { synchronous: 'full' as const, want: { journal: 'wal', synchronous: 2 } },
  ];
  it.each(pragmas)('opens a file in WAL mode with synchronous=$synchronous', ({ synchronous, want }) => {
    const dir = mkdtempSync(join(tmpdir(), 'spec2mcp-sqlite-'));
    dirs.push(dir);
    const db = openSqliteDatabase(join(dir, 'nested', 'db.sqlite'), { synchronous });
    expect({
      journal: db.prepare('PRAGMA journal_mode').pluck().get(),
      synchronous: db.prepare('PRAGMA synchronous').pluck().get(),
    }).toEqual(want);
    db.close();
  });

  it('explains an addon that cannot load', () => {
    expect(() =>
      openSqliteDatabase(':memory:', { nativeBinding: '/nonexistent/better_sqlite3.node' }),
    ).toThrow(/npm rebuild better-sqlite3.*SPEC2MCP_SQLITE_NATIVE_BINDING/);
  });
});
