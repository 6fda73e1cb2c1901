/**
 * Limits a hostile or runaway document hits: the document size limit (32 MiB, checked before the
 * file is read), the parsers' nesting limit and the schema nesting limit (64 levels). Each is a
 * clear, located error through generate(), and nothing is written.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../../generator/diagnostics/diagnostic.js';
import { generate } from '../../generator/generate.js';
import { DEFAULT_MAX_BYTES } from '../../generator/load/read-document.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spec2mcp-limits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A schema `levels` objects deep: {type: object, properties: {next: {...}}}. */
function nestedSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { next: schema } };
  return schema;
}

function specWithBody(schema: unknown): string {
  return stringify({
    openapi: '3.1.0',
    info: { title: 'Deep', version: '1.0.0' },
    servers: [{ url: 'https://api.example.com' }],
    paths: {
      '/things': {
        post: {
          operationId: 'createThing',
          summary: 'Create a thing',
          requestBody: { required: true, content: { 'application/json': { schema } } },
          responses: { '201': { description: 'Created' } },
        },
      },
    },
  });
}

describe('generation limits', () => {
  it('a document over the size limit is refused before it is read', async () => {
    const specDir = path.join(dir, 'huge');
    await mkdir(specDir);
    const file = path.join(specDir, 'openapi.json');
    // Sparse: the size is all the limit looks at, so the test writes (almost) nothing.
    const handle = await open(file, 'w');
    await handle.truncate(DEFAULT_MAX_BYTES + 1024 * 1024);
    await handle.close();
    const outDir = path.join(dir, 'out-huge');

    const result = await generate({ specPath: specDir, outDir, cwd: dir });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'huge/openapi.json:1:1  MCPGEN_FILE_TOO_LARGE  huge/openapi.json is 33.0 MiB, over the 32.0 MiB limit\n' +
        '    fix: Split the document or raise the limit with --max-bytes.',
    ]);
    expect(existsSync(outDir)).toBe(false);
  });

  it.each([
    // given file, text -> want message
    [
      'nested.json',
      (n: number) =>
        `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"x-deep":${'['.repeat(n)}${']'.repeat(n)}}`,
      'Nested more than 1000 levels deep',
    ],
    [
      'nested.yaml',
      (n: number) =>
        `openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: ${'['.repeat(n)}${']'.repeat(n)}\n`,
      'Nested too deeply to parse',
    ],
  ])(
    'a document nested 100,000 levels deep (%s) is a parse error, not a stack overflow',
    async (name, text, want) => {
      const file = path.join(dir, name);
      await writeFile(file, text(100_000));
      const result = await generate({ specPath: file, outDir: path.join(dir, `out-${name}`), cwd: dir });
      expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([`MCPGEN_PARSE_ERROR ${want}`]);
      expect(result.ok).toBe(false);
    },
  );

  it.each([
    // given nesting -> want diagnostics
    [60, []],
    [70, ['MCPGEN_SCHEMA_TOO_DEEP error']],
  ])('a request body %i levels deep', async (levels, want) => {
    const file = path.join(dir, `deep-${levels}.yaml`);
    await writeFile(file, specWithBody(nestedSchema(levels)));
    const outDir = path.join(dir, `out-deep-${levels}`);

    const result = await generate({ specPath: file, outDir, cwd: dir });
    const found = result.diagnostics.filter((d) => d.code === 'MCPGEN_SCHEMA_TOO_DEEP');
    expect(found.map((d) => `${d.code} ${d.severity}`)).toEqual(want);
    expect(result.ok).toBe(want.length === 0);
    expect(existsSync(outDir)).toBe(want.length === 0);
    if (want.length > 0) {
      const [deep] = found;
      expect(deep?.message).toBe('schema nesting deeper than 64 levels');
      // Located at the node past the limit, inside the body schema, not at the document root.
      expect(deep?.source.file).toBe(`deep-${levels}.yaml`);
      expect(deep?.source.pointer).toMatch(
        /^\/paths\/~1things\/post\/requestBody\/content\/application~1json\/schema(\/properties\/next)+$/,
      );
      expect(deep?.source.line).toBeGreaterThan(60);
      expect(deep?.fix).toBe('Simplify the schema or raise the limit with --max-depth.');
    }
  });
});
