/** The success response -> output schema and the media type the runtime asks for. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildOutput } from '../../generator/ir/build-output.js';
import {
  convertSchema,
  createSchemaContext,
  OUTPUT_SCHEMA_BUDGET,
  SchemaTooLarge,
  withDefs,
} from '../../generator/ir/json-schema.js';
import type { JsonSchema } from '../../generator/ir/types.js';

const schemas: Record<string, unknown> = {
  Item: { type: 'object', properties: { id: { type: 'string' } } },
};
const resolveRef = (ref: string) => schemas[ref.replace('#/components/schemas/', '')];
const build = (responses: unknown) => buildOutput({ responses, dialect: '3.1', resolveRef });

describe('buildOutput', () => {
  it.each([
    {
      given: '200 JSON',
      responses: {
        '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
      },
      want: {
        outputSchema: { type: 'object', properties: { id: { type: 'string' } } },
        responseMediaType: 'application/json',
      },
    },
    {
      given: '201 problem+json style media type with parameters',
      responses: {
        '201': { content: { 'application/vnd.api+json; charset=utf-8': { schema: { type: 'object' } } } },
      },
      want: { outputSchema: { type: 'object' }, responseMediaType: 'application/vnd.api+json' },
    },
    {
      given: '2XX range',
      responses: {
        '2XX': { content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } } },
      },
      want: {
        outputSchema: { type: 'array', items: { type: 'string' } },
        responseMediaType: 'application/json',
      },
    },
    {
      given: 'image: no schema, the media type to ask for',
      responses: { '200': { content: { 'image/png': {} } } },
      want: { responseMediaType: 'image/png' },
    },
    {
      given: 'text',
      responses: { '200': { content: { 'text/csv': { schema: { type: 'string' } } } } },
      want: { responseMediaType: 'text/csv' },
    },
    { given: '204 empty', responses: { '204': { description: 'Deleted' } }, want: {} },
    {
      // Vault declares JSON content on 204; no answer can carry it, so no outputSchema to fail.
      given: '204 that declares JSON content',
      responses: {
        '204': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
      },
      want: {},
    },
    { given: 'no success response', responses: { '404': { description: 'Missing' } }, want: {} },
    {
      given: 'JSON without a schema',
      responses: { '200': { content: { 'application/json': {} } } },
      want: { responseMediaType: 'application/json' },
    },
  ])('$given', ({ responses, want }) => {
    expect(build(responses)).toEqual(want);
  });

  it('a HEAD operation gets no outputSchema: its answer has no body (Kubernetes)', () => {
    // Given HEAD with a 200 JSON response documented.
    const responses = {
      '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
    };
    // Want: nothing to validate structured content against; GET keeps it.
    expect(buildOutput({ responses, dialect: '3.1', resolveRef, method: 'head' })).toEqual({});
    expect(buildOutput({ responses, dialect: '3.1', resolveRef, method: 'get' }).outputSchema).toBeDefined();
  });

  it('a discriminator base in an answer stays open to values its mapping does not name (LINE coupons)', () => {
    // Given a base whose discriminator maps `normal`/`lottery` to subtypes built with allOf on it.
    const line: Record<string, unknown> = {
      Condition: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string' } },
        discriminator: {
          propertyName: 'type',
          mapping: { normal: '#/components/schemas/Normal', lottery: '#/components/schemas/Lottery' },
        },
      },
      Normal: { type: 'object', allOf: [{ $ref: '#/components/schemas/Condition' }] },
      Lottery: {
        type: 'object',
        allOf: [
          { $ref: '#/components/schemas/Condition' },
          { type: 'object', properties: { probability: { type: 'integer' } } },
        ],
      },
    };
    const { outputSchema } = buildOutput({
      responses: {
        '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Condition' } } } },
      },
      dialect: '3.0',
      resolveRef: (ref) => line[ref.replace('#/components/schemas/', '')],
    });
    const validate = new Ajv2020({ strict: false }).compile(outputSchema as object);
    // Want: an answer valid per the document passes (a type no mapping names, and a mapped one);
    // one the base refuses does not; the subtypes are still described.
    expect(validate({ type: 'sample' })).toBe(true);
    expect(validate({ type: 'lottery', probability: 3 })).toBe(true);
    expect(validate({ kind: 'x' })).toBe(false);
    expect(JSON.stringify(outputSchema)).toContain('"const":"lottery"');
  });

  it('an output over the byte budget is cut at a shallower depth until it fits', () => {
    // 40 nested objects of 40 described fields: far over the budget in full.
    const field = (i: number) => ({ type: 'string', description: `Field ${i} of this object, described.` });
    const leaf = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, field(i)])),
    };
    const middle = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, leaf])),
    };
    const root = {
      type: 'object',
      properties: { data: { type: 'object', description: 'The payload.', properties: { inner: middle } } },
    };
    const { outputSchema } = build({ '200': { content: { 'application/json': { schema: root } } } });
    const text = JSON.stringify(outputSchema);
    expect(text.length).toBeLessThanOrEqual(OUTPUT_SCHEMA_BUDGET);
    // The top of the answer stays described.
    expect(outputSchema).toMatchObject({
      properties: { data: { type: 'object', description: 'The payload.' } },
    });
  });

  it('a cut output is the same schema a conversion at the depth that fits gives, though the deeper tries stopped early', () => {
    // Wide objects three levels down: far over the budget at the full depth cap (3), under it at 1.
    const field = (i: number) => ({ type: 'string', description: `Field ${i}, described at some length.` });
    const wide = (depth: number): Record<string, unknown> => ({
      type: 'object',
      description: `Level ${depth}.`,
      properties: Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`p${i}`, depth === 0 ? field(i) : wide(depth - 1)]),
      ),
    });
    const root = wide(3);
    const { outputSchema } = build({ '200': { content: { 'application/json': { schema: root } } } });
    const at = (maxDataDepth: number, abortAboveBytes?: number): JsonSchema => {
      const defs = new Map<string, JsonSchema>();
      const ctx = createSchemaContext({
        dialect: '3.1',
        mode: 'output',
        resolveRef,
        defs,
        maxDataDepth,
        ...(abortAboveBytes !== undefined ? { abortAboveBytes } : {}),
      });
      return withDefs(convertSchema(root, ctx) as Record<string, unknown>, defs);
    };
    const fits = [3, 2, 1, 0].find((depth) => JSON.stringify(at(depth)).length <= OUTPUT_SCHEMA_BUDGET);
    expect(fits).toBeGreaterThan(0);
    expect(fits).toBeLessThan(3);
    expect(outputSchema).toEqual(at(fits!));
    // The full-depth try is what the limit stops.
    expect(() => at(3, OUTPUT_SCHEMA_BUDGET)).toThrow(SchemaTooLarge);
  });

  it('two responses with the same schema text get one conversion (the same result), per document', () => {
    const response = () => ({
      '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
    });
    const first = build(response()).outputSchema;
    expect(first).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
    expect(build(response()).outputSchema).toBe(first);
    // Another document (another resolver) converts on its own.
    const other = buildOutput({
      responses: response(),
      dialect: '3.1',
      resolveRef: (ref) => resolveRef(ref),
    });
    expect(other.outputSchema).not.toBe(first);
    expect(other.outputSchema).toEqual(first);
  });
});
