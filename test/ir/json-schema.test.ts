import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { convertSchema, createSchemaContext, withDefs } from '../../generator/ir/json-schema.js';

const components: Record<string, unknown> = {
  Pet: {
    type: 'object',
    properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' } },
    required: ['id', 'name'],
  },
  Node: {
    type: 'object',
    properties: {
      value: { type: 'integer' },
      children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
    },
  },
  Secret: {
    type: 'object',
    properties: { password: { type: 'string', writeOnly: true }, user: { type: 'string' } },
  },
  A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
  B: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } },
};
const resolveRef = (ref: string) => components[ref.replace('#/components/schemas/', '')];

function convert(schema: unknown, mode: 'input' | 'output' = 'input', dialect: '3.0' | '3.1' = '3.0') {
  const ctx = createSchemaContext({ dialect, mode, resolveRef });
  const out = convertSchema(schema, ctx);
  return withDefs(out as Record<string, unknown>, ctx.defs);
}

describe('convertSchema: OpenAPI -> JSON Schema 2020-12', () => {
  it.each([
    ['3.0 nullable string', { type: 'string', nullable: true }, { type: ['string', 'null'] }],
    [
      '3.0 nullable enum: null joins the enum (APIs that say nullable send null)',
      { type: 'string', enum: ['a', 'b'], nullable: true },
      { type: ['string', 'null'], enum: ['a', 'b', null] },
    ],
    [
      '3.0 nullable without type: already accepts null',
      { nullable: true, description: 'x' },
      { description: 'x' },
    ],
    [
      '3.0 nullable composition',
      { nullable: true, oneOf: [{ type: 'string' }, { type: 'integer' }] },
      { anyOf: [{ oneOf: [{ type: 'string' }, { type: 'integer' }] }, { type: 'null' }] },
    ],
    [
      '3.0 boolean exclusiveMinimum',
      { type: 'number', minimum: 0, exclusiveMinimum: true },
      { type: 'number', exclusiveMinimum: 0 },
    ],
    [
      '3.1 numeric exclusiveMaximum',
      { type: 'number', exclusiveMaximum: 10 },
      { type: 'number', exclusiveMaximum: 10 },
    ],
    ['3.1 type array kept', { type: ['integer', 'null'] }, { type: ['integer', 'null'] }],
    ['example -> examples', { type: 'string', example: 'abc' }, { type: 'string', examples: ['abc'] }],
    [
      'x- and OpenAPI-only keywords dropped',
      { type: 'object', 'x-internal': 1, xml: { name: 'a' }, discriminator: { propertyName: 't' } },
      { type: 'object' },
    ],
    [
      'default kept',
      { type: 'integer', default: 20, maximum: 200 },
      { type: 'integer', default: 20, maximum: 200 },
    ],
    [
      'tuple items -> prefixItems',
      { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
      { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
    ],
    [
      'deprecated noted in description',
      { type: 'string', deprecated: true, description: 'Old.' },
      { type: 'string', deprecated: true, description: 'Deprecated. Old.' },
    ],
  ])('%s', (_name, given, want) => {
    expect(convert(given)).toEqual(want);
  });

  it('inlines a non-recursive $ref and drops readOnly properties from inputs', () => {
    expect(convert({ $ref: '#/components/schemas/Pet' })).toEqual({
      type: 'object',
      properties: { name: { type: 'string' } },
      required: ['name'],
    });
  });

  it('keeps readOnly properties in outputs and drops writeOnly ones', () => {
    expect(convert({ $ref: '#/components/schemas/Pet' }, 'output')).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' } },
      required: ['id', 'name'],
    });
    expect(convert({ $ref: '#/components/schemas/Secret' }, 'output')).toEqual({
      type: 'object',
      properties: { user: { type: 'string' } },
    });
  });

  it('keeps a self-referencing schema as a $defs reference, not inlined without end', () => {
    const out = convert({ $ref: '#/components/schemas/Node' }) as Record<string, unknown>;
    expect(out['$defs']).toEqual({
      Node: {
        type: 'object',
        properties: {
          value: { type: 'integer' },
          children: { type: 'array', items: { $ref: '#/$defs/Node' } },
        },
      },
    });
    expect(JSON.stringify(out).length).toBeLessThan(400);
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(out);
    expect(validate({ value: 1, children: [{ value: 2, children: [] }] })).toBe(true);
    expect(validate({ value: 1, children: [{ value: 'x' }] })).toBe(false);
  });

  it('handles mutual recursion', () => {
    const out = convert({ $ref: '#/components/schemas/A' }) as Record<string, unknown>;
    expect(Object.keys(out['$defs'] as object)).toEqual(['A']);
    expect(() => new Ajv2020({ strict: false }).compile(out)).not.toThrow();
  });

  it('makes an inlined nullable $ref (3.0 style sibling) accept null', () => {
    expect(convert({ $ref: '#/components/schemas/Secret', nullable: true }, 'input')).toEqual({
      type: ['object', 'null'],
      properties: { password: { type: 'string' }, user: { type: 'string' } },
    });
  });

  it('drops additionalProperties: false from outputs (APIs add fields before docs say so)', () => {
    expect(convert({ type: 'object', additionalProperties: false }, 'output')).toEqual({ type: 'object' });
    expect(convert({ type: 'object', additionalProperties: false }, 'input')).toEqual({
      type: 'object',
      additionalProperties: false,
    });
  });

  it('stops at the depth limit and reports it', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 80; i++) deep = { type: 'object', properties: { n: deep } };
    const seen: string[] = [];
    const ctx = createSchemaContext({
      dialect: '3.1',
      mode: 'input',
      resolveRef,
      onTooDeep: (p) => seen.push(p),
    });
    convertSchema(deep, ctx);
    expect(seen.length).toBe(1);
    expect(seen[0]).toMatch(/^\/properties\/n/);
  });
});
