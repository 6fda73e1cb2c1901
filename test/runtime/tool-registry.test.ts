/**
 * Per-request cost must not grow with the number of tools: validators and the tools/list payload
 * are built once at startup; a request only looks them up.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition, ToolDefinition } from '../../runtime/define-tool.js';
import { buildToolRegistry, createSchemaCompiler } from '../../runtime/mcp/tool-registry.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { connectClient, type Revision } from './connect-client.js';

const TOOL_COUNT = 1_000;

/** A tool shaped like generated ones: path + query params, a JSON body, input and output schemas. */
function makeGeneratedTool(index: number): ToolDefinition {
  const name = `update_item_${String(index).padStart(4, '0')}`;
  return {
    name,
    title: `Update item ${index}`,
    description: `Update an item of collection ${index}.`,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    scopes: ['mcp:write'],
    idempotency: 'none',
    toolsets: [`collection_${index % 10}`],
    http: {
      method: 'put',
      path: `/collections/${index}/items/{itemId}`,
      params: [
        { name: 'itemId', in: 'path', style: 'simple', explode: false, required: true, argument: 'item_id' },
        { name: 'dryRun', in: 'query', style: 'form', explode: true, required: false, argument: 'dry_run' },
      ],
      body: {
        mediaType: 'application/json',
        required: true,
        mode: 'properties',
        properties: [
          { argument: 'name', property: 'name' },
          { argument: 'tags', property: 'tags' },
        ],
      },
      responseMediaType: 'application/json',
    },
    inputSchema: {
      type: 'object',
      properties: {
        item_id: { type: 'string', pattern: '^[a-z0-9_]+$' },
        dry_run: { type: 'boolean' },
        name: { type: 'string', minLength: 1, maxLength: 100 + index },
        tags: { type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 20 },
      },
      required: ['item_id', 'name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        updated_at: { type: 'string', format: 'date-time' },
      },
      required: ['id'],
    },
    response: { redact: ['$.secret'], maxBytes: 900_000, maxItems: 200 },
  };
}

const largeApi: ApiDefinition = {
  ...notesApi,
  id: 'large',
  tools: Array.from({ length: TOOL_COUNT }, (_, index) => makeGeneratedTool(index)),
};

describe(`a ${TOOL_COUNT}-tool API`, () => {
  const ajv = createSchemaCompiler();
  const compile = vi.spyOn(ajv, 'compile');
  let app: FastifyInstance;
  let mcpUrl: string;

  beforeAll(async () => {
    app = await buildServer({ api: largeApi, upstreamUrl: 'http://127.0.0.1:9/v1', schemaCompiler: ajv });
    mcpUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('compiles no validator at startup (each on its first use)', () => {
    expect(compile).not.toHaveBeenCalled();
  });

  it.each<{ revision: Revision }>([{ revision: '2025-11-25' }, { revision: '2026-07-28' }])(
    'serves all tools on $revision without compiling anything per request',
    async ({ revision }) => {
      const connected = await connectClient(mcpUrl, revision);
      for (let round = 0; round < 3; round += 1) {
        const { tools } = await connected.client.listTools();
        expect(tools).toHaveLength(TOOL_COUNT);
        expect(tools[TOOL_COUNT - 1]?.name).toBe('update_item_0999');
      }
      const invalid = await connected.client.callTool({
        name: 'update_item_0500',
        arguments: { item_id: 'Not Valid', name: '' },
      });
      expect(invalid.isError).toBe(true);
      expect(invalid.content).toEqual([
        {
          type: 'text',
          text:
            'Invalid arguments for update_item_0500: "item_id" must match pattern "^[a-z0-9_]+$" (pattern). ' +
            '"name" must NOT have fewer than 1 characters (minLength). ' +
            "Fix these arguments (see the tool's input schema) and call update_item_0500 again.",
        },
      ]);
      await connected.close();
      // update_item_0500's input schema, on the first revision's call; nothing on the second.
      expect(compile).toHaveBeenCalledTimes(1);
    },
  );
});

describe('buildToolRegistry', () => {
  it('shares one frozen tools/list payload', () => {
    const registry = buildToolRegistry(notesApi);
    expect(Object.isFrozen(registry.listResult)).toBe(true);
    expect(Object.isFrozen(registry.listResult.tools[0])).toBe(true);
    expect(registry.listResult.tools.map((tool) => tool.name)).toEqual([...registry.entries.keys()]);
  });

  it('knows which arguments page a list and which list tool to suggest', () => {
    const registry = buildToolRegistry(notesApi);
    expect(registry.entries.get('list_notes')?.pagingArguments).toEqual(['cursor', 'limit']);
    expect(registry.entries.get('get_note')?.listToolName).toBe('list_notes');
    expect(registry.entries.get('list_notes')?.listToolName).toBeUndefined();
    expect(registry.entries.get('create_note')?.takesIdempotencyKey).toBe(true);
    expect(registry.entries.get('get_note')?.takesIdempotencyKey).toBe(false);
  });

  it('fails at startup on a schema that does not compile or a bad redaction path', () => {
    const [first] = notesApi.tools;
    if (first === undefined) throw new Error('fixture has tools');
    const badSchema = {
      ...notesApi,
      tools: [{ ...first, inputSchema: { type: 'object', properties: { a: { type: 'nope' } } } }],
    };
    expect(() => buildToolRegistry(badSchema)).toThrow(/archive_note: inputSchema does not compile/);
    const badPath = {
      ...notesApi,
      tools: [{ ...first, response: { ...first.response, redact: ['$.[bad'] } }],
    };
    expect(() => buildToolRegistry(badPath)).toThrow(/archive_note: invalid response.redact JSONPath/);
  });

  it('accepts schemas that declare another dialect or an $id', () => {
    const [first] = notesApi.tools;
    if (first === undefined) throw new Error('fixture has tools');
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:x', type: 'object' };
    const api = {
      ...notesApi,
      tools: [
        first,
        { ...first, name: 'second', inputSchema: schema },
        { ...first, name: 'third', inputSchema: schema },
      ],
    };
    expect(buildToolRegistry(api).entries.size).toBe(3);
  });
});
