/**
 * Validators are compiled on a tool's first call, yet a schema that cannot compile still stops
 * the server at startup: buildToolRegistry checks each distinct schema against the meta-schema,
 * its patterns and its local `$ref`s without generating code.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ApiDefinition, JsonSchema, ToolDefinition } from '../../runtime/define-tool.js';
import { buildToolRegistry, createSchemaCompiler } from '../../runtime/mcp/tool-registry.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

const [firstTool] = notesApi.tools;
if (firstTool === undefined) throw new Error('the notes fixture has tools');

function apiWithInput(inputSchema: JsonSchema, extra: Partial<ToolDefinition> = {}): ApiDefinition {
  return { ...notesApi, tools: [{ ...firstTool, ...extra, inputSchema }] } as ApiDefinition;
}

describe('schemas that cannot compile fail at startup', () => {
  it.each<{ given: string; schema: JsonSchema; want: RegExp }>([
    {
      given: 'an unknown type',
      schema: { type: 'object', properties: { a: { type: 'nope' } } },
      want: /archive_note: inputSchema does not compile: schema is invalid/,
    },
    {
      given: 'a pattern that is no regular expression',
      schema: { type: 'object', properties: { a: { type: 'string', pattern: '([a-z' } } },
      want: /archive_note: inputSchema does not compile: pattern "\(\[a-z" is not a regular expression/,
    },
    {
      given: 'a patternProperties key that is no regular expression',
      schema: { type: 'object', patternProperties: { '^x(': { type: 'string' } } },
      want: /archive_note: inputSchema does not compile: pattern "\^x\(" is not a regular expression/,
    },
    {
      given: 'a $ref to a missing definition',
      schema: { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } }, $defs: {} },
      want: /archive_note: inputSchema does not compile: can't resolve reference #\/\$defs\/Missing/,
    },
    {
      given: 'a $ref to another document',
      schema: { type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } },
      want: /can't resolve reference https:\/\/example.com\/a.json/,
    },
  ])('given $given, buildToolRegistry throws naming the tool and field', ({ schema, want }) => {
    const ajv = createSchemaCompiler();
    const compile = vi.spyOn(ajv, 'compile');
    expect(() => buildToolRegistry(apiWithInput(schema), { ajv })).toThrow(want);
    expect(compile).not.toHaveBeenCalled();
    // The check refuses only what Ajv itself cannot compile.
    expect(() => createSchemaCompiler().compile(schema)).toThrow();
  });

  it('checks output schemas too', () => {
    const api = apiWithInput(firstTool.inputSchema, { outputSchema: { type: 'object', minProperties: -1 } });
    expect(() => buildToolRegistry(api)).toThrow(/archive_note: outputSchema does not compile/);
  });
});

describe('schemas that compile', () => {
  it('accept local $refs (escaped and percent-encoded) and "$ref" as data in enum/const/default', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        kind: { $ref: '#/$defs/a~1b' },
        spaced: { $ref: '#/$defs/with%20space' },
        literal: { enum: [{ $ref: 'not/a/reference' }], default: { $ref: 'nor-this' } },
        whole: { const: { $ref: 'x' } },
      },
      $defs: { 'a/b': { type: 'string', enum: ['x', 'y'] }, 'with space': { type: 'integer' } },
    };
    const registry = buildToolRegistry(apiWithInput(schema));
    const validate = registry.entries.get('archive_note')?.validateInput;
    expect(validate?.({ kind: 'x', spaced: 3 })).toBe(true);
    expect(validate?.({ kind: 'z' })).toBe(false);
    expect(validate?.errors?.[0]?.instancePath).toBe('/kind');
  });

  it('accept $refs to anchors and under nested $ids, which Ajv resolves', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        a: { $ref: '#name' },
        b: {
          $id: 'https://example.com/b',
          $defs: { c: { type: 'string' } },
          properties: { c: { $ref: '#/$defs/c' } },
        },
      },
      $defs: { named: { $anchor: 'name', type: 'integer' } },
    };
    const validate = buildToolRegistry(apiWithInput(schema)).entries.get('archive_note')?.validateInput;
    expect(validate?.({ a: 1, b: { c: 'x' } })).toBe(true);
    expect(validate?.({ a: 'one' })).toBe(false);
    expect(validate?.({ b: { c: 2 } })).toBe(false);
  });

  it('are compiled on first use, once per distinct schema, and report errors per call', () => {
    const ajv = createSchemaCompiler();
    const compile = vi.spyOn(ajv, 'compile');
    const input: JsonSchema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const api = {
      ...notesApi,
      tools: [
        { ...firstTool, name: 'one', inputSchema: input },
        // An equal schema in another object, as two generated modules would declare it.
        { ...firstTool, name: 'two', inputSchema: structuredClone(input) },
      ],
    } as ApiDefinition;
    const registry = buildToolRegistry(api, { ajv });
    expect(compile).not.toHaveBeenCalled();

    const one = registry.entries.get('one')?.validateInput;
    const two = registry.entries.get('two')?.validateInput;
    expect(one?.({})).toBe(false);
    expect(one?.errors?.[0]?.keyword).toBe('required');
    expect(two?.({ n: 1 })).toBe(true);
    expect(two?.errors).toBeNull();
    // `one` still holds its own last errors although both share one compiled function.
    expect(one?.errors?.[0]?.keyword).toBe('required');
    expect(one?.({ n: 2 })).toBe(true);
    expect(compile).toHaveBeenCalledTimes(1);
  });
});
