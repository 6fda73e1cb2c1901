import { describe, expect, it } from 'vitest';
import { compileJsonPath, rewriteDashShorthand } from '../../generator/load/compile-jsonpath.js';

describe('rewriteDashShorthand: dot shorthand with `-` becomes bracket notation, nothing else changes', () => {
  it.each([
    // given expression -> want rewritten expression, want names
    ['$.info.x-mcp', "$.info['x-mcp']", ['x-mcp']],
    ['$..x-mcp', "$..['x-mcp']", ['x-mcp']],
    ['$.paths.*.get[?@.x-oai-traits.paged]', "$.paths.*.get[?@['x-oai-traits'].paged]", ['x-oai-traits']],
    ['$.paths.*[?(@.x-my-ignore)]', "$.paths.*[?(@['x-my-ignore'])]", ['x-my-ignore']],
    ['$.a-b.c-d', "$['a-b']['c-d']", ['a-b', 'c-d']],
    ['$.a-', "$['a-']", ['a-']],
    // Strings are data: neither quoted names nor filter literals are touched.
    ["$.paths['/x-y'].get", "$.paths['/x-y'].get", []],
    ['$[?@.name == "a.b-c"]', '$[?@.name == "a.b-c"]', []],
    ["$[?@.name == 'it\\'s .a-b']", "$[?@.name == 'it\\'s .a-b']", []],
    // Standard syntax stays as written: numbers, negative indexes, slices, plain names.
    ['$.a[-1]', '$.a[-1]', []],
    ['$[?@.n > -1.5e-3]', '$[?@.n > -1.5e-3]', []],
    ['$.a[1:-1]', '$.a[1:-1]', []],
    ['$.info.title', '$.info.title', []],
    // Not a name start: left alone, so json-p3 still rejects it.
    ['$.-a', '$.-a', []],
    ['$. a-b', '$. a-b', []],
  ])('%s', (given, want, names) => {
    expect(rewriteDashShorthand(given)).toEqual({ expression: want, names });
  });
});

describe('compileJsonPath', () => {
  it('accepts RFC 9535 without a standard form', () => {
    const compiled = compileJsonPath("$.paths['/items'].get");
    expect(compiled.ok && compiled.standardForm).toBe(undefined);
  });

  it('accepts dash shorthand and says which RFC 9535 form it compiled', () => {
    const compiled = compileJsonPath('$.info.x-mcp');
    expect(compiled.ok && { standardForm: compiled.standardForm, names: compiled.nonstandardNames }).toEqual({
      standardForm: "$.info['x-mcp']",
      names: ['x-mcp'],
    });
    expect(compiled.ok && compiled.query.query({ info: { 'x-mcp': 1 } }).values()).toEqual([1]);
  });

  it.each([
    ['info.title', 'no root'],
    ['$.a[', 'unclosed bracket'],
    ['$[?@.a == ]', 'missing operand'],
    ['$.a~', 'the non-standard keys selector'],
    ['$[?length(@.a)]', 'a function result that is not a logical value'],
    ['$.-a', 'a name starting with -'],
  ])('rejects %s (%s) with a message and a position', (given) => {
    const compiled = compileJsonPath(given);
    expect(compiled.ok).toBe(false);
    expect(!compiled.ok && compiled.message).toMatch(/\S/);
  });
});
