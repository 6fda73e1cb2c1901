import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Cheap unless needed: the first builds better-sqlite3 only for a Node.js its addon does not load on,
    // the second starts PostgreSQL only when a test asks for it (test/stores/test-postgres.ts).
    globalSetup: ['test/stores/sqlite-native-global-setup.ts', 'test/stores/postgres-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: forks keep native-module and port use isolated without oversubscribing.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
