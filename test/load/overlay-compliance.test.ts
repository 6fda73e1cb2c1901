/**
 * The public Overlay compliance material in ../shared/corpus/overlay (see its SOURCES.md files):
 * the OAI apply sets and schema pass/fail cases, and Speakeasy's input/overlay/expected triples.
 * Where this engine deliberately differs from the spec (an unmatched target or copy source is an
 * error; incompatible merges are errors; `-` in dot shorthand is a warning), the want column says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkOverlaySchema } from '../../generator/load/check-overlay-schema.js';
import { applyOverlayTexts, codes, requireCorpus } from './helpers.js';

function read(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8');
}

describe('OAI compliant sets: openapi.yaml + overlay.yaml deep-equals output.yaml', () => {
  const root = path.join(requireCorpus('overlay/oai'), 'compliant-sets');
  const sets = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory());

  it('has the 8 sets SOURCES.md lists', () => {
    expect(sets.map((set) => set.name).sort()).toEqual([
      'add-a-license',
      'description-and-summary',
      'remove-example',
      'remove-matching-responses',
      'remove-property',
      'remove-server',
      'replace-servers-for-sandbox',
      'update-root',
    ]);
  });

  it.each(sets.map((set) => set.name))('%s', (name) => {
    const dir = path.join(root, name);
    const result = applyOverlayTexts(read(dir, 'openapi.yaml'), [
      ['overlay.yaml', read(dir, 'overlay.yaml')],
    ]);
    expect(codes(result.sink.diagnostics)).toEqual([]);
    expect(result.document).toEqual(parse(read(dir, 'output.yaml')));
  });
});

describe('OAI schema cases: pass/ validates, fail/ does not (our checker and the official schema agree)', () => {
  const root = requireCorpus('overlay/oai');
  const cases = ['v1.0', 'v1.1'].flatMap((version) =>
    (['pass', 'fail'] as const).flatMap((verdict) =>
      readdirSync(path.join(root, 'tests', version, verdict))
        .filter((file) => file.endsWith('.yaml'))
        .map((file) => ({
          version,
          verdict,
          file,
          text: read(path.join(root, 'tests', version, verdict), file),
        })),
    ),
  );
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const official = {
    'v1.0': ajv.compile(parse(read(path.join(root, 'schemas/v1.0'), 'schema.yaml'))),
    'v1.1': ajv.compile(parse(read(path.join(root, 'schemas/v1.1'), 'schema.yaml'))),
  } as Record<string, ReturnType<typeof ajv.compile>>;

  it('has the 67 cases SOURCES.md lists', () => {
    expect(cases).toHaveLength(67);
  });

  it.each(cases.map((c) => [`${c.version}/${c.verdict}/${c.file}`, c] as const))('%s', (_, c) => {
    const document = parse(c.text);
    const issues = checkOverlaySchema(document).issues;
    if (c.verdict === 'pass') expect(issues).toEqual([]);
    else expect(issues.length, 'a fail case must produce at least one issue').toBeGreaterThan(0);
    // The official schema gives the same verdict, so the checker is not just passing its own tests.
    expect(official[c.version]!(document)).toBe(c.verdict === 'pass');
  });

  it('an issue names what is wrong, e.g. the version pattern and the repeated action', () => {
    const version = checkOverlaySchema(
      parse("overlay: '1.1'\ninfo: {title: t, version: v}\nactions: [{target: $}]"),
    );
    expect(version.issues.map((i) => i.message)).toEqual([
      "Unsupported overlay version '1.1' (1.0.x and 1.1.x are)",
    ]);
    const repeated = checkOverlaySchema(
      parse(
        'overlay: 1.1.0\ninfo: {title: t, version: v}\nactions: [{target: $, update: {}}, {update: {}, target: $}]',
      ),
    );
    expect(repeated.issues).toEqual([
      { pointer: '/actions/1', actionIndex: 1, message: 'Action 1 repeats action 0 exactly' },
    ]);
  });
});

describe('Speakeasy testdata: input + overlay -> expected (pairings from speakeasy/SOURCES.md)', () => {
  const dir = path.join(requireCorpus('overlay/speakeasy'), 'overlay/testdata');
  // given input, overlay (optionally edited), want output (undefined: the input unchanged), want codes.
  const table: readonly {
    row: string;
    input: string;
    overlay: string;
    edit?: (text: string) => string;
    output?: string;
    want: string[];
  }[] = [
    {
      // Note A: `description~` is Speakeasy's property-name extension, not RFC 9535: an invalid target.
      // `x-my-ignore: true` is a primitive updated with an object: an error (1.1), replaced anyway.
      row: '1 as written',
      input: 'openapi.yaml',
      overlay: 'overlay.yaml',
      want: ['MCPGEN_OVERLAY_TARGET_INVALID', 'MCPGEN_OVERLAY_UPDATE_TYPE'],
    },
    {
      row: "1 with note A's rewrite",
      input: 'openapi.yaml',
      overlay: 'overlay.yaml',
      edit: (text) => text.replace('.description~', '.description'),
      output: 'openapi-overlayed.yaml',
      want: ['MCPGEN_OVERLAY_UPDATE_TYPE'],
    },
    {
      row: '2',
      input: 'openapi.yaml',
      overlay: 'overlay-generated.yaml',
      output: 'openapi-overlayed.yaml',
      want: ['MCPGEN_OVERLAY_UPDATE_TYPE'],
    },
    {
      // 3': spec mode ignores the unmatched target; here it is an error, and the rest still applies.
      row: "3'",
      input: 'openapi.yaml',
      overlay: 'overlay-mismatched.yaml',
      output: 'openapi-strict-onechange.yaml',
      want: ['MCPGEN_OVERLAY_TARGET_NO_MATCH'],
    },
    {
      row: '4',
      input: 'openapi-version-header.yaml',
      overlay: 'overlay-version-header.yaml',
      output: 'openapi-version-header-expected.yaml',
      want: [],
    },
    {
      row: '5',
      input: 'openapi-copy.yaml',
      overlay: 'overlay-copy.yaml',
      output: 'openapi-copy-expected.yaml',
      want: [],
    },
    {
      row: '6',
      input: 'openapi-copy.yaml',
      overlay: 'overlay-copy-move.yaml',
      output: 'openapi-copy-move-expected.yaml',
      want: [],
    },
    {
      // A copy source selecting nothing is an error, like Speakeasy's strict mode.
      row: '7',
      input: 'openapi-copy.yaml',
      overlay: 'overlay-copy-errors.yaml',
      want: ['MCPGEN_OVERLAY_COPY_SOURCE'],
    },
    {
      // update wins over copy (spec); having both is an error here, and /bar does not exist.
      row: '8',
      input: 'openapi-copy.yaml',
      overlay: 'overlay-copy-mutual-exclusive.yaml',
      want: ['MCPGEN_OVERLAY_ACTION_INVALID', 'MCPGEN_OVERLAY_TARGET_NO_MATCH'],
    },
    {
      // `@.x-my-ignore` is not RFC 9535: read as @['x-my-ignore'] with a warning; it selects nothing.
      row: '9',
      input: 'openapi.yaml',
      overlay: 'overlay-old.yaml',
      want: ['MCPGEN_OVERLAY_TARGET_NONSTANDARD', 'MCPGEN_OVERLAY_TARGET_NO_MATCH'],
    },
    {
      row: '10',
      input: 'openapi.yaml',
      overlay: 'overlay-zero-change.yaml',
      want: [],
    },
  ];

  it.each(table.map((row) => [row.row, row] as const))('row %s', (_, row) => {
    const overlay = row.edit ? row.edit(read(dir, row.overlay)) : read(dir, row.overlay);
    const result = applyOverlayTexts(read(dir, row.input), [[row.overlay, overlay]]);
    expect(codes(result.sink.diagnostics)).toEqual(row.want);
    if (row.output) expect(result.document).toEqual(parse(read(dir, row.output)));
    else if (row.row !== '1 as written') expect(result.document).toEqual(parse(read(dir, row.input)));
  });

  it('row 1 as written differs from the expected output only in the tag description `~` would remove', () => {
    const result = applyOverlayTexts(read(dir, 'openapi.yaml'), [
      ['overlay.yaml', read(dir, 'overlay.yaml')],
    ]);
    const expected = parse(read(dir, 'openapi-overlayed.yaml')) as {
      tags: { name: string; description?: string }[];
    };
    const tags = (result.document['tags'] as { name: string; description?: string }[]).map((tag) =>
      tag.name === 'authentication' ? { ...tag, description: undefined } : tag,
    );
    expect({ ...result.document, tags: tags.map((t) => JSON.parse(JSON.stringify(t))) }).toEqual(expected);
  });

  it('the unpaired sample overlays are schema-valid', () => {
    for (const file of [
      'overlay-1.0.0.yaml',
      'overlay-1.0.0-with-rfc9535.yaml',
      'overlay-1.1.0-with-description.yaml',
      'overlay-1.1.0-with-legacy.yaml',
    ]) {
      expect(checkOverlaySchema(parse(read(dir, file))).issues, file).toEqual([]);
    }
  });
});
