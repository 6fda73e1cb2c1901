import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { repoRoot, summarize } from './helpers.js';

async function load(
  file: string,
  options: { allowExternalRefs?: boolean; strict?: boolean; maxBytes?: number } = {},
) {
  const sink = createDiagnosticSink({ strict: options.strict ?? false });
  const spec = await loadSpec({ path: `test/fixtures/load/${file}`, cwd: repoRoot, ...options }, sink);
  return { spec, sink, diagnostics: sink.diagnostics };
}

const bad = 'test/fixtures/load/bad';

describe('not an OpenAPI document: nothing usable, and the message says what it is', () => {
  it.each([
    // given file -> want code, want line:col, want words in the message
    ['asyncapi.yaml', 'MCPGEN_NOT_OPENAPI', '1:1', /AsyncAPI/],
    ['overlay-as-spec.yaml', 'MCPGEN_NOT_OPENAPI', '1:1', /looks like an OpenAPI Overlay/],
    ['list.yaml', 'MCPGEN_NOT_OPENAPI', '1:1', /a list, not an object/],
    ['empty.yaml', 'MCPGEN_NOT_OPENAPI', '1:1', /empty/],
    ['no-paths.yaml', 'MCPGEN_NOT_OPENAPI', '1:1', /no `paths`/],
    // Version problems are reported at the version field.
    ['unsupported-version.yaml', 'MCPGEN_UNSUPPORTED_VERSION', '1:1', /OpenAPI 4\.0\.0 is not supported/],
    ['swagger-1.2.json', 'MCPGEN_UNSUPPORTED_VERSION', '1:3', /Swagger 1\.2 is not supported/],
  ])('%s', async (file, code, where, words) => {
    const { spec, diagnostics } = await load(`bad/${file}`);
    expect(spec).toBeUndefined();
    expect(summarize(diagnostics)).toEqual([`${code} ${bad}/${file}:${where}`]);
    expect(diagnostics[0]?.message).toMatch(words);
    expect(diagnostics[0]?.fix).toMatch(/\S/);
  });

  it('an overlay passed as the spec points the user at the overlays folder', async () => {
    const { diagnostics } = await load('bad/overlay-as-spec.yaml');
    expect(diagnostics[0]?.fix).toMatch(/overlays\//);
  });
});

describe('parse errors: nothing usable, reported at the position', () => {
  it.each([
    // given file -> want code at file:line:col
    ['parse-error.yaml', `MCPGEN_PARSE_ERROR ${bad}/parse-error.yaml:8:5`],
    ['parse-error.json', `MCPGEN_PARSE_ERROR ${bad}/parse-error.json:5:45`],
  ])('%s', async (file, want) => {
    const { spec, diagnostics } = await load(`bad/${file}`);
    expect(spec).toBeUndefined();
    expect(summarize(diagnostics)[0]).toBe(want);
  });

  it('a JSON error says what was expected', async () => {
    const { diagnostics } = await load('bad/parse-error.json');
    expect(diagnostics[0]?.message).toBe("Unexpected '}', expected a property name in double quotes");
  });
});

describe('usable documents with problems are returned with the diagnostics', () => {
  it('a duplicate key is a warning at the second key; the last one wins', async () => {
    const { spec, diagnostics } = await load('bad/duplicate-key.yaml');
    expect(summarize(diagnostics)).toEqual([`MCPGEN_DUPLICATE_KEY (warning) ${bad}/duplicate-key.yaml:5:3`]);
    expect(diagnostics[0]?.message).toBe("Duplicate key 'title' (first at line 3); the last one wins");
    expect(diagnostics[0]?.source.pointer).toBe('/info');
    expect(spec?.document['info']).toMatchObject({ title: 'Duplicate again' });
  });

  it('a duplicate key is an error with strict', async () => {
    const { diagnostics } = await load('bad/duplicate-key.yaml', { strict: true });
    expect(summarize(diagnostics)).toEqual([`MCPGEN_DUPLICATE_KEY ${bad}/duplicate-key.yaml:5:3`]);
  });

  it("a broken $ref is an error at the $ref's line with the close candidates in the fix", async () => {
    const { spec, diagnostics } = await load('bad/broken-ref.yaml');
    expect(spec).toBeDefined();
    expect(summarize(diagnostics)).toEqual([`MCPGEN_REF_NOT_FOUND ${bad}/broken-ref.yaml:14:17`]);
    expect(diagnostics[0]?.message).toBe(
      "$ref '#/components/schemas/ItemLst' does not resolve: there is no 'ItemLst' in #/components/schemas",
    );
    expect(diagnostics[0]?.fix).toBe(
      "Did you mean '#/components/schemas/ItemList'? Otherwise add the missing component.",
    );
    expect(spec?.resolveRef('#/components/schemas/ItemLst')).toBeUndefined();
  });

  it('external refs are refused at each $ref', async () => {
    const { spec, diagnostics } = await load('bad/external-ref.yaml');
    expect(spec).toBeDefined();
    expect(summarize(diagnostics)).toEqual([
      `MCPGEN_REF_EXTERNAL ${bad}/external-ref.yaml:10:11`,
      `MCPGEN_REF_EXTERNAL ${bad}/external-ref.yaml:12:11`,
    ]);
    expect(diagnostics[0]?.fix).toMatch(/--allow-external-refs/);
  });

  it('with allowExternalRefs they are still unresolved, and the message says bundling is not supported', async () => {
    const { diagnostics } = await load('bad/external-ref.yaml', { allowExternalRefs: true });
    expect(summarize(diagnostics)).toHaveLength(2);
    expect(diagnostics[0]?.message).toMatch(/not bundled yet, even with --allow-external-refs/);
    expect(diagnostics[0]?.fix).not.toMatch(/--allow-external-refs/);
  });
});

describe('files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'spec2mcp-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadFile(name: string, content: string | Buffer, options: { maxBytes?: number } = {}) {
    await writeFile(path.join(dir, name), content);
    const sink = createDiagnosticSink();
    const spec = await loadSpec({ path: path.join(dir, name), cwd: dir, ...options }, sink);
    return { spec, diagnostics: sink.diagnostics };
  }

  it.each([
    // given name, content, options -> want diagnostics
    ['missing', undefined, {}, ['MCPGEN_FILE_NOT_FOUND missing:1:1']],
    ['big.yaml', 'openapi: 3.0.0\n'.repeat(10), { maxBytes: 100 }, ['MCPGEN_FILE_TOO_LARGE big.yaml:1:1']],
    ['utf16.yaml', Buffer.from('\ufeffopenapi: 3.0.0', 'utf16le'), {}, ['MCPGEN_PARSE_ERROR utf16.yaml:1:1']],
    ['latin1.yaml', Buffer.from([0x6f, 0x3a, 0x20, 0xe9, 0x0a]), {}, ['MCPGEN_PARSE_ERROR latin1.yaml:1:1']],
  ])('%s', async (name, content, options, want) => {
    const result =
      content === undefined
        ? await (async () => {
            const sink = createDiagnosticSink();
            return {
              spec: await loadSpec({ path: path.join(dir, name), cwd: dir }, sink),
              diagnostics: sink.diagnostics,
            };
          })()
        : await loadFile(name, content, options);
    expect(result.spec).toBeUndefined();
    expect(summarize(result.diagnostics)).toEqual(want);
  });

  it.each([
    ['deep.json', `${'['.repeat(1500)}${']'.repeat(1500)}`],
    ['deep.yaml', `x: ${'['.repeat(1500)}${']'.repeat(1500)}`],
  ])('%s: hostile nesting is a parse error, not a crash', async (name, content) => {
    const { spec, diagnostics } = await loadFile(name, content);
    expect(spec).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MCPGEN_PARSE_ERROR', expect.stringMatching(/^Nested (more than 1000 levels|too) deep/)],
    ]);
  });

  it('a folder without openapi.yaml lists what it found', async () => {
    const folder = path.join(dir, 'api');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
    await writeFile(path.join(folder, 'swagger.yaml'), 'swagger: "2.0"');
    const sink = createDiagnosticSink();
    expect(await loadSpec({ path: folder, cwd: dir }, sink)).toBeUndefined();
    expect(summarize(sink.diagnostics)).toEqual(['MCPGEN_FILE_NOT_FOUND api:1:1']);
    expect(sink.diagnostics[0]?.message).toMatch(/found swagger\.yaml/);
  });

  it('a UTF-8 byte order mark is dropped and the sha256 is of the raw bytes', async () => {
    const { spec, diagnostics } = await loadFile(
      'bom.yaml',
      '\ufeffopenapi: 3.0.0\ninfo: {title: t, version: v}\npaths: {}\n',
    );
    expect(diagnostics).toEqual([]);
    expect(spec?.locate('/info')).toMatchObject({ line: 2, column: 1 });
    expect(spec?.specSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('`swagger: 2.0` unquoted (a number in YAML) is accepted with a warning', async () => {
    const { spec, diagnostics } = await loadFile(
      'unquoted.yaml',
      'swagger: 2.0\ninfo: {title: t, version: v}\npaths: {}\n',
    );
    expect(spec?.version).toBe('2.0');
    expect(summarize(diagnostics)).toEqual(['MCPGEN_SPEC_INVALID (warning) unquoted.yaml:1:1']);
    expect(diagnostics[0]?.fix).toBe("Quote it: swagger: '2.0'");
  });

  it('YAML aliases are copies, so an overlay changing one use leaves the other', async () => {
    const { spec } = await loadFile(
      'alias.yaml',
      'openapi: 3.0.0\ninfo: {title: t, version: v}\npaths: {}\nx-a: &shared {k: 1}\nx-b: *shared\n',
    );
    expect(spec?.document['x-a']).toEqual(spec?.document['x-b']);
    expect(spec?.document['x-a']).not.toBe(spec?.document['x-b']);
    expect(spec?.locate('/x-b/k')).toMatchObject({ line: 4, column: 15 });
  });

  it('a `__proto__` key is data, not a prototype', async () => {
    const { spec } = await loadFile(
      'proto.json',
      '{"openapi":"3.0.0","info":{"title":"t","version":"v"},"paths":{},"x-p":{"__proto__":{"polluted":true}}}',
    );
    const value = spec?.document['x-p'] as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
