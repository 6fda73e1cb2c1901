import { describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { parseRef } from '../../generator/load/check-refs.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { rankCandidates } from '../../generator/load/rank-candidates.js';
import { walkReferences } from '../../generator/load/walk-references.js';
import { repoRoot, summarize } from './helpers.js';

describe('parseRef', () => {
  it.each([
    // given ref -> want parsed
    ['#/components/schemas/Pet', { kind: 'internal', tokens: ['components', 'schemas', 'Pet'] }],
    ['#/components/parameters/a~1b', { kind: 'internal', tokens: ['components', 'parameters', 'a/b'] }],
    ['#/components/parameters/a~01', { kind: 'internal', tokens: ['components', 'parameters', 'a~1'] }],
    [
      '#/components/schemas/with%20space',
      { kind: 'internal', tokens: ['components', 'schemas', 'with space'] },
    ],
    ['#/paths/~1items%7Bid%7D', { kind: 'internal', tokens: ['paths', '/items{id}'] }],
    ['#/bad%zz', { kind: 'internal', tokens: ['bad%zz'] }],
    ['#', { kind: 'internal', tokens: [] }],
    ['#node', { kind: 'anchor', anchor: 'node' }],
    ['openapi.yaml#/components/schemas/Pet', { kind: 'internal', tokens: ['components', 'schemas', 'Pet'] }],
    ['./openapi.yaml#/info', { kind: 'internal', tokens: ['info'] }],
    ['common.yaml#/Pet', { kind: 'external', location: 'common.yaml' }],
    [
      'https://example.com/openapi.yaml#/Pet',
      { kind: 'external', location: 'https://example.com/openapi.yaml' },
    ],
    ['pet.yaml', { kind: 'external', location: 'pet.yaml' }],
  ])('%s', (ref, want) => {
    expect(parseRef(ref, 'openapi.yaml')).toEqual(want);
  });
});

describe('references in reference positions only', () => {
  it('skips example/default/enum/const/x- values and Example Object values, but not names that read like them', async () => {
    const sink = createDiagnosticSink();
    const spec = await loadSpec({ path: 'test/fixtures/load/refs', cwd: repoRoot }, sink);
    expect(spec).toBeDefined();
    // The one broken reference is the property *named* `default`; every other `$ref` in
    // test/fixtures/load/refs/openapi.yaml either resolves or is data.
    // (The component names with `/` and a space, there for the ~1 and %20 refs, are schema warnings.)
    // (A broken schema reference with no near-miss name is a warning unless strict.)
    expect(summarize(sink.diagnostics)).toEqual([
      'MCPGEN_REF_NOT_FOUND (warning) test/fixtures/load/refs/openapi.yaml:43:11',
      'MCPGEN_SPEC_INVALID (warning) test/fixtures/load/refs/openapi.yaml:30:5',
      'MCPGEN_SPEC_INVALID (warning) test/fixtures/load/refs/openapi.yaml:31:5',
    ]);
    expect(sink.diagnostics[1]?.message).toBe(
      '/components/parameters has the name \'a/b\', which must match pattern "^[a-zA-Z0-9._-]+$"',
    );
  });

  it.each([
    // given document -> want visited pointers
    [{ a: { $ref: '#/x' } }, ['/a']],
    [
      { example: { $ref: '#/x' }, default: { $ref: '#/x' }, enum: [{ $ref: '#/x' }], const: { $ref: '#/x' } },
      [],
    ],
    [{ 'x-ext': { $ref: '#/x' } }, []],
    [
      { properties: { example: { $ref: '#/x' }, 'x-name': { $ref: '#/y' } } },
      ['/properties/example', '/properties/x-name'],
    ],
    [{ examples: [{ $ref: '#/x' }] }, []],
    [{ examples: { a: { $ref: '#/x' }, b: { value: { $ref: '#/y' } } } }, ['/examples/a']],
    [{ responses: { default: { $ref: '#/x' } } }, ['/responses/default']],
    [{ properties: { $ref: { type: 'string' } } }, []],
    [{ $ref: 42 }, []],
  ])('%j', (document, want) => {
    const visited: string[] = [];
    walkReferences(document, (site) => visited.push(site.pointer));
    expect(visited).toEqual(want);
  });
});

describe('rankCandidates', () => {
  it.each([
    // given wanted, names -> want candidates
    ['ItemLst', ['ItemList', 'Item', 'Order'], ['ItemList']],
    ['pet', ['Pet', 'Pets', 'Owner'], ['Pet', 'Pets']],
    ['schema', ['schemas', 'responses', 'parameters'], ['schemas']],
    ['Zebra', ['Pet', 'Owner'], []],
    ['a', ['b', 'c', 'd', 'e'], ['b', 'c', 'd']],
  ])('%s', (wanted, names, want) => {
    expect(rankCandidates(wanted, names)).toEqual(want);
  });

  it('a misspelt section is fixed in place, keeping the rest of the ref', async () => {
    const sink = createDiagnosticSink();
    await loadSpec({ path: 'test/fixtures/load/folder/openapi.yaml', cwd: repoRoot }, sink);
    expect(sink.diagnostics).toEqual([]);
  });
});
