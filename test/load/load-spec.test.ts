import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { fixtures, repoRoot, summarize } from './helpers.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function load(specPath: string, options: { overlays?: string[]; strict?: boolean; cwd?: string } = {}) {
  const sink = createDiagnosticSink({ strict: options.strict ?? false });
  const spec = await loadSpec({ path: specPath, cwd: options.cwd ?? repoRoot, ...options }, sink);
  return { spec, sink };
}

describe('a spec folder: openapi.yaml plus overlays/*.yaml|yml|json in file-name order', () => {
  it('applies the folder overlays, then the extra ones, and reports provenance', async () => {
    const extra = path.join(fixtures, 'extra-overlay.json');
    const { spec, sink } = await load('test/fixtures/load/folder', { overlays: [extra] });
    expect(summarize(sink.diagnostics)).toEqual([]);
    expect(spec).toMatchObject({
      specFile: 'test/fixtures/load/folder/openapi.yaml',
      specName: 'openapi.yaml',
      specSha256: sha256(path.join(fixtures, 'folder/openapi.yaml')),
      version: '3.0',
      overlays: [
        { file: 'test/fixtures/load/folder/overlays/10-server.yaml', name: 'overlays/10-server.yaml' },
        { file: 'test/fixtures/load/folder/overlays/20-tools.yaml', name: 'overlays/20-tools.yaml' },
        { file: 'test/fixtures/load/folder/overlays/5-late.yaml', name: 'overlays/5-late.yaml' },
        { file: 'test/fixtures/load/extra-overlay.json', name: '../extra-overlay.json' },
      ],
    });
    expect(spec?.overlays[3]?.sha256).toBe(sha256(extra));
    // 5-late sorts after 20-tools (names compare as strings), and the extra overlay goes last.
    const paths = spec?.document['paths'] as Record<string, Record<string, Record<string, unknown>>>;
    expect(paths['/items']?.['get']?.['x-mcp']).toEqual({ name: 'list_items', title: 'Extra title' });
    expect(spec?.document['x-mcp']).toEqual({ server: { name: 'folder', title: 'Folder' } });
  });

  it('locates nodes in the spec and in the overlay that inserted them, relative to cwd', async () => {
    const { spec } = await load('test/fixtures/load/folder');
    expect(spec?.locate('/paths/~1items/get/x-mcp/name')).toEqual({
      file: 'test/fixtures/load/folder/overlays/20-tools.yaml',
      pointer: '/paths/~1items/get/x-mcp/name',
      line: 9,
      column: 9,
      overlayActions: [
        'test/fixtures/load/folder/overlays/20-tools.yaml#/actions/0',
        'test/fixtures/load/folder/overlays/5-late.yaml#/actions/0',
      ],
    });
    expect(spec?.locate('/components/schemas/Item/properties/children')).toMatchObject({
      file: 'test/fixtures/load/folder/openapi.yaml',
      line: 28,
      column: 9,
    });
  });

  it('locate never throws: a pointer that is not one locates the root', async () => {
    const { spec } = await load('test/fixtures/load/folder');
    expect(spec?.locate('not a pointer')).toMatchObject({ line: 1, column: 1, pointer: 'not a pointer' });
    expect(spec?.locate('/paths/~1items/get/responses/200/nope/0/1')).toMatchObject({ line: 12, column: 9 });
  });

  it('display paths follow cwd and never are absolute', async () => {
    const { spec } = await load(path.join(fixtures, 'folder'), { cwd: path.join(fixtures, 'folder') });
    expect(spec?.specFile).toBe('openapi.yaml');
    expect(spec?.overlays.map((o) => o.file)).toEqual([
      'overlays/10-server.yaml',
      'overlays/20-tools.yaml',
      'overlays/5-late.yaml',
    ]);
  });

  it('keeps internal $refs and their cycles, and resolves them one hop at a time', async () => {
    const { spec } = await load('test/fixtures/load/folder');
    const item = spec?.resolveRef('#/components/schemas/Item') as Record<string, Record<string, unknown>>;
    expect(item['properties']?.['children']).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Item' },
    });
    expect(spec?.resolveRef('#/components/schemas/Nope')).toBeUndefined();
    expect(spec?.resolveRef('other.yaml#/components/schemas/Item')).toBeUndefined();
    expect(spec?.resolveRef('openapi.yaml#/components/schemas/Item')).toBe(item);
  });

  it('a single file brings no overlays of its own', async () => {
    const { spec, sink } = await load('test/fixtures/load/folder/openapi.yaml');
    expect(sink.diagnostics).toEqual([]);
    expect(spec?.overlays).toEqual([]);
    expect(spec?.document['x-mcp']).toBeUndefined();
  });
});

describe('positions in JSON', () => {
  it.each([
    // given file, pointer -> want line:col
    ['positions.json', '', '1:1'],
    ['positions.json', '/info/title', '3:13'],
    ['positions.json', '/paths/~1a~0b~1{id}/get', '6:7'],
    ['positions.json', '/paths/~1a~0b~1{id}/get/parameters/0', '9:11'],
    ['positions.json', '/paths/~1a~0b~1{id}/get/parameters/0/schema/type', '9:71'],
    ['positions.json', '/paths/~1a~0b~1{id}/get/responses/200/description', '11:33'],
    ['minified.json', '/paths/~1x/get/responses/200', '1:97'],
  ])('%s %s -> %s', async (file, pointer, want) => {
    const { spec } = await load(path.join(fixtures, file));
    const ref = spec?.locate(pointer);
    expect(`${ref?.line}:${ref?.column}`).toBe(want);
    expect(ref?.file).toBe(`test/fixtures/load/${file}`);
  });
});

describe('swagger 2.0 is converted, and converted nodes keep the 2.0 positions', () => {
  it.each([
    // given pointer into the converted document -> want line:col in the 2.0 file
    ['/components/schemas/Pet', '123:3'],
    ['/components/schemas/Pet/properties/nickname/nullable', '132:9'],
    // A new node without a key of its own is where its original starts.
    ['/paths/~1pets/get/parameters/1/schema', '47:11'],
    ['/paths/~1pets/post/requestBody', '81:11'],
    [
      '/paths/~1pets~1{petId}~1photo/post/requestBody/content/multipart~1form-data/schema/properties/file',
      '96:11',
    ],
    ['/components/securitySchemes/oauth/flows/authorizationCode/tokenUrl', '21:5'],
    ['/servers', '5:1'],
  ])('%s -> %s', async (pointer, want) => {
    const { spec, sink } = await load('test/fixtures/load/swagger2');
    expect(sink.diagnostics).toEqual([]);
    expect(spec?.version).toBe('2.0');
    const ref = spec?.locate(pointer);
    expect(`${ref?.file}:${ref?.line}:${ref?.column}`).toBe(
      `test/fixtures/load/swagger2/openapi.yaml:${want}`,
    );
  });
});
