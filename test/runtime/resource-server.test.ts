/**
 * The MCP endpoint as an OAuth resource server, against a real external authorization server
 * stand-in (RS256 keys, a JWKS over HTTP, RFC 7662 introspection): protected-resource metadata,
 * every refusal with its status, WWW-Authenticate and error, per-tool scopes on tools/list and
 * tools/call (403 step-up), and that a token never shows up in an answer or a log line.
 */
import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer, type ServerOptions } from '../../runtime/build-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { buildLoggerOptions } from '../../runtime/logger-options.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import {
  INTROSPECTION_CLIENT,
  nowSeconds,
  startTestIssuer,
  type TestIssuer,
  unsignedToken,
} from './auth-kit.js';
import { type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

const PUBLIC_URL = 'https://mcp.example.com';
const RESOURCE = `${PUBLIC_URL}/mcp`;
const METADATA_URL = `${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp`;
const CHALLENGE_WITHOUT_TOKEN = `Bearer resource_metadata="${METADATA_URL}"`;
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'inject', version: '1.0.0' },
  },
};
const READ_TOOLS = ['get_note', 'list_notes', 'search_notes'];
const ALL_TOOLS = ['archive_note', 'create_note', 'delete_note', 'get_note', 'list_notes', 'search_notes'];

let issuer: TestIssuer;
let upstream: NotesUpstream;
const opened: FastifyInstance[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  [issuer, upstream] = await Promise.all([startTestIssuer(), startNotesUpstream()]);
});

afterAll(async () => {
  await Promise.all([issuer.close(), upstream.close()]);
});

beforeEach(() => {
  upstream.requests.length = 0;
  issuer.introspection.clear();
  issuer.introspectionStatus = 200;
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const app of opened.splice(0)) await app.close();
});

async function build(options: Partial<ServerOptions> = {}): Promise<FastifyInstance> {
  const app = await buildServer({
    api: notesApi,
    upstreamUrl: `${upstream.url}/v1`,
    upstreamCredential: 'service-key',
    retryBackoffMs: 1,
    auth: {
      mode: 'external',
      issuer: issuer.url,
      jwksUri: issuer.jwksUri,
      introspection: { url: issuer.introspectionUrl, ...INTROSPECTION_CLIENT },
    },
    publicUrl: PUBLIC_URL,
    ...options,
  });
  opened.push(app);
  return app;
}

function post(
  app: FastifyInstance,
  headers: Record<string, string>,
  url = '/mcp',
  body: unknown = INITIALIZE,
) {
  return app.inject({
    method: 'POST',
    url,
    headers: { ...JSON_HEADERS, ...headers },
    payload: JSON.stringify(body),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('protected-resource metadata (RFC 9728)', () => {
  it.each(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp'])(
    '%s describes the MCP endpoint',
    async (url) => {
      const app = await build();
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.url],
        scopes_supported: ['mcp:read', 'mcp:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Notes',
      });
    },
  );

  it('a public URL with a path prefix: resource, metadata URL and route follow RFC 9728 §3.1', async () => {
    const app = await build({ publicUrl: 'https://gateway.example.com/notes/' });
    const refused = await post(app, {});
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://gateway.example.com/.well-known/oauth-protected-resource/notes/mcp"',
    );
    const document = await app.inject({
      method: 'GET',
      url: '/.well-known/oauth-protected-resource/notes/mcp',
    });
    expect(document.json()).toMatchObject({ resource: 'https://gateway.example.com/notes/mcp' });
  });

  it('without a public URL, URLs come from the checked Host header; other hosts are refused', async () => {
    const app = await build({ publicUrl: undefined, authorizationServers: ['https://login.example.com'] });
    const document = await app.inject({
      method: 'GET',
      url: '/.well-known/oauth-protected-resource/mcp',
      headers: { host: 'localhost:4000' },
    });
    expect(document.json()).toMatchObject({
      resource: 'http://localhost:4000/mcp',
      authorization_servers: ['https://login.example.com'],
    });
    const rebinding = await app.inject({
      method: 'GET',
      url: '/.well-known/oauth-protected-resource/mcp',
      headers: { host: 'evil.example.com' },
    });
    expect(rebinding.statusCode).toBe(403);
  });
});

describe('refusals: status, WWW-Authenticate and error', () => {
  interface Refusal {
    readonly given: string;
    readonly request: () => Promise<{ headers?: Record<string, string>; url?: string }>;
    readonly status: number;
    /** RFC 6750 error; undefined: a bare challenge (no token presented). */
    readonly error?: string;
    readonly description?: RegExp;
  }
  const refusals: Refusal[] = [
    { given: 'no token', request: async () => ({}), status: 401 },
    {
      given: 'a Bearer header without a token',
      request: async () => ({ headers: { authorization: 'Bearer ' } }),
      status: 400,
      error: 'invalid_request',
      description: /must be: Bearer <token>/,
    },
    {
      given: 'another scheme (Basic)',
      request: async () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
      status: 400,
      error: 'invalid_request',
    },
    {
      given: 'two tokens in the header',
      request: async () => ({ headers: { authorization: 'Bearer abc def' } }),
      status: 400,
      error: 'invalid_request',
    },
    {
      given: 'an oversized header (over 4 KB)',
      request: async () => ({
        headers: bearer(`${await issuer.sign({ aud: RESOURCE })}${'x'.repeat(4096)}`),
      }),
      status: 400,
      error: 'invalid_request',
      description: /longer than 4096 bytes/,
    },
    {
      given: 'a token for another resource (audience)',
      request: async () => ({ headers: bearer(await issuer.sign({ aud: 'https://other.example.com/mcp' })) }),
      status: 401,
      error: 'invalid_token',
      description: /another resource/,
    },
    {
      given: 'a token without an audience',
      request: async () => ({ headers: bearer(await issuer.sign({})) }),
      status: 401,
      error: 'invalid_token',
      description: /another resource/,
    },
    {
      given: 'a token of another issuer',
      request: async () => ({
        headers: bearer(await issuer.sign({ aud: RESOURCE, iss: 'https://evil.example.com' })),
      }),
      status: 401,
      error: 'invalid_token',
      description: /another authorization server/,
    },
    {
      given: 'an expired token (beyond the clock tolerance)',
      request: async () => ({
        headers: bearer(await issuer.sign({ aud: RESOURCE, exp: nowSeconds() - 120 })),
      }),
      status: 401,
      error: 'invalid_token',
      description: /expired/,
    },
    {
      given: 'a token not valid yet (nbf)',
      request: async () => ({
        headers: bearer(await issuer.sign({ aud: RESOURCE, nbf: nowSeconds() + 600 })),
      }),
      status: 401,
      error: 'invalid_token',
      description: /not valid yet/,
    },
    {
      given: 'a tampered token (scope raised, signature kept)',
      request: async () => {
        const [header, , signature] = (await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' })).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            iss: issuer.url,
            sub: 'user-1',
            aud: RESOURCE,
            exp: nowSeconds() + 600,
            scope: 'mcp:read mcp:write',
          }),
        ).toString('base64url');
        return { headers: bearer(`${header}.${payload}.${signature}`) };
      },
      status: 401,
      error: 'invalid_token',
      description: /signature is invalid/,
    },
    {
      given: 'alg none',
      request: async () => ({
        headers: bearer(
          unsignedToken({ iss: issuer.url, sub: 'user-1', aud: RESOURCE, exp: nowSeconds() + 600 }),
        ),
      }),
      status: 401,
      error: 'invalid_token',
      description: /algorithm/,
    },
    {
      given: 'HS256 signed with the public key as the secret',
      request: async () => ({
        headers: bearer(
          await issuer.sign(
            { aud: RESOURCE },
            { alg: 'HS256', key: new TextEncoder().encode(issuer.publicPem) },
          ),
        ),
      }),
      status: 401,
      error: 'invalid_token',
      description: /algorithm/,
    },
    {
      given: 'a key the issuer does not publish (unknown kid)',
      request: async () => {
        const rogue = await generateKeyPair('RS256');
        return {
          headers: bearer(await issuer.sign({ aud: RESOURCE }, { kid: 'rogue', key: rogue.privateKey })),
        };
      },
      status: 401,
      error: 'invalid_token',
      description: /key the authorization server does not publish/,
    },
    {
      given: 'a token in the URL where the API does not allow it',
      request: async () => ({ url: `/mcp?token=${await issuer.sign({ aud: RESOURCE })}` }),
      status: 400,
      error: 'invalid_request',
      description: /in the URL are not accepted/,
    },
    {
      given: 'an opaque token the introspection endpoint calls inactive',
      request: async () => ({ headers: bearer('opaque-unknown-token') }),
      status: 401,
      error: 'invalid_token',
      description: /not active/,
    },
  ];

  it.each(refusals)('$given -> $status $error', async ({ request, status, error, description }) => {
    const app = await build();
    const { headers = {}, url = '/mcp' } = await request();
    const response = await post(app, headers, url);
    expect(response.statusCode).toBe(status);
    const challenge = response.headers['www-authenticate'];
    if (error === undefined) {
      expect(challenge).toBe(CHALLENGE_WITHOUT_TOKEN);
      expect(response.json()).toMatchObject({ error: 'unauthorized' });
    } else {
      expect(challenge).toMatch(
        new RegExp(
          `^Bearer error="${error}", error_description="(?:[^"\\\\]|\\\\.)+", resource_metadata="${METADATA_URL}"$`,
        ),
      );
      expect(response.json()).toMatchObject({ error, error_description: description ?? expect.any(String) });
    }
    // Never echoed: no part of a presented token appears in the answer.
    const presented = (headers['authorization'] ?? url).replace(/^Bearer /, '').replace(/^\/mcp\?token=/, '');
    for (const part of presented.split('.').filter((piece) => piece.length > 8)) {
      expect(response.body).not.toContain(part);
      expect(JSON.stringify(response.headers)).not.toContain(part);
    }
  });

  it('a valid token passes; an `aud` array that includes the resource is accepted', async () => {
    const app = await build();
    const single = await post(app, bearer(await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' })));
    expect(single.statusCode).toBe(200);
    const several = await post(
      app,
      bearer(await issuer.sign({ aud: ['https://other.example.com', RESOURCE] })),
    );
    expect(several.statusCode).toBe(200);
  });

  it('algorithms are pinned: a well-signed RS256 token is refused where only ES256 is accepted', async () => {
    const app = await build({
      auth: { mode: 'external', issuer: issuer.url, jwksUri: issuer.jwksUri, algorithms: ['ES256'] },
    });
    const response = await post(app, bearer(await issuer.sign({ aud: RESOURCE })));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is signed with an algorithm this server does not accept.',
    });
  });

  it('an unreachable introspection endpoint is a 503 to retry, not a refusal', async () => {
    issuer.introspectionStatus = 500;
    const app = await build();
    const response = await post(app, bearer('opaque-during-outage'));
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});

describe('introspection (RFC 7662)', () => {
  const activeAnswer = (overrides: Record<string, unknown> = {}) => ({
    active: true,
    sub: 'user-7',
    client_id: 'client-7',
    scope: 'mcp:read',
    aud: RESOURCE,
    exp: nowSeconds() + 600,
    iss: issuer.url,
    ...overrides,
  });

  it('an active token is accepted; the second request is answered from the cache (no HTTP)', async () => {
    issuer.introspection.set('opaque-active', activeAnswer());
    const app = await build();
    const before = issuer.counts.introspection;
    expect((await post(app, bearer('opaque-active'))).statusCode).toBe(200);
    expect((await post(app, bearer('opaque-active'))).statusCode).toBe(200);
    expect(issuer.counts.introspection - before).toBe(1);
  });

  it('inactive answers are cached briefly too', async () => {
    const app = await build();
    const before = issuer.counts.introspection;
    expect((await post(app, bearer('opaque-revoked'))).statusCode).toBe(401);
    expect((await post(app, bearer('opaque-revoked'))).statusCode).toBe(401);
    expect(issuer.counts.introspection - before).toBe(1);
  });

  it.each([
    {
      given: 'another audience',
      answer: { aud: 'https://other.example.com/mcp' },
      description: /another resource/,
    },
    {
      given: 'another issuer',
      answer: { iss: 'https://evil.example.com' },
      description: /another authorization server/,
    },
    { given: 'an expiry in the past', answer: { exp: nowSeconds() - 120 }, description: /expired/ },
  ])('an active answer with $given is refused', async ({ answer, description }) => {
    issuer.introspection.set('opaque-odd', activeAnswer(answer));
    const app = await build();
    const response = await post(app, bearer('opaque-odd'));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(response.json()).toMatchObject({ error: 'invalid_token', error_description: description });
  });
});

describe('per-tool scopes', () => {
  /** An SDK client with a token for `app` (listening; the resource URL comes from the Host header). */
  async function connectWith(app: FastifyInstance, claims: Record<string, unknown>): Promise<Client> {
    const address = app.server.listening
      ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
      : await app.listen({ port: 0, host: '127.0.0.1' });
    const token = await issuer.sign({ aud: `${address}/mcp`, ...claims });
    const client = new Client(
      { name: 'scope-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${address}/mcp`), {
        requestInit: { headers: bearer(token) },
      }),
    );
    clients.push(client);
    return client;
  }

  it('tools/list shows only the tools the token scopes allow', async () => {
    const app = await build({ publicUrl: undefined });
    const names = async (scope: string) =>
      (await (await connectWith(app, { scope })).listTools()).tools.map((tool) => tool.name).sort();
    expect(await names('mcp:read')).toEqual(READ_TOOLS);
    expect(await names('mcp:read mcp:write')).toEqual(ALL_TOOLS);
    expect(await names('profile')).toEqual([]);
  });

  it('listAllTools lists every tool to a read-only token; calls are still checked', async () => {
    const app = await build({ publicUrl: undefined, listAllTools: true });
    const client = await connectWith(app, { scope: 'mcp:read' });
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(ALL_TOOLS);
    await expect(client.callTool({ name: 'delete_note', arguments: { note_id: 'n_1' } })).rejects.toThrow();
    expect(upstream.requests).toHaveLength(0);
  });

  it('a read-only token calling a write tool: 403 insufficient_scope naming the scope (step-up); upstream untouched', async () => {
    const app = await build();
    const token = await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' });
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'delete_note', arguments: { note_id: 'n_1' } },
    };
    const response = await post(app, bearer(token), '/mcp', call);
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer error="insufficient_scope", error_description="The tool delete_note needs the scope(s) mcp:write; this token lacks mcp:write. Authorize again with them.", scope="mcp:write", resource_metadata="${METADATA_URL}"`,
    );
    expect(response.json()).toMatchObject({ error: 'insufficient_scope', scope: 'mcp:write' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('the same token may call a read tool; the platform sees the service credential, never the token', async () => {
    const app = await build({ publicUrl: undefined });
    const client = await connectWith(app, { scope: 'mcp:read', sub: 'ann' });
    const result = await client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
    expect(result.isError).toBeFalsy();
    expect(upstream.requests[0]?.headers['x-api-key']).toBe('service-key');
    expect(upstream.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('dynamic mode: call_tool is checked against its target tool', async () => {
    const app = await build({ toolMode: 'dynamic' });
    const token = await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' });
    const callTool = (name: string) => ({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'call_tool', arguments: { name, arguments: { note_id: 'n_1' } } },
    });
    const write = await post(app, bearer(token), '/mcp', callTool('archive_note'));
    expect(write.statusCode).toBe(403);
    expect(write.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="mcp:write"/);
    const read = await post(app, bearer(token), '/mcp', callTool('get_note'));
    expect(read.statusCode).not.toBe(403);
  });

  it('a JSON-RPC batch is refused: each message would need its own scope check', async () => {
    const app = await build();
    const token = await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' });
    const response = await post(app, bearer(token), '/mcp', [INITIALIZE]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: -32600 } });
  });

  it('without a token the call never reaches the scope check or the platform', async () => {
    const app = await build();
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'get_note', arguments: { note_id: 'n_1' } },
    };
    expect((await post(app, {}, '/mcp', call)).statusCode).toBe(401);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('tokens in the URL (access.allowQueryToken)', () => {
  const queryApi: ApiDefinition = { ...notesApi, access: { allowQueryToken: true } };

  it('?token= is accepted where the API allows it, and never logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await build({ api: queryApi, logger: { ...buildLoggerOptions('debug'), stream: sink } });
    const token = await issuer.sign({ aud: RESOURCE, scope: 'mcp:read' });
    const response = await post(app, {}, `/mcp?token=${token}&x=1`);
    expect(response.statusCode).toBe(200);
    const signature = token.split('.')[2] ?? '';
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(signature);
    expect(lines.join('\n')).toContain('"url":"/mcp?x=1"');
  });

  it('a token in both the URL and the header is refused', async () => {
    const app = await build({ api: queryApi });
    const token = await issuer.sign({ aud: RESOURCE });
    const response = await post(app, bearer(token), `/mcp?token=${token}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
  });
});
