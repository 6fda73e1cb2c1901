import { describe, expect, it } from 'vitest';
import { deriveAnnotations } from '../../generator/ir/annotations.js';
import type { HttpMethod } from '../../generator/ir/types.js';

describe('deriveAnnotations: defaults from the method', () => {
  it.each([
    ['get', { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }],
    ['head', { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }],
    ['put', { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false }],
    ['delete', { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false }],
    ['post', { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }],
    ['patch', { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }],
  ] as const)('%s', (method, want) => {
    const { annotations, problems } = deriveAnnotations({ method, overrides: {}, defaultOpenWorld: false });
    expect(annotations).toEqual(want);
    expect(problems).toEqual([]);
  });
});

describe('deriveAnnotations: overrides and contradictions', () => {
  it.each([
    // given method, overrides -> want problem codes
    ['delete', { readOnly: true }, ['MCPGEN_HINT_CONTRADICTS_METHOD']],
    ['post', { readOnly: true, destructive: true }, ['MCPGEN_HINT_CONTRADICTS_METHOD']],
    ['get', { destructive: true }, ['MCPGEN_HINT_CONTRADICTS_METHOD', 'MCPGEN_HINT_CONTRADICTS_METHOD']],
    ['get', { readOnly: false }, ['MCPGEN_HINT_UNUSUAL']],
    ['post', { readOnly: true }, []],
    ['post', { idempotent: true }, []],
    ['put', { destructive: false }, []],
  ] as const)('%s %j', (method, overrides, want) => {
    const { problems } = deriveAnnotations({
      method: method as HttpMethod,
      overrides,
      defaultOpenWorld: false,
    });
    expect(problems.map((p) => p.code)).toEqual(want);
  });

  it('a read-only POST is not destructive and is idempotent', () => {
    const { annotations } = deriveAnnotations({
      method: 'post',
      overrides: { readOnly: true },
      defaultOpenWorld: true,
    });
    expect(annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
  });
});
