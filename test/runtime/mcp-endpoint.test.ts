/**
 * End to end: the real SDK v2 client, pinned to each protocol revision in turn, against the
 * runtime serving the notes fixture, which calls a recording Fastify upstream.
 */
import { ProtocolError } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition, ToolDefinition } from '../../runtime/define-tool.js';
import { RUNTIME_VERSION } from '../../runtime/version.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { type ConnectedClient, connectClient, type Revision } from './connect-client.js';
import { NOTES, type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

const TIMEOUT_MS = 600;

/** The fixture with a short timeout and a tiny byte cap on search_notes, for the cap tests. */
function buildTestApi(): ApiDefinition {
  const tools = notesApi.tools.map(
    (tool): ToolDefinition =>
      tool.name === 'search_notes' ? { ...tool, response: { ...tool.response, maxBytes: 16 } } : tool,
  );
  return { ...notesApi, upstream: { ...notesApi.upstream, timeoutMs: TIMEOUT_MS }, tools };
}

function textOf(result: { content?: unknown }): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

let upstream: NotesUpstream;
let app: FastifyInstance;
let mcpUrl: string;

beforeAll(async () => {
  upstream = await startNotesUpstream();
  app = await buildServer({
    api: buildTestApi(),
    upstreamUrl: `${upstream.url}/v1`,
    upstreamCredential: 'notes-service-key',
    retryBackoffMs: 5,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  mcpUrl = `${address}/mcp`;
});

afterAll(async () => {
  await app.close();
  await upstream.close();
});

describe.each<{ revision: Revision }>([{ revision: '2025-11-25' }, { revision: '2026-07-28' }])(
  'MCP over $revision',
  ({ revision }) => {
    let connected: ConnectedClient;

    beforeEach(async () => {
      upstream.requests.length = 0;
      upstream.respond = undefined;
      connected = await connectClient(mcpUrl, revision);
    });

    afterEach(async () => {
      await connected.close();
    });

    it('negotiates exactly this revision', () => {
      expect(connected.client.getNegotiatedProtocolVersion()).toBe(revision);
      expect(connected.transport.protocolVersion).toBe(revision);
      expect(connected.client.getProtocolEra()).toBe(revision === '2025-11-25' ? 'legacy' : 'modern');
      expect(connected.client.getInstructions()).toBe(notesApi.server.instructions);
      expect(connected.client.getServerCapabilities()).toMatchObject({
        tools: { listChanged: false },
        prompts: { listChanged: false },
      });
    });

    it('lists every tool with title, annotations and schemas', async () => {
      const { tools } = await connected.client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual([
        'archive_note',
        'create_note',
        'delete_note',
        'get_note',
        'list_notes',
        'search_notes',
      ]);
      const deleteNote = tools.find((tool) => tool.name === 'delete_note');
      expect(deleteNote).toMatchObject({
        title: 'Delete a note',
        annotations: {
          title: 'Delete a note',
          readOnlyHint: false,
          destructiveHint: true,
          idempotentHint: true,
          openWorldHint: false,
        },
        inputSchema: { type: 'object', required: ['note_id'] },
      });
      expect(deleteNote?.outputSchema).toBeUndefined();
      const getNote = tools.find((tool) => tool.name === 'get_note');
      expect(getNote?.outputSchema).toMatchObject({ type: 'object', required: ['id', 'title'] });
    });

    it('an array outputSchema is wrapped as {result} for 2025 clients and left as is for 2026', async () => {
      const { tools } = await connected.client.listTools();
      const listNotes = tools.find((tool) => tool.name === 'list_notes');
      if (revision === '2025-11-25') {
        expect(listNotes?.outputSchema).toMatchObject({
          type: 'object',
          properties: { result: { type: 'array' } },
          required: ['result'],
        });
      } else {
        expect(listNotes?.outputSchema).toMatchObject({ type: 'array' });
      }
    });

    it('list_notes: array structuredContent (wrapped on 2025), capped at maxItems with a paging note', async () => {
      const result = await connected.client.callTool({ name: 'list_notes', arguments: { limit: 10 } });
      expect(result.isError).toBeFalsy();
      const firstFive = NOTES.slice(0, 5);
      if (revision === '2025-11-25') expect(result.structuredContent).toEqual({ result: firstFive });
      else expect(result.structuredContent).toEqual(firstFive);
      const [json, note] = (result.content ?? []) as { text: string }[];
      expect(JSON.parse(json?.text ?? '')).toEqual(firstFive);
      expect(note?.text).toContain('Showing 5 of 8 items');
      expect(note?.text).toContain('"cursor"');
      expect(upstream.requests[0]?.url).toBe('/v1/notes?limit=10');
    });

    it('get_note: structuredContent + compact JSON text, credential and User-Agent sent upstream', async () => {
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_2' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual(NOTES[1]);
      expect(textOf(result)).toBe(JSON.stringify(NOTES[1]));
      const sent = upstream.requests[0];
      expect(sent?.url).toBe('/v1/notes/n_2');
      expect(sent?.headers['x-api-key']).toBe('notes-service-key');
      expect(sent?.headers['user-agent']).toBe(`spec2mcp/${RUNTIME_VERSION}`);
      expect(sent?.headers['accept']).toBe('application/json');
    });

    it('redacts JSONPath matches and credential-looking keys', async () => {
      upstream.respond = () => ({
        status: 200,
        body: {
          id: 'n_1',
          title: 'Secret note',
          internal: { shard: 7 },
          shares: [{ user: 'ann', link: 'https://share/1' }],
          owner: { name: 'ann', api_key: 'sk_live_123', accessToken: 'at', next_page_token: 'keep-me' },
        },
      });
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
      expect(result.structuredContent).toEqual({
        id: 'n_1',
        title: 'Secret note',
        shares: [{ user: 'ann' }],
        owner: { name: 'ann', api_key: '[REDACTED]', accessToken: '[REDACTED]', next_page_token: 'keep-me' },
      });
      expect(textOf(result)).not.toContain('sk_live_123');
    });

    it('create_note: JSON body from the mapped arguments, Idempotency-Key header, key not in the body', async () => {
      const result = await connected.client.callTool({
        name: 'create_note',
        arguments: { title: 'Groceries', tags: ['home'], idempotency_key: `create-0001-${revision}` },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ id: 'n_new', title: 'Groceries' });
      const sent = upstream.requests[0];
      expect(sent?.method).toBe('POST');
      expect(sent?.headers['idempotency-key']).toBe(`create-0001-${revision}`);
      expect(sent?.headers['content-type']).toBe('application/json');
      // The body default ('') is the API's to apply: not sent when the model did not pass it.
      expect(JSON.parse(sent?.body ?? '')).toEqual({ title: 'Groceries', tags: ['home'] });
    });

    it('archive_note: hidden query parameter and hidden body property are sent', async () => {
      await connected.client.callTool({
        name: 'archive_note',
        arguments: { note_id: 'n_3', reason: 'done' },
      });
      const sent = upstream.requests[0];
      expect(sent?.url).toBe('/v1/notes/n_3/archive?notify=false');
      expect(JSON.parse(sent?.body ?? '')).toEqual({ reason: 'done', source: 'mcp' });
    });

    it('search_notes: query array (form, explode false) and a text answer cut at maxBytes', async () => {
      const result = await connected.client.callTool({
        name: 'search_notes',
        arguments: { query: 'note one', tags: ['work', 'a,b'] },
      });
      expect(upstream.requests[0]?.url).toBe('/v1/search?q=note%20one&tags=work,a%2Cb');
      expect(result.isError).toBeFalsy();
      const [text, note] = (result.content ?? []) as { text: string }[];
      expect(text?.text).toBe('n_1: Note 1\nn_3:');
      expect(note?.text).toContain('cut at 16 bytes');
      expect(note?.text).toContain('Narrow the request');
    });

    it('delete_note: 204 becomes a short confirmation', async () => {
      const result = await connected.client.callTool({ name: 'delete_note', arguments: { note_id: 'n_1' } });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe('Done (HTTP 204, no content).');
      expect(upstream.requests[0]?.method).toBe('DELETE');
    });

    it('an invalid argument is an isError result naming the argument and the rule', async () => {
      const result = await connected.client.callTool({ name: 'list_notes', arguments: { limit: 500 } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(
        'Invalid arguments for list_notes: "limit" must be <= 100 (maximum). ' +
          "Fix this argument (see the tool's input schema) and call list_notes again.",
      );
      const missing = await connected.client.callTool({ name: 'create_note', arguments: { title: 'x' } });
      expect(textOf(missing)).toMatch(
        /^create_note needs an "idempotency_key" argument because it changes data\. Make one by generating a new random string/,
      );
      expect(upstream.requests).toHaveLength(0);
    });

    it('an unknown tool is a JSON-RPC invalid params error', async () => {
      const call = connected.client.callTool({ name: 'no_such_tool', arguments: {} });
      await expect(call).rejects.toBeInstanceOf(ProtocolError);
      await expect(call).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining('no_such_tool'),
      });
    });

    it('upstream 404: status, the platform message and what to do next', async () => {
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_404' } });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(result._meta).toMatchObject({ status: 404 });
      expect(textOf(result)).toBe(
        'get_note failed: the platform answered HTTP 404 Not Found: "Note n_404 not found". ' +
          'Check the id you passed. Call list_notes first to find a valid one.',
      );
    });

    it('upstream 500 on a write: message, and a warning that it may have been applied', async () => {
      upstream.respond = () => ({
        status: 500,
        body: { title: 'Internal Server Error', detail: 'database is down' },
      });
      const result = await connected.client.callTool({ name: 'archive_note', arguments: { note_id: 'n_1' } });
      expect(result.isError).toBe(true);
      expect(result._meta).toMatchObject({ status: 500 });
      expect(textOf(result)).toContain(
        'HTTP 500 Internal Server Error: "Internal Server Error: database is down"',
      );
      expect(textOf(result)).toContain('may or may not have been applied');
      expect(upstream.requests).toHaveLength(1);
    });

    it('upstream 429: says when to retry from Retry-After', async () => {
      upstream.respond = () => ({
        status: 429,
        headers: { 'retry-after': '17' },
        body: { message: 'Slow down' },
      });
      const result = await connected.client.callTool({ name: 'list_notes', arguments: {} });
      expect(textOf(result)).toContain(
        'HTTP 429 Too Many Requests: "Slow down". Rate limited: retry after 17 seconds.',
      );
    });

    it('a platform that never answers: isError after the timeout, safe to retry a GET', async () => {
      upstream.respond = () => 'hang';
      const started = Date.now();
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(
        `get_note failed: the platform did not answer within ${TIMEOUT_MS} ms. ` +
          'It is safe to retry (the operation is idempotent); wait a moment first.',
      );
      // Timeouts are not retried: the platform is slow, more load does not help.
      expect(upstream.requests).toHaveLength(1);
    });

    it('retries a GET on 503 and succeeds', async () => {
      let calls = 0;
      upstream.respond = () => (++calls <= 2 ? { status: 503, body: { message: 'busy' } } : undefined);
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
      expect(result.isError).toBeFalsy();
      expect(upstream.requests).toHaveLength(3);
    });

    it('does not retry a POST on 503 without an idempotency key, retries it with one', async () => {
      upstream.respond = () => ({ status: 503, body: { message: 'busy' } });
      const withoutKey = await connected.client.callTool({
        name: 'archive_note',
        arguments: { note_id: 'n_1' },
      });
      expect(withoutKey.isError).toBe(true);
      expect(upstream.requests).toHaveLength(1);

      upstream.requests.length = 0;
      let calls = 0;
      upstream.respond = () => (++calls === 1 ? { status: 503, body: { message: 'busy' } } : undefined);
      const withKey = await connected.client.callTool({
        name: 'archive_note',
        arguments: { note_id: 'n_1', idempotency_key: `archive-0001-${revision}` },
      });
      expect(withKey.isError).toBeFalsy();
      expect(upstream.requests.map((request) => request.headers['idempotency-key'])).toEqual([
        `archive-0001-${revision}`,
        `archive-0001-${revision}`,
      ]);
    });

    it('a JSON answer over maxBytes stops reading and says how to narrow (isError: outputSchema declared)', async () => {
      const big = { id: 'n_1', title: 'Big', body: 'x'.repeat(2_000_000) };
      upstream.respond = () => ({ status: 200, body: big });
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      const [partial, note] = (result.content ?? []) as { text: string }[];
      expect(partial?.text.length).toBe(900_000);
      expect(note?.text).toBe(
        'The response was cut at 900000 bytes because the platform sent more. ' +
          'Narrow the request: use filter arguments, or fetch a single item by its id.',
      );
    });

    it('an answer that does not match the outputSchema is returned as text only', async () => {
      upstream.respond = () => ({ status: 200, body: { id: 42 } });
      const result = await connected.client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
      expect(result.structuredContent).toBeUndefined();
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('"id":42');
      expect(textOf(result)).toContain("does not match this tool's declared output schema");
    });

    it('prompts: list, render with arguments, invalid params naming a missing argument', async () => {
      const { prompts } = await connected.client.listPrompts();
      expect(prompts).toEqual([
        {
          name: 'weekly_review',
          title: 'Weekly review',
          description: 'Review the notes with one tag.',
          arguments: [
            { name: 'tag', description: 'Tag to review', required: true },
            { name: 'days', description: 'How many days back', required: false },
          ],
        },
      ]);
      const rendered = await connected.client.getPrompt({
        name: 'weekly_review',
        arguments: { tag: 'work', days: '7' },
      });
      expect(rendered.messages).toEqual([
        {
          role: 'user',
          content: {
            type: 'text',
            text: 'Review the notes tagged work from the last 7 days & summarise them.',
          },
        },
      ]);
      const missing = connected.client.getPrompt({ name: 'weekly_review', arguments: {} });
      await expect(missing).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('tag') });
    });
  },
);
