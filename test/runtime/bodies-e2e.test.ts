/**
 * Request bodies end to end on real-world documents: generate tool modules from the corpus (with
 * small overlays to pick operations), serve them with the runtime in front of a recording upstream,
 * call the tools with the SDK v2 client, and check the bytes the upstream received.
 *
 *   uspto-3.0            form-urlencoded search
 *   swagger-petstore-v3  octet-stream image upload; a form body (JSON/XML alternatives removed)
 *   openai               multipart file uploads, by base64 and by URL
 *   box                  multipart uploads: a JSON `attributes` part before the file, by URL
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate } from '../../generator/generate.js';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';
import {
  parseMultipart,
  type RecordingUpstream,
  type ScriptedAnswer,
  startRecordingUpstream,
} from '../fixtures/schemas/recording-upstream.js';
import { requireCorpus } from '../load/helpers.js';
import { type ConnectedClient, connectClient, type Revision } from './connect-client.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const overlays = path.join(repo, 'test/fixtures/schemas/e2e');
const corpus = requireCorpus('openapi');

interface Case {
  readonly spec: string;
  readonly overlay?: string;
  /** The base path of the document's server, which the mock upstream serves under. */
  readonly basePath: string;
}
const CASES = {
  uspto: { spec: 'uspto-3.0.json', basePath: '/ds-api' },
  petstore: { spec: 'swagger-petstore-v3.yaml', overlay: 'petstore-form.overlay.yaml', basePath: '/api/v3' },
  openai: { spec: 'openai-openapi.yaml', overlay: 'openai-files.overlay.yaml', basePath: '/v1' },
  box: { spec: 'box-openapi.json', overlay: 'box-uploads.overlay.yaml', basePath: '/2.0' },
} satisfies Record<string, Case>;
type CaseId = keyof typeof CASES;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xde, 0xad, 0xbe, 0xef]);
const JSONL = Buffer.from('{"custom_id":"1","method":"POST","url":"/v1/chat/completions"}\n');

let upstream: RecordingUpstream;
const apis = {} as Record<CaseId, ApiDefinition>;
const servers: FastifyInstance[] = [];
const mcpUrls = {} as Record<CaseId, string>;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  for (const [id, c] of Object.entries(CASES) as [CaseId, Case][]) {
    const outDir = path.join(repo, '.tmp-schemas', `e2e-${id}`);
    const result = await generate({
      specPath: path.join(corpus, c.spec),
      outDir,
      cwd: repo,
      ...(c.overlay !== undefined && { overlays: [path.join(overlays, c.overlay)] }),
    });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors, `${c.spec}`).toEqual([]);
    apis[id] = await loadApi(outDir);
    const app = await buildServer({ api: apis[id], upstreamUrl: `${upstream.url}${c.basePath}` });
    servers.push(app);
    mcpUrls[id] = `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  }
}, 120_000);

afterAll(async () => {
  for (const app of servers) await app.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
  upstream.respond = (request): ScriptedAnswer => {
    if (request.url.startsWith('/downloads/cat.png')) {
      return { status: 200, headers: { 'content-type': 'image/png' }, body: PNG };
    }
    if (request.url.startsWith('/downloads/batch.jsonl')) {
      return { status: 200, headers: { 'content-type': 'application/jsonl' }, body: JSONL };
    }
    return { status: 200, body: answerLike(request.url) };
  };
});

/** A minimal answer that matches each tool's output schema. */
function answerLike(url: string): object {
  if (url.startsWith('/ds-api/')) return [{ record: { patentTitle: 'Robot arm' } }];
  if (url.startsWith('/api/v3/pet')) return { id: 7, name: 'Rex', photoUrls: [] };
  if (url === '/v1/files') {
    return {
      id: 'file-1',
      object: 'file',
      bytes: 64,
      created_at: 1,
      filename: 'batch.jsonl',
      purpose: 'batch',
      status: 'uploaded',
    };
  }
  if (url.startsWith('/v1/uploads/'))
    return { id: 'part_1', object: 'upload.part', created_at: 1, upload_id: 'upload_abc' };
  return { total_count: 0, entries: [] };
}

/** The one request the tool sent (downloads of file arguments aside). */
function sent() {
  const calls = upstream.requests.filter((r) => !r.url.startsWith('/downloads/'));
  expect(calls).toHaveLength(1);
  return calls[0]!;
}

describe.each<{ revision: Revision }>([{ revision: '2025-11-25' }, { revision: '2026-07-28' }])(
  'bodies over MCP $revision',
  ({ revision }) => {
    const clients = {} as Record<CaseId, ConnectedClient>;

    beforeAll(async () => {
      for (const id of Object.keys(CASES) as CaseId[])
        clients[id] = await connectClient(mcpUrls[id], revision);
    });
    afterAll(async () => {
      for (const client of Object.values(clients)) await client.close();
    });

    async function call(id: CaseId, name: string, args: Record<string, unknown>) {
      const result = await clients[id].client.callTool({ name, arguments: args });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      return result;
    }

    it('uspto perform_search: form-urlencoded fields', async () => {
      const result = await call('uspto', 'perform_search', {
        dataset: 'oa_citations',
        version: 'v1',
        criteria: 'patentTitle:"robot arm"',
        start: 0,
        rows: 2,
        idempotency_key: `k-1-${revision}`,
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe('POST /ds-api/oa_citations/v1/records');
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request.body.toString()).toBe('criteria=patentTitle%3A%22robot+arm%22&rows=2&start=0');
      expect(JSON.stringify(result.structuredContent)).toContain('Robot arm');
    });

    it('petstore upload_file: an octet-stream body from base64, the query parameter beside it', async () => {
      await call('petstore', 'upload_file', {
        petId: 7,
        additionalMetadata: 'front view',
        body: PNG.toString('base64'),
        idempotency_key: `k-2-${revision}`,
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe(
        'POST /api/v3/pet/7/uploadImage?additionalMetadata=front%20view',
      );
      expect(request.headers['content-type']).toBe('application/octet-stream');
      expect(request.body.equals(PNG)).toBe(true);
    });

    it('petstore update_pet: a form body, objects and object items as JSON (no encoding declared)', async () => {
      await call('petstore', 'update_pet', {
        id: 7,
        name: 'Rex',
        photoUrls: ['https://img.example/rex.png', 'https://img.example/rex2.png'],
        status: 'sold',
        category: { id: 1, name: 'Dogs' },
        tags: [{ id: 2, name: 'good boy' }],
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe('PUT /api/v3/pet');
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(request.body.toString()).toString()).toBe(request.body.toString());
      expect([...new URLSearchParams(request.body.toString())]).toEqual([
        ['category', '{"id":1,"name":"Dogs"}'],
        ['id', '7'],
        ['name', 'Rex'],
        ['photoUrls', 'https://img.example/rex.png'],
        ['photoUrls', 'https://img.example/rex2.png'],
        ['status', 'sold'],
        ['tags', '{"id":2,"name":"good boy"}'],
      ]);
    });

    it('openai create_file: multipart with the file from base64, filename and type as given', async () => {
      await call('openai', 'create_file', {
        file: {
          content_base64: JSONL.toString('base64'),
          filename: 'batch.jsonl',
          content_type: 'application/jsonl',
        },
        purpose: 'batch',
        idempotency_key: `k-3-${revision}`,
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe('POST /v1/files');
      const boundary = /^multipart\/form-data; boundary=([\w-]+)$/.exec(
        String(request.headers['content-type']),
      )?.[1];
      expect(boundary).toBeDefined();
      expect(request.body.toString('latin1').endsWith(`--${boundary}--\r\n`)).toBe(true);
      expect(parseMultipart(request.headers['content-type'], request.body)).toEqual([
        { name: 'purpose', data: Buffer.from('batch') },
        { name: 'file', filename: 'batch.jsonl', contentType: 'application/jsonl', data: JSONL },
      ]);
    });

    it('openai create_file and add_upload_part: the file from a URL the runtime downloads', async () => {
      await call('openai', 'create_file', {
        file: { url: `${upstream.url}/downloads/batch.jsonl?sig=abc` },
        purpose: 'batch',
        idempotency_key: `k-4-${revision}`,
      });
      expect(parseMultipart(sent().headers['content-type'], sent().body)).toEqual([
        { name: 'purpose', data: Buffer.from('batch') },
        { name: 'file', filename: 'batch.jsonl', contentType: 'application/jsonl', data: JSONL },
      ]);
      upstream.requests.length = 0;
      await call('openai', 'add_upload_part', {
        upload_id: 'upload_abc',
        data: { url: `${upstream.url}/downloads/cat.png`, filename: 'part-1' },
        idempotency_key: `k-5-${revision}`,
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe('POST /v1/uploads/upload_abc/parts');
      expect(parseMultipart(request.headers['content-type'], request.body)).toEqual([
        { name: 'data', filename: 'part-1', contentType: 'image/png', data: PNG },
      ]);
    });

    it('box post_files_content: the JSON attributes part before the file part', async () => {
      await call('box', 'post_files_content', {
        file: { content_base64: PNG.toString('base64'), filename: 'cat.png' },
        attributes: { name: 'cat.png', parent: { id: '0' } },
        idempotency_key: `k-6-${revision}`,
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe('POST /2.0/files/content');
      expect(parseMultipart(request.headers['content-type'], request.body)).toEqual([
        {
          name: 'attributes',
          contentType: 'application/json',
          data: Buffer.from('{"name":"cat.png","parent":{"id":"0"}}'),
        },
        { name: 'file', filename: 'cat.png', contentType: 'application/octet-stream', data: PNG },
      ]);
    });

    it('box post_users_id_avatar: the picture from a URL, its type from the download', async () => {
      await call('box', 'post_users_id_avatar', {
        user_id: '12345',
        pic: { url: `${upstream.url}/downloads/cat.png` },
        idempotency_key: `k-7-${revision}`,
      });
      const request = sent();
      expect(`${request.method} ${request.url}`).toBe('POST /2.0/users/12345/avatar');
      expect(parseMultipart(request.headers['content-type'], request.body)).toEqual([
        { name: 'pic', filename: 'cat.png', contentType: 'image/png', data: PNG },
      ]);
    });
  },
);

describe('server URLs', () => {
  it.each([
    {
      given: 'relative (as petstore-v3 writes it)',
      server: '/api/v3',
      want: /"\/api\/v3" is not absolute; pass --upstream or set SPEC2MCP_UPSTREAM_URL/,
    },
    {
      given: 'a variable without a default',
      server: 'https://{region}.example.com',
      want: /server variable \{region\} without a default; pass --upstream/,
    },
  ])(
    'a server URL that is $given fails at startup unless an upstream URL is given',
    async ({ server, want }) => {
      const api = { ...apis.petstore, servers: [server] };
      await expect(buildServer({ api })).rejects.toThrow(want);
      const app = await buildServer({ api, upstreamUrl: 'http://127.0.0.1:9/api/v3' });
      await app.close();
    },
  );

  it('a server URL with a path: operation paths are joined under it', () => {
    expect(apis.uspto.servers).toEqual(['https://developer.uspto.gov/ds-api']);
    // Checked on the wire above: POST /ds-api/oa_citations/v1/records.
    expect(apis.uspto.tools.find((t) => t.name === 'perform_search')?.http.path).toBe(
      '/{dataset}/{version}/records',
    );
  });
});
