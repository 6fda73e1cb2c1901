/**
 * The name lock: the previous generation's manifest.json keeps every published tool name, so
 * adding operations (colliding or not) never renames an existing tool. The lock goes through
 * the real file: emitManifest writes it, readPreviousNames reads it back.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink, type Diagnostic } from '../../generator/diagnostics/diagnostic.js';
import { emitManifest } from '../../generator/emit/emit-api.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import type { ApiIR } from '../../generator/ir/types.js';
import { readNamesFromManifest, readPreviousNames } from '../../generator/load/read-previous-manifest.js';

type Operations = Record<string, Record<string, Record<string, unknown>>>;

function build(paths: Operations, options: { lock?: ReadonlyMap<string, string>; strict?: boolean } = {}) {
  const document = {
    openapi: '3.1.0',
    info: { title: 'Stable', version: '1.0.0' },
    servers: [{ url: 'https://api.example.com' }],
    paths,
  };
  const sink = createDiagnosticSink({ strict: options.strict ?? false });
  const api = buildApiIR(
    {
      document,
      version: '3.1',
      specName: 'openapi.yaml',
      specSha256: '0',
      overlays: [],
      locate: (pointer) => ({ file: 'openapi.yaml', pointer, line: 1, column: 1 }),
      resolveRef: () => undefined,
    },
    {
      id: 'stable',
      generatorVersion: '0.0.0',
      ...(options.lock ? { previousNames: options.lock } : {}),
      ...(options.strict ? { strict: true } : {}),
    },
    sink,
  );
  return { api, diagnostics: sink.diagnostics };
}

const names = (api: ApiIR) =>
  Object.fromEntries(api.tools.map((t) => [`${t.http.method} ${t.http.path}`, t.name]));
const codes = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => `${d.code} ${d.severity}`);
const get = (operationId: string, extra: Record<string, unknown> = {}) => ({
  get: { operationId, summary: operationId, responses: { '200': { description: 'OK' } }, ...extra },
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spec2mcp-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** First generation -> manifest.json on disk -> the lock the next generation reads. */
async function lockFrom(api: ApiIR): Promise<ReadonlyMap<string, string>> {
  await writeFile(join(dir, 'manifest.json'), emitManifest(api));
  return readPreviousNames(dir);
}

describe('the name lock', () => {
  // given: two operations, one without operationId; want: their names survive every change below
  const first: Operations = {
    '/items': get('listItems', { tags: ['catalog'] }),
    '/items/{id}': { get: { summary: 'One item', responses: { '200': { description: 'OK' } } } },
  };

  it('adding a colliding and a non-colliding operation renames no existing tool', async () => {
    const before = build(first);
    expect(names(before.api)).toEqual({ 'get /items': 'list_items', 'get /items/{id}': 'get_item' });
    const lock = await lockFrom(before.api);
    expect(Object.fromEntries(lock)).toEqual({ 'GET /items': 'list_items', 'GET /items/{id}': 'get_item' });

    const after = build(
      {
        ...first,
        // wants `list_items` too (same operationId, another path)
        '/v2/items': get('listItems', { tags: ['catalog_v2'] }),
        // wants `get_item` (derived from the path as well)
        '/v2/items/{id}': { get: { summary: 'One item, v2', responses: { '200': { description: 'OK' } } } },
        '/orders': get('listOrders'),
      },
      { lock },
    );
    expect(names(after.api)).toEqual({
      'get /items': 'list_items',
      'get /items/{id}': 'get_item',
      'get /v2/items': 'list_items_catalog_v2',
      'get /v2/items/{id}': 'get_item_v2',
      'get /orders': 'list_orders',
    });
    expect(codes(after.diagnostics)).toEqual([
      'MCPGEN_MISSING_OPERATION_ID warning',
      'MCPGEN_MISSING_OPERATION_ID warning',
      'MCPGEN_DUPLICATE_OPERATION_ID warning',
      'MCPGEN_TOOL_NAME_DISAMBIGUATED warning',
    ]);
    expect(after.diagnostics.find((d) => d.code === 'MCPGEN_DUPLICATE_OPERATION_ID')?.message).toBe(
      'operationId `listItems` of GET /v2/items is also the operationId of GET /items (its name in the previous manifest.json); this tool is named `list_items_catalog_v2`',
    );
  });

  it('without the lock the same change renames the first `list_items` (why the lock exists)', () => {
    const unlocked = build({ ...first, '/v2/items': get('listItems', { tags: ['catalog_v2'] }) });
    expect(names(unlocked.api)['get /items']).toBe('list_items_catalog');
  });

  it('a lock keeps a name even when the derivation would now differ', async () => {
    const lock = await lockFrom(build(first).api);
    const renamedId = build({ ...first, '/items': get('fetchAllItems') }, { lock });
    expect(names(renamedId.api)['get /items']).toBe('list_items');
  });

  it('an overlay name wins over the lock, and a locked tool whose name an overlay takes yields', async () => {
    const lock = await lockFrom(build(first).api);
    const renamed = build(
      {
        '/items': get('listItems', { 'x-mcp': { name: 'all_items' } }),
        '/items/{id}': first['/items/{id}']!,
        '/things': get('things', { 'x-mcp': { name: 'get_item' } }),
      },
      { lock },
    );
    // (`GET /items/{id}` has nothing of its own the name lacks: no tag, no other path word)
    expect(names(renamed.api)).toEqual({
      'get /items': 'all_items',
      'get /items/{id}': expect.stringMatching(/^get_item_[0-9a-f]{6}$/),
      'get /things': 'get_item',
    });
    expect(renamed.diagnostics.find((d) => d.code === 'MCPGEN_TOOL_NAME_DISAMBIGUATED')?.message).toContain(
      'GET /things (its x-mcp.name)',
    );
  });

  it('--strict: an automatic rename is an error, so nothing is generated with a name nobody chose', () => {
    const strict = build(
      { ...first, '/v2/items': get('listItems', { tags: ['catalog_v2'] }) },
      { strict: true },
    );
    expect(codes(strict.diagnostics).filter((c) => c.endsWith('error'))).toEqual([
      'MCPGEN_DUPLICATE_OPERATION_ID error',
      'MCPGEN_DUPLICATE_OPERATION_ID error',
    ]);
  });
});

describe('readPreviousNames / readNamesFromManifest', () => {
  it.each<[string, unknown, [string, string][]]>([
    ['no tools', { format: 1 }, []],
    ['not an object', 'nope', []],
    [
      'methods upper-cased, malformed entries skipped',
      {
        tools: [
          { name: 'a', method: 'get', path: '/a' },
          { name: 'b', method: 'POST' },
          { name: 3, method: 'GET', path: '/c' },
          null,
        ],
      },
      [['GET /a', 'a']],
    ],
    [
      'two tools claiming one operation (a hand-edited file): trust neither',
      {
        tools: [
          { name: 'a', method: 'GET', path: '/a' },
          { name: 'b', method: 'GET', path: '/a' },
          { name: 'c', method: 'GET', path: '/c' },
        ],
      },
      [['GET /c', 'c']],
    ],
  ])('%s', (_, given, want) => {
    expect([...readNamesFromManifest(given)]).toEqual(want);
  });

  it('is empty for a folder without a manifest and for one that does not parse', async () => {
    expect((await readPreviousNames(join(dir, 'missing'))).size).toBe(0);
    await writeFile(join(dir, 'manifest.json'), '{ not json');
    expect((await readPreviousNames(dir)).size).toBe(0);
  });
});
