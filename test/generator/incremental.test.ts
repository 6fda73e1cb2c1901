/**
 * Incremental regeneration: a change to one operation re-builds and re-emits only
 * that tool, rewrites only the files it affects, and the cache never changes what
 * is generated. Timings are printed for the reader, never asserted.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenerationCache } from '../../generator/cache/generation-cache.js';
import { hashOperations, hashPrintedTool, hashToolModule } from '../../generator/cache/hash-cache-keys.js';
import { type GenerateResult, generate } from '../../generator/generate.js';
import type { ToolIR } from '../../generator/ir/types.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spec2mcp-incremental-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of specs/conveyor to edit, its output folder and its cache folder. */
async function copyConveyor(name: string): Promise<{ spec: string; out: string; cacheDir: string }> {
  const spec = join(tmp, name, 'conveyor');
  await cp('specs/conveyor', spec, { recursive: true });
  return { spec, out: join(tmp, name, 'out'), cacheDir: join(tmp, name, 'cache') };
}

async function editFile(path: string, from: string, to: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  expect(text).toContain(from);
  await writeFile(path, text.replace(from, to));
}

function printTimings(label: string, result: GenerateResult): void {
  const t = result.timings;
  console.log(
    `${label}: load ${t.load.toFixed(0)} ms, build ${t.build.toFixed(0)} ms, emit ${t.emit.toFixed(0)} ms, ` +
      `write ${t.write.toFixed(0)} ms, total ${t.total.toFixed(0)} ms; ${JSON.stringify(result.reuse)}`,
  );
}

describe('incremental regeneration', () => {
  it('given one changed summary, want only that tool rebuilt and re-emitted, and only its file + index, manifest, catalog written', async () => {
    const { spec, out, cacheDir } = await copyConveyor('one-summary');
    // Each run gets a fresh cache object on the same folder: what a second process would see.
    const full = await generate({ specPath: spec, outDir: out, cache: createGenerationCache(cacheDir) });
    expect(full.ok).toBe(true);
    const tools = full.api!.tools.length;
    expect(full.reuse).toEqual({
      operations: { reused: 0, built: tools },
      modules: { reused: 0, emitted: tools },
    });

    await editFile(join(spec, 'openapi.yaml'), 'summary: Get a workspace', 'summary: Get one workspace');
    const incremental = await generate({
      specPath: spec,
      outDir: out,
      cache: createGenerationCache(cacheDir),
    });
    printTimings('full', full);
    printTimings('incremental', incremental);

    expect(incremental.ok).toBe(true);
    expect(incremental.reuse).toEqual({
      operations: { reused: tools - 1, built: 1 },
      modules: { reused: tools - 1, emitted: 1 },
    });
    const plan = incremental.plan!;
    expect({ created: plan.created, changed: plan.changed, stale: plan.stale }).toEqual({
      created: [],
      changed: ['catalog.md', 'index.ts', 'manifest.json', 'tools/get_workspace.ts'],
      stale: [],
    });
    expect(await readFile(join(out, 'tools', 'get_workspace.ts'), 'utf8')).toContain('Get one workspace');
  });

  it('given an overlay edit to one tool, want only that operation rebuilt', async () => {
    const { spec, out, cacheDir } = await copyConveyor('one-overlay');
    await generate({ specPath: spec, outDir: out, cache: createGenerationCache(cacheDir) });
    // The overlay's x-mcp lands in the operation, so only its path item (and key) changes.
    await editFile(join(spec, 'overlays', '20-tools.yaml'), 'title: Who am I', 'title: Who am I, really');

    const again = await generate({ specPath: spec, outDir: out, cache: createGenerationCache(cacheDir) });
    expect(again.ok).toBe(true);
    expect(again.reuse.operations.built).toBe(1);
    expect(again.plan!.changed.filter((f) => f.startsWith('tools/'))).toEqual(['tools/get_current_user.ts']);
  });

  it('given a warm cache, want byte-identical files and diagnostics to a run without one', async () => {
    const { spec, out, cacheDir } = await copyConveyor('identical');
    await generate({ specPath: spec, outDir: out, cache: createGenerationCache(cacheDir) });
    const cached = await generate({
      specPath: spec,
      outDir: out,
      dryRun: true,
      cache: createGenerationCache(cacheDir),
    });
    const uncached = await generate({ specPath: spec, outDir: out, dryRun: true, cache: false });
    expect(cached.reuse.modules.emitted).toBe(0);
    expect([...cached.files!.entries()]).toEqual([...uncached.files!.entries()]);
    expect(cached.diagnostics).toEqual(uncached.diagnostics);
  });

  it('given lines added above the operations, want the replayed diagnostics at the new positions', async () => {
    const dir = join(tmp, 'positions');
    const spec = join(dir, 'openapi.yaml');
    const document = [
      'openapi: 3.1.0',
      'info: {title: Positions, version: "1"}',
      'servers: [{url: "https://api.example.com"}]',
      'paths:',
      '  /things:',
      '    get:',
      '      operationId: listThings',
      '      responses: {"200": {description: ok}}',
      '',
    ].join('\n');
    await mkdir(dir, { recursive: true });
    await writeFile(spec, document);
    const cacheDir = join(dir, 'cache');
    const first = await generate({
      specPath: spec,
      outDir: join(dir, 'out'),
      cache: createGenerationCache(cacheDir),
    });
    const warning = first.diagnostics.find((d) => d.code === 'MCPGEN_NO_DESCRIPTION');
    expect(warning?.source.line).toBe(6);

    await writeFile(spec, `# one\n# two\n${document}`);
    const cached = await generate({
      specPath: spec,
      outDir: join(dir, 'out'),
      cache: createGenerationCache(cacheDir),
    });
    const uncached = await generate({ specPath: spec, outDir: join(dir, 'out'), dryRun: true, cache: false });
    expect(cached.reuse.operations.reused).toBe(1);
    expect(cached.diagnostics.find((d) => d.code === 'MCPGEN_NO_DESCRIPTION')?.source.line).toBe(8);
    expect(cached.diagnostics).toEqual(uncached.diagnostics);
    expect(cached.api!.tools[0]!.source).toEqual(uncached.api!.tools[0]!.source);
  });

  it('given damaged cache files, want misses (rebuilt, re-emitted), not an error', async () => {
    const { spec, out, cacheDir } = await copyConveyor('damaged');
    await generate({ specPath: spec, outDir: out, cache: createGenerationCache(cacheDir) });
    const [shard] = (await readdir(join(cacheDir, 'operations'))).sort();
    await writeFile(join(cacheDir, 'operations', shard!), '{"0": ');
    // A hand edit of a generated tool file: its text no longer hashes to what was generated.
    await editFile(join(out, 'tools', 'get_workspace.ts'), 'defineTool', 'defineTool /* edited */');
    const again = await generate({ specPath: spec, outDir: out, cache: createGenerationCache(cacheDir) });
    expect(again.ok).toBe(true);
    expect(again.reuse.operations.built).toBeGreaterThan(0);
    expect(again.reuse.modules.emitted).toBeGreaterThanOrEqual(1);
    expect(again.plan!.changed).toEqual(['tools/get_workspace.ts']);
    expect(await readFile(join(out, 'tools', 'get_workspace.ts'), 'utf8')).not.toContain('edited');
  });
});

describe('hashOperations: which operation keys a document change invalidates', () => {
  const base = () => ({
    openapi: '3.1.0',
    info: { title: 'x', version: '1' },
    paths: {
      '/a': { get: { operationId: 'a', responses: {} } },
      '/b': { get: { operationId: 'b', responses: { 200: { $ref: '#/components/responses/B' } } } },
    },
    components: { responses: { B: { description: 'b' } } },
  });
  type Doc = ReturnType<typeof base> & Record<string, unknown>;
  it.each<[string, (doc: Doc) => void, { a: boolean; b: boolean }]>([
    // given a change, want which keys change
    ['nothing', () => {}, { a: false, b: false }],
    [
      "one operation's summary",
      (d) => Object.assign(d.paths['/a'].get, { summary: 's' }),
      { a: true, b: false },
    ],
    [
      'a component only /b reaches',
      (d) => (d.components.responses.B.description = 'B'),
      { a: false, b: true },
    ],
    [
      'a component /b reaches through another one',
      (d) => {
        Object.assign(d.components, { schemas: { S: { type: 'string' } } });
        Object.assign(d.components.responses.B, {
          content: { 'text/plain': { schema: { $ref: '#/components/schemas/S' } } },
        });
      },
      { a: false, b: true },
    ],
    [
      'a component no operation reaches',
      (d) => Object.assign(d.components, { schemas: { Unused: { type: 'string' } } }),
      { a: false, b: false },
    ],
    [
      'a security scheme (read without a ref)',
      (d) =>
        Object.assign(d.components, {
          securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'k' } },
        }),
      { a: true, b: true },
    ],
    ['the root x-mcp', (d) => (d['x-mcp'] = { naming: { prefix: 'p_' } }), { a: true, b: true }],
    [
      'a path item another one points into',
      (d) => {
        Object.assign(d.paths['/a'].get.responses, { 404: { $ref: '#/paths/~1b/get/responses/200' } });
        d.paths['/b'].get.operationId = 'b2';
      },
      { a: true, b: true },
    ],
  ])('%s', (_name, change, want) => {
    const keyBefore = hashOperations(base(), 'context');
    const doc = base() as Doc;
    change(doc);
    const keyAfter = hashOperations(doc, 'context');
    expect({
      a: keyBefore('/a', 'get') !== keyAfter('/a', 'get'),
      b: keyBefore('/b', 'get') !== keyAfter('/b', 'get'),
    }).toEqual(want);
  });

  it.each([
    [
      'a discriminator mapping (it may name schemas without a ref)',
      { discriminator: { mapping: { x: 'X' } } },
    ],
    ['a $ref spelled with an escape', { schema: { $ref: '#/components/schemas/A\\u0042' } }],
    ['a plain-name anchor $ref', { schema: { $ref: '#thing' } }],
  ])('given /a holding %s, want its key to cover every component', (_name, probe) => {
    const withProbe = () => {
      const doc = base() as Doc;
      Object.assign(doc.paths['/a'].get, { 'x-probe': probe });
      return doc;
    };
    const changed = withProbe();
    changed.components.responses.B.description = 'B';
    expect(hashOperations(withProbe(), 'context')('/a', 'get')).not.toBe(
      hashOperations(changed, 'context')('/a', 'get'),
    );
  });

  it('keys differ by method and by context', () => {
    const keyOf = hashOperations(base(), 'one');
    expect(keyOf('/a', 'get')).not.toBe(keyOf('/a', 'put'));
    expect(keyOf('/a', 'get')).not.toBe(hashOperations(base(), 'two')('/a', 'get'));
  });
});

describe('hashToolModule: what a tool module key covers', () => {
  const tool = {
    name: 't',
    http: { method: 'get', path: '/t' },
    source: { file: 'a.yaml', pointer: '/paths/~1t/get', line: 3, column: 5 },
    nameSource: { file: 'a.yaml', pointer: '/paths/~1t/get', line: 3, column: 5 },
  } as unknown as ToolIR;
  const key = (t: ToolIR, header = 'h', fingerprint = 'f') =>
    hashToolModule(hashPrintedTool(t), header, fingerprint);
  it.each<[string, () => string, boolean]>([
    // given, want the key to change
    ['a moved source position', () => key({ ...tool, source: { ...tool.source, line: 9 } }), false],
    ['another name', () => key({ ...tool, name: 'u' }), true],
    ['another header', () => key(tool, 'other'), true],
    ['another generator fingerprint', () => key(tool, 'h', 'g'), true],
  ])('%s', (_name, changed, want) => {
    expect(changed() !== key(tool)).toBe(want);
  });
});
