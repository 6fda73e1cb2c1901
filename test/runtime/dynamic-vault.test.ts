/**
 * Dynamic mode on a real large API: HashiCorp Vault's OpenAPI document from the shared corpus
 * (1,049 operations) is generated into .tmp-dyn/vault/, served in `all` and `dynamic` mode, and
 * driven with the SDK v2 client on both protocol revisions. Prints the tools/list sizes, and
 * checks that realistic searches put the right operation in the top 3. Tools are identified by
 * method + path, not by name: Vault's tool names are derived and may change.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/generate.js';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';
import { buildToolSearch } from '../../runtime/mcp/search-tools.js';
import { buildToolRegistry, listToolsets } from '../../runtime/mcp/tool-registry.js';
import { connectClient, type Revision } from './connect-client.js';
import { type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const specFile = resolve(repoRoot, '../shared/corpus/openapi/vault-openapi.json');
// One folder below the repo root, so generated imports of ../../../runtime/define-tool.js resolve.
const outDir = join(repoRoot, '.tmp-dyn', 'vault');
const REVISIONS: Revision[] = ['2025-11-25', '2026-07-28'];

interface SearchAnswer {
  readonly matched: number;
  readonly results: readonly { readonly name: string; readonly access: string }[];
}

let api: ApiDefinition;
let upstream: NotesUpstream;
const apps: Record<'all' | 'dynamic', { app?: FastifyInstance; url: string }> = {
  all: { url: '' },
  dynamic: { url: '' },
};

beforeAll(async () => {
  if (!existsSync(specFile)) throw new Error(`The shared corpus is missing: ${specFile}`);
  const generated = await generate({ specPath: specFile, outDir, cwd: repoRoot });
  expect(generated.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  api = await loadApi(outDir);
  upstream = await startNotesUpstream();
  for (const toolMode of ['all', 'dynamic'] as const) {
    const app = await buildServer({ api, toolMode, upstreamUrl: `${upstream.url}/v1` });
    apps[toolMode] = { app, url: `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp` };
  }
}, 180_000);

afterAll(async () => {
  await apps.all.app?.close();
  await apps.dynamic.app?.close();
  await upstream?.close();
});

function findOperation(name: string | undefined): string {
  const tool = api.tools.find((candidate) => candidate.name === name);
  return tool === undefined ? `(no tool ${name})` : `${tool.http.method.toUpperCase()} ${tool.http.path}`;
}

function findToolName(operation: string): string {
  const tool = api.tools.find(
    (candidate) => `${candidate.http.method.toUpperCase()} ${candidate.http.path}` === operation,
  );
  if (tool === undefined) throw new Error(`Vault has no operation ${operation}`);
  return tool.name;
}

describe('vault (1,049 operations)', () => {
  it('generates every operation', () => {
    expect(api.tools.length).toBe(1049);
  });

  it.each(REVISIONS)('tools/list on %s: dynamic mode is a tiny fraction of all mode', async (revision) => {
    const sizes: Record<string, { tools: number; bytes: number }> = {};
    for (const mode of ['all', 'dynamic'] as const) {
      const connected = await connectClient(apps[mode].url, revision);
      const listed = await connected.client.listTools();
      await connected.close();
      sizes[mode] = { tools: listed.tools.length, bytes: Buffer.byteLength(JSON.stringify(listed)) };
    }
    const rows = Object.entries(sizes).map(
      ([mode, { tools, bytes }]) =>
        `  ${mode.padEnd(8)} ${String(tools).padStart(5)} tools ${String(bytes).padStart(9)} bytes ~${Math.round(bytes / 4)} tokens`,
    );
    console.log(`vault tools/list on ${revision}:\n${rows.join('\n')}`);
    expect(sizes['all']?.tools).toBe(1049);
    expect(sizes['dynamic']?.tools).toBe(3);
    // "A few hundred tokens" (bytes / 4) up front, against hundreds of thousands in all mode.
    expect(sizes['dynamic']?.bytes).toBeLessThan(4_000);
    expect(sizes['all']?.bytes).toBeGreaterThan(100 * (sizes['dynamic']?.bytes ?? 0));
  });

  it('prints the search index cost and the size of each toolset in all mode', () => {
    let started = performance.now();
    const search = buildToolSearch(api.tools);
    const buildMs = performance.now() - started;
    const queries = ['list secret engines', 'create token', 'read kv secret', 'renew a lease', 'seal status'];
    const rounds = 50;
    started = performance.now();
    for (let round = 0; round < rounds; round += 1) for (const query of queries) search.search(query, 8);
    const searchMs = (performance.now() - started) / (rounds * queries.length);
    expect(search.search('create token', 1).results[0]?.name).toBe(findToolName('POST /auth/token/create'));
    const toolsets = listToolsets(api).map((toolset) => {
      const registry = buildToolRegistry(api, { toolsets: [toolset] });
      return {
        toolset,
        tools: registry.entries.size,
        bytes: Buffer.byteLength(JSON.stringify(registry.listResult)),
      };
    });
    console.log(
      `vault search index: built in ${Math.round(buildMs)} ms, ${searchMs.toFixed(3)} ms per search\n` +
        `vault toolsets (all mode tools/list):\n${toolsets
          .map(
            ({ toolset, tools, bytes }) =>
              `  ${toolset.padEnd(12)} ${String(tools).padStart(5)} tools ${String(bytes).padStart(9)} bytes`,
          )
          .join('\n')}`,
    );
    expect(toolsets.reduce((sum, { tools }) => sum + tools, 0)).toBeGreaterThanOrEqual(1049);
  });

  describe.each(REVISIONS)('search_tools on %s', (revision) => {
    it.each([
      { query: 'list secret engines', want: 'GET /sys/mounts' },
      { query: 'enable a secrets engine', want: 'POST /sys/mounts/{path}' },
      { query: 'create token', want: 'POST /auth/token/create' },
      { query: 'revoke token', want: 'POST /auth/token/revoke' },
      { query: 'read kv secret', want: 'GET /{kv_v2_mount_path}/data/{path}' },
      { query: 'write kv secret', want: 'POST /{kv_v2_mount_path}/data/{path}' },
      { query: 'list auth methods', want: 'GET /sys/auth' },
      { query: 'seal status', want: 'GET /sys/seal-status' },
    ])('"$query" ranks $want in the top 3', async ({ query, want }) => {
      const connected = await connectClient(apps.dynamic.url, revision);
      const result = await connected.client.callTool({
        name: 'search_tools',
        arguments: { query, limit: 3 },
      });
      await connected.close();
      const answer = result.structuredContent as unknown as SearchAnswer;
      expect(answer.results.map((item) => findOperation(item.name))).toContain(want);
      const found = answer.results.find((item) => findOperation(item.name) === want);
      expect(found?.access).toBe(want.startsWith('GET') ? 'read' : 'write');
    });
  });

  it.each(REVISIONS)('search -> describe -> call creates a token on %s', async (revision) => {
    upstream.respond = (request) =>
      request.method === 'POST' && request.url === '/v1/auth/token/create'
        ? { status: 200, body: { auth: { client_token: 'hvs.test', policies: ['default'] } } }
        : undefined;
    const connected = await connectClient(apps.dynamic.url, revision);
    const search = await connected.client.callTool({
      name: 'search_tools',
      arguments: { query: 'create token' },
    });
    const name = (search.structuredContent as unknown as SearchAnswer).results[0]?.name;
    expect(name).toBe(findToolName('POST /auth/token/create'));

    const described = await connected.client.callTool({ name: 'describe_tool', arguments: { name } });
    const inputSchema = (described.structuredContent as { inputSchema: { properties: object } }).inputSchema;
    expect(Object.keys(inputSchema.properties)).toEqual(expect.arrayContaining(['policies', 'ttl']));

    const called = await connected.client.callTool({
      name: 'call_tool',
      arguments: {
        name,
        arguments: { policies: ['default'], ttl: '1h', idempotency_key: `vault-${revision}` },
      },
    });
    await connected.close();
    upstream.respond = undefined;
    expect(called.isError).toBeFalsy();
    expect(JSON.stringify(called.content)).toContain('hvs.test');
    const sent = upstream.requests.at(-1);
    expect(sent?.url).toBe('/v1/auth/token/create');
    expect(JSON.parse(sent?.body ?? '{}')).toEqual({ policies: ['default'], ttl: '1h' });
  });
});
