/** The success response -> output schema and the media type the runtime asks for. */
import { describe, expect, it } from 'vitest';
import { buildOutput } from '../../generator/ir/build-output.js';
import { OUTPUT_SCHEMA_BUDGET } from '../../generator/ir/json-schema.js';

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
    { given: 'no success response', responses: { '404': { description: 'Missing' } }, want: {} },
    {
      given: 'JSON without a schema',
      responses: { '200': { content: { 'application/json': {} } } },
      want: { responseMediaType: 'application/json' },
    },
  ])('$given', ({ responses, want }) => {
    expect(build(responses)).toEqual(want);
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
});
