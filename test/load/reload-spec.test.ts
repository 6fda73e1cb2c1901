/**
 * loadSpec with a LoadMemo (`--watch`): which saves load only the changed value, which load in
 * full, and that either way the document and every diagnostic position are a fresh load's.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink, formatDiagnostic } from '../../generator/diagnostics/diagnostic.js';
import { findChangedValues, findTextChange } from '../../generator/load/find-changed-value.js';
import { createLoadMemo, type LoadMemo } from '../../generator/load/load-memo.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { parseJsonText } from '../../generator/load/parse-json.js';
import { SourceMap } from '../../generator/load/source-map.js';

/** Two path items and a component; a broken ref after everything an edit below touches, so its position shifts. */
const SPEC = `{
  "openapi": "3.1.0",
  "info": { "title": "Reload", "version": "1" },
  "paths": {
    "/a": { "get": { "summary": "A", "responses": { "200": { "description": "ok" } } } },
    "/b": {
      "get": {
        "summary": "B",
        "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Item" } } } } }
      }
    }
  },
  "components": {
    "schemas": {
      "Item": { "type": "object", "properties": { "id": { "type": "string", "min_items": 1 } } },
      "Other": { "$ref": "#/components/schemas/Nothing" }
    }
  }
}
`;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spec2mcp-reload-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function load(file: string, memo?: LoadMemo) {
  const sink = createDiagnosticSink();
  const spec = await loadSpec({ path: file, cwd: tmp }, sink, memo);
  return { spec, diagnostics: sink.diagnostics.map(formatDiagnostic).sort() };
}

/** Saves `text` and loads it with the memo and afresh: both must agree. */
async function saveAndCompare(file: string, memo: LoadMemo, text: string) {
  await writeFile(file, text);
  const watched = await load(file, memo);
  const fresh = await load(file);
  expect(watched.diagnostics).toEqual(fresh.diagnostics);
  expect(watched.spec?.document).toEqual(fresh.spec?.document);
  return watched;
}

describe('loadSpec with a LoadMemo', () => {
  it('given a save inside one path item, want only its value parsed again and the positions after it shifted', async () => {
    const file = join(tmp, 'one.json');
    await writeFile(file, SPEC);
    const memo = createLoadMemo();
    const first = await load(file, memo);
    expect(first.spec?.reparsed).toBeUndefined();
    expect(first.diagnostics.some((d) => d.includes('MCPGEN_REF_NOT_FOUND'))).toBe(true);

    const edited = SPEC.replace(
      '"summary": "A"',
      '"summary": "A,\\n longer",\n        "description": "two\\nlines"',
    );
    const watched = await saveAndCompare(file, memo, edited);
    expect(watched.spec?.reparsed).toBe('/paths/~1a/get');
    // The broken ref moved down a line: the fresh load agrees (above), and it is not where it was.
    expect(watched.diagnostics).not.toEqual(first.diagnostics);

    const again = await saveAndCompare(
      file,
      memo,
      edited.replace('"type": "string", "min_items": 1', '"type": "integer"'),
    );
    expect(again.spec?.reparsed).toBe('/components/schemas/Item/properties/id');
    expect(again.diagnostics.some((d) => d.includes('min_items'))).toBe(false);
  });

  it.each([
    ['a root field', (text: string) => text.replace('"title": "Reload"', '"title": "Renamed"')],
    [
      'a new path item',
      (text: string) => text.replace('"paths": {', '"paths": {\n    "/c": { "get": { "responses": {} } },'),
    ],
    ['two path items at once', (text: string) => text.replace('"A"', '"A2"').replace('"B"', '"B2"')],
    ['a syntax error', (text: string) => text.replace('"summary": "A",', '"summary": "A"')],
  ])('given %s changed, want a full load that still matches a fresh one', async (name, edit) => {
    const file = join(tmp, `${name.replace(/\W+/g, '-')}.json`);
    await writeFile(file, SPEC);
    const memo = createLoadMemo();
    await load(file, memo);
    const watched = await saveAndCompare(file, memo, edit(SPEC));
    expect(watched.spec?.reparsed).toBeUndefined();
  });

  it('given an unchanged save, want nothing parsed and the same diagnostics', async () => {
    const file = join(tmp, 'same.json');
    await writeFile(file, SPEC);
    const memo = createLoadMemo();
    await load(file, memo);
    const watched = await saveAndCompare(file, memo, SPEC);
    expect(watched.spec?.reparsed).toBe('');
  });

  it('given a YAML spec or one with overlays, want no memo kept (always a full load)', async () => {
    const yaml = join(tmp, 'spec.yaml');
    await writeFile(
      yaml,
      'openapi: 3.1.0\ninfo: {title: Y, version: "1"}\npaths:\n  /a: {get: {summary: A, responses: {}}}\n',
    );
    const yamlMemo = createLoadMemo();
    await load(yaml, yamlMemo);
    expect(yamlMemo.last).toBeUndefined();

    const folder = join(tmp, 'with-overlay');
    await mkdir(join(folder, 'overlays'), { recursive: true });
    await writeFile(join(folder, 'openapi.json'), SPEC);
    await writeFile(
      join(folder, 'overlays', 'x.yaml'),
      'overlay: 1.0.0\ninfo: {title: o, version: "1"}\nactions:\n  - target: $.info\n    update: {x-mcp: {}}\n',
    );
    const overlayMemo = createLoadMemo();
    await load(folder, overlayMemo);
    expect(overlayMemo.last).toBeUndefined();
  });

  it('given 64 saves loaded from the memo, want the next one a full load (a fresh source map)', async () => {
    const file = join(tmp, 'many.json');
    await writeFile(file, SPEC);
    const memo = createLoadMemo();
    await load(file, memo);
    for (let i = 0; i < 64; i++) {
      await writeFile(file, SPEC.replace('"summary": "A"', `"summary": "A${i}"`));
      expect((await load(file, memo)).spec?.reparsed, `save ${i}`).toBe('/paths/~1a/get');
    }
    const last = await saveAndCompare(file, memo, SPEC);
    expect(last.spec?.reparsed).toBeUndefined();
    expect(memo.last?.edits).toBe(0);
  });
});

describe('findChangedValues', () => {
  const parse = (text: string) => {
    const sourceMap = new SourceMap();
    const fileId = sourceMap.addFile('t.json', text);
    return { sourceMap, fileId, root: parseJsonText(text, fileId, sourceMap).value };
  };

  it('given an insertion that begins like the item after it, want the array as well as that item, deepest first', () => {
    const oldText = '{"p": {"list": [{"b": 2}]}}';
    const newText = '{"p": {"list": [{"a": 1}, {"b": 2}]}}';
    const { sourceMap, fileId, root } = parse(oldText);
    const change = findTextChange(oldText, newText)!;
    const found = findChangedValues({ oldText, change, root, sourceMap, fileId });
    expect(found.map((value) => value.tokens.join('/'))).toEqual(['p/list/0', 'p/list', 'p', '']);
  });

  it('given an edit that touches a closing bracket, want only the containers around it', () => {
    const oldText = '{"p": {"q": {"r": 1}}}';
    const newText = '{"p": {"q": {"r": 1}, "s": 2}}';
    const { sourceMap, fileId, root } = parse(oldText);
    const found = findChangedValues({
      oldText,
      change: findTextChange(oldText, newText)!,
      root,
      sourceMap,
      fileId,
    });
    expect(found.map((value) => value.tokens.join('/'))).toEqual(['p', '']);
  });
});
