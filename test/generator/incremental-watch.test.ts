/**
 * `--watch` regenerates incrementally: a save inside one path item or component re-parses
 * only that value, shifts the positions after it, re-checks and re-validates only what changed
 * and rebuilds only the operations it affects. Whatever it does, the result must be what a
 * fresh full generation gives.
 *
 * Given real corpus documents (../shared/corpus/openapi: github-ghes-3.6-diff.json, 155
 * operations with enums and SCIM example payloads holding `$ref` keys; keycloak-admin-23.0.7.json,
 * 316 operations, a broken-ref warning and 44 missing descriptions) and a series of saves as an editor makes them, want after every save: the files of
 * the watch session (one GenerationCache across runs, as `generate --watch` keeps it) byte-
 * identical to those of a fresh `--no-cache` generation of the same history, the same
 * diagnostics with the same file:line:col, a stamp `check` accepts, and the incremental load
 * used where the save allows it (and not where it does not).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenerationCache } from '../../generator/cache/generation-cache.js';
import { checkWithStamp } from '../../generator/check/check-with-stamp.js';
import { formatDiagnostic, sortDiagnostics } from '../../generator/diagnostics/diagnostic.js';
import { type GenerateResult, generate } from '../../generator/generate.js';
import { listFiles } from '../../generator/write/write-files.js';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus/openapi');
/** Enums and SCIM example payloads with `$ref` keys; a broken ref warning and 44 missing descriptions. */
const DOCUMENTS = ['github-ghes-3.6-diff.json', 'keycloak-admin-23.0.7.json'];

interface Save {
  readonly name: string;
  readonly edit: (text: string) => string;
  /** Where the watch run should re-parse: a pointer prefix, or false for a full load. */
  readonly reparsed: string | false;
  readonly ok: boolean;
  /** False when the save brings back a document the cache has already built (a fix). */
  readonly builds?: false;
}

/** Inserts `insert` right after the first `needle` found after `after` (both must exist). */
function insertAfter(text: string, after: string, needle: string, insert: string): string {
  const from = text.indexOf(after);
  expect(from, `'${after}' in the document`).toBeGreaterThanOrEqual(0);
  const at = text.indexOf(needle, from);
  expect(at, `'${needle}' after '${after}'`).toBeGreaterThanOrEqual(0);
  return text.slice(0, at + needle.length) + insert + text.slice(at + needle.length);
}

let original = '';
/** Where the dropped comma was, so the fix puts back exactly that one. */
let commaAt = -1;
const pathsStart = '\n  "paths": {';
const schemasStart = '\n    "schemas": {';

const SAVES: readonly Save[] = [
  {
    name: "an operation's description changed",
    edit: (text) => insertAfter(text, pathsStart, '"description": "', 'Edited: '),
    reparsed: '/paths/',
    ok: true,
  },
  {
    name: 'a query parameter added to an operation',
    edit: (text) =>
      insertAfter(
        text,
        pathsStart,
        '"parameters": [',
        '\n          {"name": "added_filter", "in": "query", "schema": {"type": "string"}},',
      ),
    reparsed: '/paths/',
    ok: true,
  },
  {
    name: 'an enum value added to a parameter (an enum added where the document has none)',
    edit: (text) =>
      text.includes('"enum": [', text.indexOf(pathsStart))
        ? insertAfter(text, pathsStart, '"enum": [', '\n                "added-value",')
        : insertAfter(
            text,
            '"in": "query"',
            '"schema": {',
            '\n              "enum": ["added-value", "other"],',
          ),
    reparsed: '/paths/',
    ok: true,
  },
  {
    name: 'a property added to a component schema (every operation that uses it changes)',
    edit: (text) =>
      insertAfter(
        text,
        schemasStart,
        '"properties": {',
        '\n          "added_property": {"type": "string", "description": "Added by the test"},',
      ),
    reparsed: '/components/schemas/',
    ok: true,
  },
  {
    name: 'a $ref in an operation broken (near miss: an error, nothing written)',
    edit: (text) => {
      const at = text.indexOf('"$ref": "#/components/schemas/', text.indexOf(pathsStart));
      const end = text.indexOf('"', at + '"$ref": "'.length);
      return `${text.slice(0, end)}Typo${text.slice(end)}`;
    },
    reparsed: '/paths/',
    ok: false,
  },
  {
    name: 'the broken $ref fixed',
    edit: (text) => text.replace('Typo"', '"'),
    reparsed: '/paths/',
    ok: true,
    builds: false,
  },
  {
    name: 'a comma dropped inside an operation (a parse error: full load)',
    edit: (text) => {
      commaAt = text.indexOf('",\n', text.indexOf('"operationId"', text.indexOf(pathsStart))) + 1;
      return text.slice(0, commaAt) + text.slice(commaAt + 1);
    },
    reparsed: false,
    ok: false,
  },
  {
    name: 'the comma put back (full load again: the previous save did not parse)',
    edit: (text) => `${text.slice(0, commaAt)},${text.slice(commaAt)}`,
    reparsed: false,
    ok: true,
  },
  {
    name: 'the description changed again after the full load',
    edit: (text) => insertAfter(text, pathsStart, '"description": "', 'Again: '),
    reparsed: '/paths/',
    ok: true,
  },
];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spec2mcp-incremental-watch-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every file of the output folder (the stamp too) and its bytes. */
async function readTree(dir: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  for (const path of await listFiles(dir)) tree.set(path, await readFile(join(dir, path), 'utf8'));
  return tree;
}

function formatAll(result: GenerateResult): string[] {
  return sortDiagnostics(result.diagnostics).map(formatDiagnostic);
}

describe.each(DOCUMENTS)('incremental --watch regeneration of %s', (document) => {
  it('given a series of single-operation saves, want after each the files and diagnostics of a fresh full generation', async () => {
    original = await readFile(join(CORPUS, document), 'utf8');
    // Two folders with the same layout, so display paths, API ids and stamps are comparable.
    const watchDir = join(tmp, document, 'watch');
    const freshDir = join(tmp, document, 'fresh');
    await mkdir(watchDir, { recursive: true });
    await mkdir(freshDir, { recursive: true });
    const cache = createGenerationCache(undefined);
    const run = async (dir: string, text: string, withCache: boolean) => {
      await writeFile(join(dir, 'sample.json'), text);
      return generate({ specPath: 'sample.json', outDir: 'out', cwd: dir, cache: withCache ? cache : false });
    };

    const first = await run(watchDir, original, true);
    expect(first.ok).toBe(true);
    expect(first.reparsed).toBeUndefined();
    await run(freshDir, original, false);

    let text = original;
    for (const save of SAVES) {
      text = save.edit(text);
      const watched = await run(watchDir, text, true);
      const fresh = await run(freshDir, text, false);
      const label = save.name;
      expect(watched.ok, label).toBe(save.ok);
      expect(fresh.ok, label).toBe(save.ok);
      if (save.reparsed === false) expect(watched.reparsed, label).toBeUndefined();
      else expect(watched.reparsed?.startsWith(save.reparsed), `${label}: ${watched.reparsed}`).toBe(true);
      expect(formatAll(watched), label).toEqual(formatAll(fresh));
      const [watchedTree, freshTree] = await Promise.all([
        readTree(join(watchDir, 'out')),
        readTree(join(freshDir, 'out')),
      ]);
      expect([...watchedTree.keys()], label).toEqual([...freshTree.keys()]);
      for (const [path, content] of freshTree)
        expect(watchedTree.get(path), `${label}: ${path}`).toBe(content);
      if (save.ok && save.reparsed !== false) {
        // Only the operations the save reaches are rebuilt (a component: those whose $refs reach it).
        const { built, reused } = watched.reuse.operations;
        expect(built > 0, label).toBe(save.builds ?? true);
        expect(reused, label).toBeGreaterThan(0);
      }
      if (save.ok) {
        const checked = await checkWithStamp({ specPath: 'sample.json', outDir: 'out', cwd: watchDir });
        expect(checked, label).toMatchObject({ decided: true, created: [], changed: [], stale: [] });
      }
    }
  }, 300_000);
});
