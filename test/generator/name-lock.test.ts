/** generate() reads the previous manifest.json as a name lock: adding a colliding operation renames nothing. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/generate.js';

const operation = (path: string) => ({
  get: {
    operationId: 'listItems',
    tags: [path.startsWith('/v2') ? 'v2' : 'v1'],
    summary: `List items at ${path}`,
    responses: { '200': { description: 'OK' } },
  },
});
const spec = (paths: string[]) => ({
  openapi: '3.1.0',
  info: { title: 'Items', version: '1.0.0' },
  servers: [{ url: 'http://127.0.0.1:9' }],
  paths: Object.fromEntries(paths.map((p) => [p, operation(p)])),
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spec2mcp-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function toolNames(outDir: string): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as {
    tools: { name: string; method: string; path: string }[];
  };
  return Object.fromEntries(manifest.tools.map((t) => [`${t.method} ${t.path}`, t.name]));
}

describe('the name lock in generate()', () => {
  it('keeps an existing tool name when a later operation wants the same one', async () => {
    const specFile = join(dir, 'items.json');
    const outDir = join(dir, 'out');
    await writeFile(specFile, JSON.stringify(spec(['/items'])));
    expect((await generate({ specPath: specFile, outDir, cache: false })).ok).toBe(true);
    expect(await toolNames(outDir)).toEqual({ 'GET /items': 'list_items' });

    await writeFile(specFile, JSON.stringify(spec(['/items', '/v2/items'])));
    expect((await generate({ specPath: specFile, outDir, cache: false })).ok).toBe(true);
    const names = await toolNames(outDir);
    expect(names['GET /items']).toBe('list_items');
    expect(names['GET /v2/items']).not.toBe('list_items');
  });

  it('without a previous manifest, both colliding operations are disambiguated', async () => {
    const specFile = join(dir, 'fresh.json');
    const outDir = join(dir, 'fresh-out');
    await writeFile(specFile, JSON.stringify(spec(['/items', '/v2/items'])));
    expect((await generate({ specPath: specFile, outDir, cache: false })).ok).toBe(true);
    const names = await toolNames(outDir);
    expect(names['GET /items']).not.toBe('list_items');
    expect(new Set(Object.values(names)).size).toBe(2);
  });
});
