/**
 * synthesizeArguments / sampleValue: the argument sets `contract` calls each tool with, made from
 * its input schema, each valid against it.
 */
import { describe, expect, it } from 'vitest';
import { createSchemaCompiler } from '../../contract/compile-schemas.js';
import { sampleValue } from '../../contract/sample-values.js';
import { synthesizeArguments } from '../../contract/synthesize-arguments.js';
import { fileArgumentSchema } from '../../generator/ir/build-input.js';

describe('synthesizeArguments: file arguments', () => {
  it('a file argument gets content_base64 only: one oneOf branch, and no URL to download', () => {
    // Given: the generated file argument (oneOf: url or content_base64).
    const file = fileArgumentSchema('The upload.') as Record<string, unknown>;
    // Want: all properties but `url`, so exactly one branch matches; required only: the bytes.
    expect(sampleValue(file, file, { optional: true })).toEqual({
      content_base64: 'sample',
      filename: 'sample',
      content_type: 'sample',
    });
    expect(sampleValue(file, file)).toEqual({ content_base64: 'sample' });
  });

  it('an optional upload body (Box): the call with every argument sends the file with the attributes', () => {
    // Given: Box's upload tool: an optional body whose `attributes` and `file` require each other.
    const inputSchema = {
      type: 'object',
      properties: {
        attributes: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        fields: { type: 'string' },
        file: fileArgumentSchema(undefined),
      },
      dependentRequired: { attributes: ['file'], file: ['attributes'] },
      additionalProperties: false,
    };
    const { sets, problems } = synthesizeArguments(inputSchema, createSchemaCompiler());
    // Want: both sets valid, the full one with a file the runtime needs no download for.
    expect(problems).toEqual([]);
    expect(sets.map((set) => set.args)).toEqual([
      {},
      {
        attributes: { name: 'sample' },
        fields: 'sample',
        file: { content_base64: 'sample', filename: 'sample', content_type: 'sample' },
      },
    ]);
  });
});

describe('synthesizeArguments: objects that must not be empty', () => {
  it('a required object with minProperties gets properties, listed ones first (Stripe form bodies)', () => {
    // Given: required objects with no required properties of their own, one open (no properties).
    const inputSchema = {
      type: 'object',
      properties: {
        features: {
          type: 'object',
          minProperties: 1,
          properties: {
            invoice_history: {
              type: 'object',
              properties: { enabled: { type: 'boolean' } },
              required: ['enabled'],
            },
          },
        },
        metadata: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
      },
      required: ['features', 'metadata'],
      additionalProperties: false,
    };
    const { sets } = synthesizeArguments(inputSchema, createSchemaCompiler());
    // Want: the minimal call sends one property in each, so neither encodes to nothing.
    expect(sets[0]?.args).toEqual({
      features: { invoice_history: { enabled: true } },
      metadata: { key1: 'sample' },
    });
  });
});
