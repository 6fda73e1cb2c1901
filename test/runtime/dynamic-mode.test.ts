/**
 * Dynamic mode end to end: the SDK v2 client on each protocol revision sees three meta-tools and
 * runs the search -> describe -> call loop against the notes fixture. A second server in `all`
 * mode is the reference: describe_tool must show what its tools/list shows, and call_tool must
 * answer what a direct tools/call answers.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { createSchemaCompiler } from '../../runtime/mcp/tool-registry.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { type ConnectedClient, connectClient, type Revision } from './connect-client.js';
import { NOTES, type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

const REVISIONS: { revision: Revision }[] = [{ revision: '2025-11-25' }, { revision: '2026-07-28' }];

/** The fixture with search_notes renamed to search_tools: an API tool named like a meta-tool. */
const collidingApi: ApiDefinition = {
  ...notesApi,
  tools: notesApi.tools.map((tool) =>
    tool.name === 'search_notes' ? { ...tool, name: 'search_tools' } : tool,
  ),
};

function textOf(result: { content?: unknown }): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

let upstream: NotesUpstream;
const ajv = createSchemaCompiler();
const compile = vi.spyOn(ajv, 'compile');
const servers: Record<'dynamic' | 'all' | 'colliding', { app?: FastifyInstance; url: string }> = {
  dynamic: { url: '' },
  all: { url: '' },
  colliding: { url: '' },
};

beforeAll(async () => {
  upstream = await startNotesUpstream();
  const variants = [
    ['dynamic', notesApi, 'dynamic'],
    ['all', notesApi, 'all'],
    ['colliding', collidingApi, 'dynamic'],
  ] as const;
  for (const [key, api, toolMode] of variants) {
    const app = await buildServer({
      api,
      toolMode,
      upstreamUrl: `${upstream.url}/v1`,
      upstreamCredential: 'notes-service-key',
      ...(key === 'dynamic' && { schemaCompiler: ajv }),
    });
    servers[key] = { app, url: `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp` };
  }
});

afterAll(async () => {
  for (const { app } of Object.values(servers)) await app?.close();
  await upstream.close();
});

describe.each(REVISIONS)('dynamic mode over $revision', ({ revision }) => {
  let dynamic: ConnectedClient;
  let all: ConnectedClient;

  beforeEach(async () => {
    upstream.requests.length = 0;
    dynamic = await connectClient(servers.dynamic.url, revision);
    all = await connectClient(servers.all.url, revision);
  });

  afterEach(async () => {
    await dynamic.close();
    await all.close();
  });

  it('lists exactly the three meta-tools, with schemas and hints', async () => {
    const { tools } = await dynamic.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['search_tools', 'describe_tool', 'call_tool']);
    const [search, describeTool, call] = tools;
    expect(search).toMatchObject({
      title: 'Search tools',
      inputSchema: {
        type: 'object',
        required: ['query'],
        properties: { limit: { minimum: 1, maximum: 20 } },
      },
      outputSchema: { type: 'object', required: ['matched', 'results'] },
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    });
    expect(search?.description).toContain('6 tools of Notes');
    expect(search?.description).toContain('Toolsets: notes, search.');
    expect(describeTool).toMatchObject({
      inputSchema: { required: ['name'] },
      outputSchema: { required: ['name', 'title', 'description', 'inputSchema', 'annotations'] },
      annotations: { readOnlyHint: true },
    });
    // call_tool reaches delete_note, so it is a destructive write; it declares no outputSchema
    // because its result is the target's, which may be text only.
    expect(call?.annotations).toEqual({
      title: 'Call a tool',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: false,
    });
    expect(call?.outputSchema).toBeUndefined();
    expect(call?.description).toContain('show the user which tool is being called');
  });

  it('teaches the loop in the server instructions, after the API instructions', () => {
    const instructions = dynamic.client.getInstructions() ?? '';
    expect(instructions.startsWith(notesApi.server.instructions ?? '-')).toBe(true);
    expect(instructions).toContain(
      "This server's 6 tools are not listed individually. Find one with search_tools",
    );
  });

  it('search_tools ranks the right tool first and shows what is needed to pick it', async () => {
    const result = await dynamic.client.callTool({
      name: 'search_tools',
      arguments: { query: 'delete a note' },
    });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { matched: number; results: { name: string }[] };
    expect(structured.results[0]).toEqual({
      name: 'delete_note',
      title: 'Delete a note',
      description: expect.any(String),
      access: 'write',
      requiredArguments: ['note_id'],
    });
    expect(structured.results).toHaveLength(Math.min(8, structured.matched));
    expect(JSON.parse(textOf(result))).toEqual(structured);
  });

  it.each([
    { given: 'a limit', args: { query: 'note', limit: 2 }, want: 2 },
    { given: 'no match', args: { query: 'kubernetes pods' }, want: 0 },
  ])('search_tools with $given', async ({ args, want }) => {
    const result = await dynamic.client.callTool({ name: 'search_tools', arguments: args });
    expect((result.structuredContent as { results: unknown[] }).results).toHaveLength(want);
    if (want === 0) expect(textOf(result)).toContain('No tool matches "kubernetes pods"');
  });

  it.each([
    {
      given: 'a limit above 20',
      name: 'search_tools',
      args: { query: 'note', limit: 21 },
      want: 'Invalid arguments for search_tools: "limit" must be <= 20 (maximum).',
    },
    {
      given: 'no query',
      name: 'search_tools',
      args: {},
      want: 'Invalid arguments for search_tools: "query" is required (required).',
    },
    {
      given: 'an unknown argument',
      name: 'describe_tool',
      args: { name: 'get_note', verbose: true },
      want: 'Invalid arguments for describe_tool: "verbose" is not a known argument (additionalProperties).',
    },
    {
      given: 'arguments that are not an object',
      name: 'call_tool',
      args: { name: 'get_note', arguments: 'n_1' },
      want: 'Invalid arguments for call_tool: "arguments" must be object (type).',
    },
  ])('a meta-tool given $given answers isError', async ({ name, args, want }) => {
    const result = await dynamic.client.callTool({ name, arguments: args });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(want);
  });

  it.each([{ tool: 'get_note' }, { tool: 'list_notes' }, { tool: 'delete_note' }])(
    'describe_tool $tool shows what tools/list in all mode shows',
    async ({ tool }) => {
      const { tools } = await all.client.listTools();
      const listed = tools.find((candidate) => candidate.name === tool);
      const result = await dynamic.client.callTool({ name: 'describe_tool', arguments: { name: tool } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual(listed);
      expect(JSON.parse(textOf(result))).toEqual(listed);
    },
  );

  it('describe_tool of an unknown name suggests the closest names', async () => {
    const result = await dynamic.client.callTool({
      name: 'describe_tool',
      arguments: { name: 'note_delete' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^There is no tool named "note_delete"\. Closest names: delete_note, /);
  });

  it.each([
    { given: 'a read with an object result', name: 'get_note', args: { note_id: 'n_2' } },
    { given: 'a list (array result, capped)', name: 'list_notes', args: { limit: 10 } },
    { given: 'a write', name: 'create_note', args: { title: 'Groceries', idempotency_key: 'dyn-0001' } },
    { given: 'a 204 answer', name: 'delete_note', args: { note_id: 'n_1' } },
    { given: 'a text answer', name: 'search_notes', args: { query: 'note' } },
    { given: 'invalid arguments', name: 'get_note', args: { note_id: 7 } },
    { given: 'an upstream 404', name: 'get_note', args: { note_id: 'missing' } },
  ])('call_tool with $given answers exactly like a direct call', async ({ name, args: given }) => {
    // A fresh key per run: the same key again would be (correctly) answered as a replay.
    const args = 'idempotency_key' in given ? { ...given, idempotency_key: randomUUID() } : given;
    const direct = await all.client.callTool({ name, arguments: args });
    const requestsOfDirectCall = upstream.requests.splice(0);
    const viaMeta = await dynamic.client.callTool({
      name: 'call_tool',
      arguments: { name, arguments: args },
    });
    expect(viaMeta).toEqual(direct);
    expect(upstream.requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual(
      requestsOfDirectCall.map(({ method, url, body }) => ({ method, url, body })),
    );
  });

  it('call_tool without arguments validates an empty object', async () => {
    const result = await dynamic.client.callTool({ name: 'call_tool', arguments: { name: 'get_note' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Invalid arguments for get_note: "note_id" is required (required).');
  });

  it.each([
    {
      given: 'an unknown tool',
      name: 'get_notes',
      want: /^There is no tool named "get_notes"\. Closest names: get_note/,
    },
    {
      given: 'a meta-tool name',
      name: 'search_tools',
      want: /^There is no tool named "search_tools"\. search_tools is a meta-tool: call it directly\./,
    },
  ])('call_tool of $given is an isError result', async ({ name, want }) => {
    const result = await dynamic.client.callTool({ name: 'call_tool', arguments: { name, arguments: {} } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(want);
    expect(upstream.requests).toEqual([]);
  });

  it('an unlisted API tool called directly still runs', async () => {
    const result = await dynamic.client.callTool({ name: 'get_note', arguments: { note_id: 'n_3' } });
    expect(result.structuredContent).toEqual(NOTES[2]);
  });
});

describe.each(REVISIONS)('an API tool named like a meta-tool, over $revision', ({ revision }) => {
  let client: ConnectedClient;

  beforeEach(async () => {
    upstream.requests.length = 0;
    client = await connectClient(servers.colliding.url, revision);
  });

  afterEach(async () => {
    await client.close();
  });

  it('tools/call search_tools is the meta-tool; call_tool reaches the API tool', async () => {
    const meta = await client.client.callTool({ name: 'search_tools', arguments: { query: 'archive' } });
    expect((meta.structuredContent as { results: { name: string }[] }).results[0]?.name).toBe('archive_note');
    expect(upstream.requests).toEqual([]);

    const api = await client.client.callTool({
      name: 'call_tool',
      arguments: { name: 'search_tools', arguments: { query: 'work' } },
    });
    expect(api.isError).toBeFalsy();
    expect(textOf(api)).toContain('n_1: Note 1');
    expect(upstream.requests.map((request) => request.url)).toEqual(['/v1/search?q=work']);
  });

  it('search_tools finds the API tool too', async () => {
    const result = await client.client.callTool({
      name: 'search_tools',
      arguments: { query: 'search notes' },
    });
    expect((result.structuredContent as { results: { name: string }[] }).results[0]?.name).toBe(
      'search_tools',
    );
  });
});

describe('startup work', () => {
  it('compiles the meta-tools once at startup, nothing per request', async () => {
    const atStartup = compile.mock.calls.length;
    const connected = await connectClient(servers.dynamic.url, '2026-07-28');
    await connected.client.listTools();
    await connected.client.callTool({ name: 'search_tools', arguments: { query: 'note' } });
    await connected.client.callTool({ name: 'call_tool', arguments: { name: 'get_note', arguments: {} } });
    await connected.close();
    expect(compile.mock.calls.length).toBe(atStartup);
    // The three meta-tool input schemas were compiled alongside the API's schemas.
    const compiledSchemas = compile.mock.calls.map(([schema]) => JSON.stringify(schema));
    expect(
      compiledSchemas.filter((schema) => schema.includes('"query"') && schema.includes('"limit"')),
    ).toHaveLength(1);
  });
});
