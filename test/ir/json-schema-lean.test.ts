/**
 * The lean schema rules: allOf merged, discriminators as consts, shared components as $defs,
 * text budgets, one example, OpenAPI-only and unknown keywords dropped, output depth cap.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  convertSchema,
  createSchemaContext,
  DESCRIPTION_BUDGET,
  planSchemas,
  type SchemaContext,
  withDefs,
} from '../../generator/ir/json-schema.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const long = (n: number) => `${'word '.repeat(n / 5).trim()}.`;

const components: Record<string, unknown> = {
  Base: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
  Named: { type: 'object', properties: { name: { type: 'string', description: 'Display name.' } } },
  Cat: {
    type: 'object',
    required: ['kind'],
    properties: { kind: { type: 'string' }, meows: { type: 'boolean' } },
  },
  Dog: {
    type: 'object',
    required: ['kind'],
    properties: { kind: { type: 'string', enum: ['dog', 'wolf'] }, barks: { type: 'boolean' } },
  },
  Fish: { type: 'object', properties: { kind: { type: 'string', const: 'fish' } } },
  Pet: {
    type: 'object',
    description: 'A pet.',
    required: ['kind'],
    properties: { kind: { type: 'string' }, name: { type: 'string' } },
    discriminator: {
      propertyName: 'kind',
      mapping: { cat: '#/components/schemas/Kitten', dog: '#/components/schemas/Puppy' },
    },
  },
  Kitten: { allOf: [ref('Pet'), { type: 'object', properties: { meows: { type: 'boolean' } } }] },
  Puppy: { allOf: [ref('Pet'), { type: 'object', properties: { barks: { type: 'boolean' } } }] },
  Shape: {
    type: 'object',
    required: ['kind'],
    properties: { kind: { type: 'string' } },
    discriminator: {
      propertyName: 'kind',
      mapping: { circle: '#/components/schemas/Circle', square: '#/components/schemas/Square' },
    },
  },
  // A subtype that adds nothing: one $ref in allOf, which must mean the base's fields.
  Circle: { type: 'object', allOf: [ref('Shape')] },
  Square: { allOf: [ref('Shape'), { type: 'object', properties: { side: { type: 'number' } } }] },
  Address: {
    type: 'object',
    description: 'A postal address with enough fields to be worth a def.',
    properties: { line1: { type: 'string' }, line2: { type: 'string' }, city: { type: 'string' } },
  },
  Tiny: { type: 'string', enum: ['a', 'b'] },
  Tree: {
    type: 'object',
    properties: { label: { type: 'string' }, children: { type: 'array', items: ref('Tree') } },
  },
};
const resolveRef = (r: string) => components[r.replace('#/components/schemas/', '')];

function context(mode: 'input' | 'output' = 'input', extra: Partial<SchemaContext> = {}) {
  return createSchemaContext({ dialect: '3.0', mode, resolveRef, ...extra });
}

function convert(schema: unknown, mode: 'input' | 'output' = 'input', extra: Partial<SchemaContext> = {}) {
  const ctx = context(mode, extra);
  return withDefs(convertSchema(schema, ctx) as Record<string, unknown>, ctx.defs);
}

describe('allOf', () => {
  it.each([
    {
      given: 'plain object parts (refs and inline) -> one object',
      schema: {
        description: 'A named thing.',
        allOf: [ref('Base'), ref('Named'), { type: 'object', required: ['name'] }],
      },
      want: {
        type: 'object',
        description: 'A named thing.',
        properties: { id: { type: 'string' }, name: { type: 'string', description: 'Display name.' } },
        required: ['id', 'name'],
      },
    },
    {
      given: 'the same property in two parts -> both constraints kept',
      schema: {
        allOf: [
          { type: 'object', properties: { n: { type: 'integer' } } },
          { type: 'object', properties: { n: { maximum: 5 } } },
        ],
      },
      want: { type: 'object', properties: { n: { allOf: [{ type: 'integer' }, { maximum: 5 }] } } },
    },
    {
      given: 'a part that is not an object -> allOf kept',
      schema: { allOf: [ref('Base'), { type: 'string' }] },
      want: {
        allOf: [
          { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
          { type: 'string' },
        ],
      },
    },
    {
      given: 'a part with a combinator -> allOf kept',
      schema: { allOf: [ref('Base'), { oneOf: [{ required: ['a'] }, { required: ['b'] }] }] },
      want: {
        allOf: [
          { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
          { oneOf: [{ required: ['a'] }, { required: ['b'] }] },
        ],
      },
    },
    {
      given: 'one $ref beside a description (the 3.0 way to annotate a reference) -> that reference',
      schema: { description: 'Where to ship.', allOf: [ref('Named')] },
      want: {
        type: 'object',
        properties: { name: { type: 'string', description: 'Display name.' } },
        description: 'Where to ship.',
      },
    },
    {
      given: 'parts with only text -> not evidence of an object, kept',
      schema: { allOf: [{ description: 'x' }, { description: 'y' }] },
      want: { allOf: [{ description: 'x' }, { description: 'y' }] },
    },
  ])('$given', ({ schema, want }) => {
    expect(convert(schema)).toEqual(want);
  });
});

describe('discriminator', () => {
  it.each([
    {
      given: 'mapping on a oneOf of inlined variants -> const on each variant',
      schema: {
        oneOf: [ref('Cat'), ref('Dog')],
        discriminator: {
          propertyName: 'kind',
          mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' },
        },
      },
      want: {
        oneOf: [
          {
            type: 'object',
            required: ['kind'],
            properties: { kind: { type: 'string', const: 'cat' }, meows: { type: 'boolean' } },
          },
          {
            type: 'object',
            required: ['kind'],
            properties: { kind: { type: 'string', const: 'dog' }, barks: { type: 'boolean' } },
          },
        ],
      },
    },
    {
      given: 'several values for one variant -> enum of them',
      schema: {
        oneOf: [ref('Dog')],
        discriminator: { propertyName: 'kind', mapping: { wolf: 'Dog', dog: 'Dog' } },
      },
      want: {
        oneOf: [
          {
            type: 'object',
            required: ['kind'],
            properties: { kind: { type: 'string', enum: ['dog', 'wolf'] }, barks: { type: 'boolean' } },
          },
        ],
      },
    },
    {
      given: 'a variant already pinned to another value -> ambiguous, left as it is',
      schema: {
        anyOf: [ref('Fish')],
        discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Fish' } },
      },
      want: { anyOf: [{ type: 'object', properties: { kind: { type: 'string', const: 'fish' } } }] },
    },
    {
      given: 'no mapping -> discriminator dropped, variants unchanged',
      schema: { oneOf: [ref('Fish')], discriminator: { propertyName: 'kind' } },
      want: { oneOf: [{ type: 'object', properties: { kind: { type: 'string', const: 'fish' } } }] },
    },
  ])('$given', ({ schema, want }) => {
    expect(convert(schema)).toEqual(want);
  });

  it('a base whose mapping names its subtypes (allOf children) becomes a oneOf of them', () => {
    const out = convert(ref('Pet')) as Record<string, unknown>;
    expect(out).toEqual({
      description: 'A pet.',
      oneOf: [
        {
          type: 'object',
          description: 'A pet.',
          properties: {
            kind: { type: 'string', const: 'cat' },
            name: { type: 'string' },
            meows: { type: 'boolean' },
          },
          required: ['kind'],
        },
        {
          type: 'object',
          description: 'A pet.',
          properties: {
            kind: { type: 'string', const: 'dog' },
            name: { type: 'string' },
            barks: { type: 'boolean' },
          },
          required: ['kind'],
        },
      ],
    });
    const validate = new Ajv2020({ strict: false }).compile(out);
    expect(validate({ kind: 'cat', meows: true })).toBe(true);
    expect(validate({ kind: 'bird' })).toBe(false);
  });

  it('a subtype that is only `allOf: [base]` is the fields of the base, not the union again', () => {
    const out = convert(ref('Shape')) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain('$ref');
    expect(out).toEqual({
      oneOf: [
        { type: 'object', properties: { kind: { type: 'string', const: 'circle' } }, required: ['kind'] },
        {
          type: 'object',
          properties: { kind: { type: 'string', const: 'square' }, side: { type: 'number' } },
          required: ['kind'],
        },
      ],
    });
    const validate = new Ajv2020({ strict: false }).compile(out);
    expect(validate({ kind: 'square', side: 2 })).toBe(true);
    expect(validate({ kind: 'triangle' })).toBe(false);
  });

  it('a shared variant keeps its def; the const sits beside the $ref', () => {
    const out = convert({
      type: 'object',
      properties: {
        pet: {
          oneOf: [ref('Address'), ref('Cat')],
          discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Cat' } },
        },
        other: ref('Cat'),
        third: ref('Cat'),
      },
    }) as Record<string, unknown>;
    const pet = (out['properties'] as Record<string, Record<string, unknown>>)['pet'];
    expect(pet?.['oneOf']).toEqual([
      {
        type: 'object',
        description: 'A postal address with enough fields to be worth a def.',
        properties: { line1: { type: 'string' }, line2: { type: 'string' }, city: { type: 'string' } },
      },
      { $ref: '#/$defs/Cat', properties: { kind: { const: 'cat' } } },
    ]);
    expect(Object.keys(out['$defs'] as object)).toEqual(['Cat']);
  });
});

describe('$defs: a component used more than once is written once', () => {
  it.each([
    {
      given: 'used twice -> one def, two references',
      properties: { from: ref('Address'), to: ref('Address') },
      wantRefs: 2,
      wantDefs: ['Address'],
    },
    { given: 'used once -> inlined', properties: { from: ref('Address') }, wantRefs: 0, wantDefs: [] },
    {
      given: 'small leaf used twice -> inlined (a reference would not be shorter)',
      properties: { a: ref('Tiny'), b: ref('Tiny') },
      wantRefs: 0,
      wantDefs: [],
    },
    {
      given: 'recursive -> a def that refers to itself',
      properties: { root: ref('Tree') },
      wantRefs: 2,
      wantDefs: ['Tree'],
    },
  ])('$given', ({ properties, wantRefs, wantDefs }) => {
    const out = convert({ type: 'object', properties }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text.split('"$ref"').length - 1).toBe(wantRefs);
    expect(Object.keys((out['$defs'] as object | undefined) ?? {})).toEqual(wantDefs);
    expect(() => new Ajv2020({ strict: false }).compile(out)).not.toThrow();
  });

  it('counts uses across all the schemas of one tool (parameters and body together)', () => {
    const ctx = context();
    const first = { type: 'object', properties: { a: ref('Address') } };
    const second = { type: 'object', properties: { b: ref('Address') } };
    planSchemas(ctx, [first, second]);
    expect(convertSchema(first, ctx)).toEqual({
      type: 'object',
      properties: { a: { $ref: '#/$defs/Address' } },
    });
    expect(convertSchema(second, ctx)).toEqual({
      type: 'object',
      properties: { b: { $ref: '#/$defs/Address' } },
    });
    expect([...ctx.defs.keys()]).toEqual(['Address']);
  });
});

describe('text, examples and keywords', () => {
  it.each([
    {
      given: 'title dropped when there is a description',
      schema: { type: 'string', title: 'Name', description: 'The name.' },
      want: { type: 'string', description: 'The name.' },
    },
    {
      given: 'title kept when it is all there is',
      schema: { type: 'string', title: 'Name' },
      want: { type: 'string', title: 'Name' },
    },
    {
      given: 'a title that only repeats the property name is dropped',
      schema: { type: 'object', properties: { page_size: { type: 'integer', title: 'Page Size' } } },
      want: { type: 'object', properties: { page_size: { type: 'integer' } } },
    },
    {
      given: 'only the first example',
      schema: { type: 'string', examples: ['a', 'b', 'c'] },
      want: { type: 'string', examples: ['a'] },
    },
    {
      given: 'default, format and enum kept',
      schema: { type: 'string', format: 'date', enum: ['2020-01-01'], default: '2020-01-01' },
      want: { type: 'string', format: 'date', enum: ['2020-01-01'], default: '2020-01-01' },
    },
    {
      given: 'unknown and OpenAPI-only keywords dropped',
      schema: {
        type: 'array',
        min_items: 1,
        $comment: 'internal',
        xml: { wrapped: true },
        externalDocs: { url: 'https://x' },
        'x-internal': true,
        items: { type: 'string' },
      },
      want: { type: 'array', items: { type: 'string' } },
    },
    {
      given: 'duplicate required names once',
      schema: { type: 'object', required: ['a', 'a'], properties: { a: { type: 'string' } } },
      want: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
    },
  ])('$given', ({ schema, want }) => {
    expect(convert(schema)).toEqual(want);
  });

  it('an invalid pattern is dropped and reported (it would stop the validator from compiling)', () => {
    const seen: string[] = [];
    const out = convert({ type: 'string', pattern: '[\\x01-\\x09\\[]\\' }, 'input', {
      onInvalidPattern: (_pointer, pattern) => seen.push(pattern),
    });
    expect(out).toEqual({ type: 'string' });
    expect(seen).toHaveLength(1);
  });

  it.each([
    // given mode and depth of the described node -> want longest kept description
    { mode: 'input' as const, depth: 1, want: DESCRIPTION_BUDGET.argument },
    { mode: 'input' as const, depth: 2, want: DESCRIPTION_BUDGET.input },
    { mode: 'input' as const, depth: 3, want: DESCRIPTION_BUDGET.nested },
    { mode: 'output' as const, depth: 1, want: DESCRIPTION_BUDGET.output },
    { mode: 'output' as const, depth: 2, want: DESCRIPTION_BUDGET.nested },
  ])('$mode description at data depth $depth: at most $want characters', ({ mode, depth, want }) => {
    let schema: Record<string, unknown> = { type: 'string', description: long(2000) };
    for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { p: schema } };
    let node = convert(schema, mode) as Record<string, unknown>;
    for (let i = 0; i < depth; i++)
      node = (node['properties'] as Record<string, Record<string, unknown>>)['p']!;
    const text = node['description'] as string;
    expect(text.length).toBeLessThanOrEqual(want);
    expect(text.length).toBeGreaterThan(want / 2);
  });
});

describe('output depth cap', () => {
  it('objects deeper than the cap keep their type and description, not their fields', () => {
    const deep = {
      type: 'object',
      properties: {
        a: {
          type: 'object',
          properties: {
            b: {
              type: 'object',
              description: 'The b.',
              properties: { c: { type: 'object', properties: { d: { type: 'string' } } } },
            },
            flag: { type: 'boolean', description: 'Kept: scalars are whole.' },
          },
        },
      },
    };
    expect(convert(deep, 'output', { maxDataDepth: 1 })).toEqual({
      type: 'object',
      properties: {
        a: {
          type: 'object',
          properties: {
            b: { type: 'object', description: 'The b.' },
            flag: { type: 'boolean', description: 'Kept: scalars are whole.' },
          },
        },
      },
    });
  });

  it('array items are not a level: a list of results is as deep as one result', () => {
    const list = {
      type: 'object',
      properties: {
        data: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
      },
    };
    expect(convert(list, 'output', { maxDataDepth: 1 })).toEqual(list);
  });

  it('inputs are not capped', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 8; i++) deep = { type: 'object', properties: { n: deep } };
    expect(convert(deep, 'input')).toEqual(deep);
  });
});
