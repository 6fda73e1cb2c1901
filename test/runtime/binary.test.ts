/**
 * Bytes in and out of a tool call, through executeTool against a recording upstream: binary and
 * text answers as MCP content, empty and non-JSON error answers, and file arguments given as
 * base64 or as a URL the runtime downloads (http/https only, size-capped, with a timeout).
 */
import { Pool } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fileArgumentSchema } from '../../generator/ir/build-input.js';
import { defineApi, defineTool, type ToolDefinition } from '../../runtime/define-tool.js';
import { executeTool, type ToolCallContext } from '../../runtime/mcp/execute-tool.js';
import { buildToolRegistry, type ToolRegistry } from '../../runtime/mcp/tool-registry.js';
import { NO_CREDENTIAL } from '../../runtime/upstream/resolve-credential.js';
import {
  parseMultipart,
  type RecordingUpstream,
  type ScriptedAnswer,
  startRecordingUpstream,
} from '../fixtures/schemas/recording-upstream.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3]);

const read = (name: string, path: string, responseMediaType?: string, maxBytes = 10_000): ToolDefinition =>
  defineTool({
    name,
    title: name,
    description: name,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    scopes: [],
    idempotency: 'none',
    toolsets: [],
    http: { method: 'get', path, params: [], ...(responseMediaType !== undefined && { responseMediaType }) },
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    response: { redact: [], maxBytes, maxItems: 10 },
  });

const upload = defineTool({
  name: 'upload_file',
  title: 'Upload a file',
  description: 'Upload a file',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: [],
  idempotency: 'none',
  toolsets: [],
  http: {
    method: 'post',
    path: '/upload',
    params: [],
    body: {
      mediaType: 'multipart/form-data',
      required: true,
      mode: 'properties',
      properties: [
        { argument: 'file', property: 'file' },
        { argument: 'purpose', property: 'purpose' },
      ],
      files: ['file'],
    },
    responseMediaType: 'application/json',
  },
  inputSchema: {
    type: 'object',
    properties: { file: fileArgumentSchema('The file.'), purpose: { type: 'string' } },
    required: ['file'],
    additionalProperties: false,
  },
  response: { redact: [], maxBytes: 10_000, maxItems: 10 },
});

const api = defineApi({
  id: 'bytes',
  title: 'Bytes',
  version: '1',
  server: { name: 'bytes', title: 'Bytes', version: '1' },
  servers: [],
  securitySchemes: [],
  upstream: { timeoutMs: 500, retries: 0, forwardIdempotencyKey: false },
  scopes: { definitions: [], read: [], write: [] },
  extensions: {},
  prompts: [],
  tools: [
    read('get_avatar', '/avatar', 'image/png'),
    read('get_voice', '/voice', 'audio/mpeg'),
    read('get_report', '/report', 'application/pdf'),
    read('get_big_report', '/report', 'application/pdf', 8),
    read('get_csv', '/csv', 'text/csv'),
    read('get_thing', '/thing', 'application/json'),
    {
      ...read('get_policy', '/policy', 'application/json'),
      outputSchema: { type: 'object', properties: { policy: { type: 'string' } } },
    },
    { ...read('get_item', '/item', 'application/json'), outputSchema: { type: 'object', required: ['id'] } },
    upload,
  ],
});

let upstream: RecordingUpstream;
let registry: ToolRegistry;
let pool: Pool;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  registry = buildToolRegistry(api);
  pool = new Pool(upstream.url);
});
afterAll(async () => {
  await pool.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

function call(name: string, args: Record<string, unknown> = {}, extra: Partial<ToolCallContext> = {}) {
  const entry = registry.entries.get(name);
  if (!entry) throw new Error(name);
  return executeTool(entry, args, {
    dispatcher: pool,
    baseUrl: `${upstream.url}/v1?sig=secret`,
    credential: NO_CREDENTIAL,
    upstream: api.upstream,
    userAgent: 'test',
    ...extra,
  });
}

describe('answers as MCP content', () => {
  it.each([
    {
      given: 'image/png -> image content',
      tool: 'get_avatar',
      answer: { status: 200, headers: { 'content-type': 'image/png' }, body: PNG },
      want: { content: [{ type: 'image', mimeType: 'image/png', data: PNG.toString('base64') }] },
    },
    {
      given: 'audio/mpeg -> audio content',
      tool: 'get_voice',
      answer: { status: 200, headers: { 'content-type': 'audio/mpeg' }, body: PNG },
      want: { content: [{ type: 'audio', mimeType: 'audio/mpeg', data: PNG.toString('base64') }] },
    },
    {
      given: 'application/pdf -> an embedded resource blob, its URI without the query',
      tool: 'get_report',
      answer: { status: 200, headers: { 'content-type': 'application/pdf' }, body: PNG },
      want: {
        content: [
          {
            type: 'resource',
            resource: {
              uri: `${'UPSTREAM'}/v1/report`,
              mimeType: 'application/pdf',
              blob: PNG.toString('base64'),
            },
          },
        ],
      },
    },
    {
      given: 'text/csv -> text content',
      tool: 'get_csv',
      answer: { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: 'a,b\n1,2\n' },
      want: { content: [{ type: 'text', text: 'a,b\n1,2\n' }] },
    },
    {
      given: '204 -> a short confirmation',
      tool: 'get_thing',
      answer: { status: 204 },
      want: { content: [{ type: 'text', text: 'Done (HTTP 204, no content).' }] },
    },
    {
      // Vault documents 200/204 JSON that may not come: a client requires structuredContent here.
      given: '204 from a tool with an outputSchema that admits {} -> structuredContent {}',
      tool: 'get_policy',
      answer: { status: 204 },
      want: { content: [{ type: 'text', text: 'Done (HTTP 204, no content).' }], structuredContent: {} },
    },
    {
      given: '204 from a tool whose outputSchema needs a body -> isError, not a result the client rejects',
      tool: 'get_item',
      answer: { status: 204 },
      want: {
        isError: true,
        content: [
          {
            type: 'text',
            text: "Done (HTTP 204, no content). The platform sent no body, although this tool's output schema describes one.",
          },
        ],
      },
    },
  ])('$given', async ({ tool, answer, want }) => {
    upstream.respond = () => answer;
    const result = await call(tool);
    expect(JSON.parse(JSON.stringify(result).replaceAll(upstream.url, 'UPSTREAM'))).toEqual(want);
    expect(upstream.requests[0]?.headers['accept']).toBe(
      api.tools.find((t) => t.name === tool)?.http.responseMediaType,
    );
  });

  it('binary over the byte cap is an error, not half a file', async () => {
    upstream.respond = () => ({ status: 200, headers: { 'content-type': 'application/pdf' }, body: PNG });
    const result = await call('get_big_report');
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('larger than 8 bytes');
  });

  it.each([
    {
      given: 'a plain-text error body is quoted',
      answer: { status: 503, headers: { 'content-type': 'text/plain' }, body: 'upstream connect error' },
      want: /HTTP 503 Service Unavailable: "upstream connect error"/,
    },
    {
      given: 'an HTML error page is not quoted',
      answer: {
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html><body>Bad gateway</body></html>',
      },
      want: /HTTP 502 Bad Gateway\. /,
    },
  ])('non-2xx, non-JSON: $given', async ({ answer, want }) => {
    upstream.respond = () => answer;
    const result = await call('get_thing');
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toMatch(want);
  });
});

describe('file arguments', () => {
  const lastUpload = () => {
    const request = upstream.requests.find((r) => r.url === '/v1/upload?sig=secret');
    if (!request) throw new Error('no upload');
    return parseMultipart(request.headers['content-type'], request.body);
  };

  it('base64 content: decoded and sent as a file part', async () => {
    upstream.respond = () => ({ status: 200, body: { id: 'file_1' } });
    const result = await call('upload_file', {
      file: { content_base64: PNG.toString('base64'), filename: 'cat.png', content_type: 'image/png' },
      purpose: 'vision',
    });
    expect(result.isError).toBeUndefined();
    expect(lastUpload()).toEqual([
      { name: 'purpose', data: Buffer.from('vision') },
      { name: 'file', filename: 'cat.png', contentType: 'image/png', data: PNG },
    ]);
  });

  it('a URL: downloaded (redirects followed), name from the URL, type from the download', async () => {
    upstream.respond = (request): ScriptedAnswer => {
      if (request.url === '/old/cat.png')
        return { status: 302, headers: { location: '/files/cat.png?token=t' } };
      if (request.url.startsWith('/files/cat.png')) {
        return { status: 200, headers: { 'content-type': 'image/png' }, body: PNG };
      }
      return { status: 200, body: { id: 'file_2' } };
    };
    const result = await call('upload_file', { file: { url: `${upstream.url}/old/cat.png` } });
    expect(result.isError).toBeUndefined();
    expect(upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /old/cat.png',
      'GET /files/cat.png?token=t',
      'POST /v1/upload?sig=secret',
    ]);
    expect(lastUpload()).toEqual([
      { name: 'file', filename: 'cat.png', contentType: 'image/png', data: PNG },
    ]);
  });

  it('a URL with a Content-Disposition filename and an explicit content_type', async () => {
    upstream.respond = (request) =>
      request.method === 'GET'
        ? {
            status: 200,
            headers: {
              'content-type': 'application/octet-stream',
              'content-disposition': 'attachment; filename="r 1.pdf"',
            },
            body: PNG,
          }
        : { status: 200, body: {} };
    await call('upload_file', { file: { url: `${upstream.url}/dl?id=9`, content_type: 'application/pdf' } });
    expect(lastUpload()).toEqual([
      { name: 'file', filename: 'r 1.pdf', contentType: 'application/pdf', data: PNG },
    ]);
  });

  it.each([
    {
      given: 'not http(s)',
      file: { url: 'ftp://example.com/a.png' },
      answer: { status: 200 },
      want: /"file.url" must be an http or https URL \(got ftp:\)/,
    },
    {
      given: 'a 404',
      file: { url: 'UPSTREAM/missing.png?token=secret' },
      answer: { status: 404, body: 'nope' },
      want: /Could not download "file" from http:\/\/127\.0\.0\.1:\d+\/missing\.png: HTTP 404\./,
    },
    {
      given: 'larger than the cap',
      file: { url: 'UPSTREAM/big.bin' },
      answer: { status: 200, body: Buffer.alloc(64) },
      want: /"file" is larger than the 32-byte limit/,
    },
    {
      given: 'base64 larger than the cap',
      file: { content_base64: Buffer.alloc(64).toString('base64') },
      answer: { status: 200 },
      want: /"file" is larger than the 32-byte limit/,
    },
    {
      given: 'no answer in time',
      file: { url: 'UPSTREAM/slow.png' },
      answer: { status: 200, body: 'late', delayMs: 1500 },
      want: /no answer within 500 ms/,
    },
    {
      given: 'both url and content (the schema allows exactly one)',
      file: { url: 'UPSTREAM/a.png', content_base64: 'AA==' },
      answer: { status: 200 },
      want: /file/,
    },
  ])('$given -> an isError result, nothing uploaded', async ({ file, answer, want }) => {
    upstream.respond = () => answer;
    const url = typeof file.url === 'string' ? file.url.replace('UPSTREAM', upstream.url) : undefined;
    const result = await call(
      'upload_file',
      { file: { ...file, ...(url && { url }) } },
      { fileMaxBytes: 32 },
    );
    expect(result.isError).toBe(true);
    const text = (result.content[0] as { text: string }).text;
    expect(text).toMatch(want);
    expect(text).not.toContain('secret');
    expect(upstream.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});
