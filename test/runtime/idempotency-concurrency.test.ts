/**
 * Given 100 concurrent calls of a write tool with one idempotency key, want exactly one request at
 * the Conveyor reference platform (it counts every request it receives, before its own key
 * handling) and the same result for all 100: on SQLite, on PostgreSQL, and across two runtime
 * instances sharing one PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, getPlatformState } from '../../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { REPLAY_META_KEY } from '../../runtime/idempotency/run-keyed-call.js';
import { loadApi } from '../../runtime/load-api.js';
import type { StoreConfig } from '../../runtime/stores/create-store.js';
import { createTestSchemaName, dropTestSchema, getTestDatabaseUrl } from '../stores/test-postgres.js';
import { type ConnectedClient, connectClient } from './connect-client.js';

const CALLS = 100;
const CREATE_ROUTE = 'POST /v1/workspaces/:workspaceId/workflows';

let api: ApiDefinition;
let platform: FastifyInstance;
let platformUrl: string;
const tempDirs: string[] = [];

beforeAll(async () => {
  api = await loadApi(resolve('generated/conveyor'));
  // The platform holds each request, so all 100 calls arrive while the first is in flight.
  platform = await buildPlatform({ logger: false, tickMs: 60_000, latencyMs: 300 });
  platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await platform.close();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function startInstances(store: StoreConfig, count: number) {
  const apps: FastifyInstance[] = [];
  const clients: ConnectedClient[] = [];
  for (let index = 0; index < count; index += 1) {
    const app = await buildServer({
      api,
      upstreamUrl: `${platformUrl}/v1`,
      upstreamCredential: DEMO_API_KEY,
      store: { ...store, pruneIntervalMs: 0 },
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
    clients.push(await connectClient(`${address}/mcp`, index % 2 === 0 ? '2026-07-28' : '2025-11-25'));
  }
  return {
    clients,
    async close() {
      for (const client of clients) await client.close();
      for (const app of apps) await app.close();
    },
  };
}

function deliveries(): number {
  return getPlatformState(platform).requestCounts.get(CREATE_ROUTE) ?? 0;
}

async function callConcurrently(clients: readonly ConnectedClient[], key: string) {
  const args = {
    workspace_id: 'wsp_acme',
    idempotency_key: key,
    name: `Concurrent ${key}`,
    blocks: [{ id: 'start', type: 'trigger_manual', name: 'Start', config: {} }],
    edges: [],
  };
  return Promise.all(
    Array.from(
      { length: CALLS },
      (_, index) =>
        clients[index % clients.length]?.client.callTool({
          name: 'create_workflow',
          arguments: args,
        }) as Promise<CallToolResult>,
    ),
  );
}

function expectOneExecution(results: readonly CallToolResult[], before: number) {
  expect(deliveries() - before).toBe(1);
  expect(results.filter((result) => result.isError)).toEqual([]);
  const ids = new Set(results.map((result) => (result.structuredContent as { id: string }).id));
  expect(ids.size).toBe(1);
  const replayed = results.map(
    (result) => (result._meta?.[REPLAY_META_KEY] as { replayed?: boolean } | undefined)?.replayed,
  );
  expect(replayed.filter((flag) => flag === false)).toHaveLength(1);
  expect(replayed.filter((flag) => flag === true)).toHaveLength(CALLS - 1);
}

describe('100 concurrent calls with one key reach the platform once', () => {
  it('SQLite', async () => {
    const dir = mkdtempSync(join(resolve('.'), '.tmp-idem-'));
    tempDirs.push(dir);
    const stack = await startInstances({ kind: 'sqlite', file: join(dir, 'store.sqlite') }, 1);
    try {
      const before = deliveries();
      expectOneExecution(await callConcurrently(stack.clients, 'sqlite-key-1'), before);
    } finally {
      await stack.close();
    }
  });

  it.each([
    { given: 'one instance', instances: 1 },
    { given: 'two instances sharing it', instances: 2 },
  ])(
    'PostgreSQL, $given',
    async ({ instances }) => {
      const url = await getTestDatabaseUrl();
      const schema = createTestSchemaName();
      const stack = await startInstances({ kind: 'postgres', connectionString: url, schema }, instances);
      try {
        const before = deliveries();
        expectOneExecution(await callConcurrently(stack.clients, `pg-key-${instances}`), before);
      } finally {
        await stack.close();
        await dropTestSchema(url, schema);
      }
    },
    120_000,
  );
});
