/**
 * What a grant decides beyond "may call": the tenant of `/{tenant}/mcp` (metadata per tenant, a
 * grant for another tenant refused, `fromTenant` parameters filled from the path), workspaces
 * outside the grant refused before the platform is called, and a user's own upstream credential
 * from the CredentialVault. Grants come from a verifier plugged in the way the embedded
 * authorization server and API tokens plug in (`tokenVerifiers`).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialVault, Grant } from '../../runtime/auth/auth-types.js';
import { buildServer, type ServerOptions } from '../../runtime/build-server.js';
import { type ApiDefinition, defineTool } from '../../runtime/define-tool.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { fakeVerifier, nowSeconds } from './auth-kit.js';
import { type NotesUpstream, startNotesUpstream } from './notes-upstream.js';

const PUBLIC_URL = 'https://mcp.example.com';
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
const response = { redact: [], maxBytes: 100_000, maxItems: 50 } as const;
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const listProjects = defineTool({
  name: 'list_projects',
  title: 'List projects',
  description: 'List the projects of the workspace of this endpoint.',
  annotations: readOnly,
  scopes: ['mcp:read'],
  idempotency: 'none',
  toolsets: [],
  http: {
    method: 'get',
    path: '/workspaces/{workspaceId}/projects',
    params: [
      { name: 'workspaceId', in: 'path', style: 'simple', explode: false, required: true, fromTenant: true },
    ],
    responseMediaType: 'application/json',
  },
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  response,
});

const searchTasks = defineTool({
  name: 'search_tasks',
  title: 'Search tasks',
  description: 'Search the tasks of a workspace.',
  annotations: readOnly,
  scopes: ['mcp:read'],
  idempotency: 'none',
  toolsets: [],
  http: {
    method: 'get',
    path: '/tasks',
    params: [
      {
        name: 'workspace_id',
        in: 'query',
        style: 'form',
        explode: true,
        required: true,
        argument: 'workspace_id',
      },
    ],
    responseMediaType: 'application/json',
  },
  inputSchema: {
    type: 'object',
    properties: { workspace_id: { type: 'string' } },
    required: ['workspace_id'],
    additionalProperties: false,
  },
  response,
});

const tenantApi: ApiDefinition = {
  ...notesApi,
  id: 'projects',
  access: { tenantPathParam: 'workspaceId', tenantArgument: 'workspace_id' },
  tools: [listProjects, searchTasks],
};

const grant = (overrides: Partial<Grant> = {}): Grant => ({
  kind: 'oauth',
  principal: 'user-1',
  clientId: 'client-1',
  scopes: ['mcp:read', 'mcp:write'],
  expiresAt: nowSeconds() + 600,
  ...overrides,
});

let upstream: NotesUpstream;
const opened: FastifyInstance[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startNotesUpstream();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.respond = (request) =>
    request.url.startsWith('/v1/workspaces/') || request.url.startsWith('/v1/tasks')
      ? { status: 200, body: [] }
      : undefined;
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const app of opened.splice(0)) await app.close();
});

async function build(grants: Record<string, Grant>, options: Partial<ServerOptions> = {}) {
  const verifier = fakeVerifier(grants);
  const app = await buildServer({
    api: tenantApi,
    upstreamUrl: `${upstream.url}/v1`,
    upstreamCredential: 'service-key',
    retryBackoffMs: 1,
    auth: { mode: 'embedded' },
    tokenVerifiers: [verifier],
    publicUrl: PUBLIC_URL,
    ...options,
  });
  opened.push(app);
  return { app, verifier };
}

async function connect(app: FastifyInstance, token: string, path: string): Promise<Client> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new Client(
    { name: 'grant-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${address}${path}`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

function vault(secrets: Record<string, string>): CredentialVault & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async put() {
      throw new Error('not used');
    },
    async get(ref) {
      reads.push(ref);
      return secrets[ref];
    },
    async delete() {},
  };
}

const textOf = (result: { content?: unknown }) =>
  ((result.content ?? []) as { type: string; text?: string }[]).map((block) => block.text ?? '').join('\n');

describe('tenancy by path (/{tenant}/mcp)', () => {
  it('metadata per tenant: the resource is the tenant endpoint; the bare documents and /mcp do not exist', async () => {
    const { app } = await build({});
    const document = await app.inject({
      method: 'GET',
      url: '/.well-known/oauth-protected-resource/acme/mcp',
    });
    expect(document.statusCode).toBe(200);
    expect(document.json()).toEqual({
      resource: `${PUBLIC_URL}/acme/mcp`,
      authorization_servers: [PUBLIC_URL],
      scopes_supported: ['mcp:read', 'mcp:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Notes',
    });
    expect(
      (await app.inject({ method: 'GET', url: '/.well-known/oauth-protected-resource/mcp' })).statusCode,
    ).toBe(404);
    const bare = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: JSON_HEADERS,
      payload: INITIALIZE,
    });
    expect(bare.statusCode).toBe(404);
    expect(bare.json()).toMatchObject({
      message: 'This server has one MCP endpoint per tenant: /{tenant}/mcp.',
    });
  });

  it('the challenge at a tenant endpoint points at that tenant metadata; the verifier gets the tenant resource', async () => {
    const { app, verifier } = await build({ 'tok-acme': grant({ tenant: 'acme' }) });
    const missing = await app.inject({
      method: 'POST',
      url: '/acme/mcp',
      headers: JSON_HEADERS,
      payload: INITIALIZE,
    });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/acme/mcp"`,
    );
    const ok = await app.inject({
      method: 'POST',
      url: '/acme/mcp',
      headers: { ...JSON_HEADERS, authorization: 'Bearer tok-acme' },
      payload: INITIALIZE,
    });
    expect(ok.statusCode).toBe(200);
    expect(verifier.contexts.at(-1)).toEqual({ resource: `${PUBLIC_URL}/acme/mcp` });
  });

  it('a grant bound to another tenant gets 403', async () => {
    const { app } = await build({ 'tok-acme': grant({ tenant: 'acme' }) });
    const crossed = await app.inject({
      method: 'POST',
      url: '/globex/mcp',
      headers: { ...JSON_HEADERS, authorization: 'Bearer tok-acme' },
      payload: INITIALIZE,
    });
    expect(crossed.statusCode).toBe(403);
    expect(crossed.headers['www-authenticate']).toMatch(
      new RegExp(
        `^Bearer error="insufficient_scope", error_description="This token was granted for another tenant, not globex[^"]*", resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/globex/mcp"$`,
      ),
    );
    expect(crossed.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('a path segment that is not a tenant name is a 404', async () => {
    const { app } = await build({ 'tok-acme': grant({ tenant: 'acme' }) });
    const odd = await app.inject({
      method: 'POST',
      url: '/%2E%2E/mcp',
      headers: { ...JSON_HEADERS, authorization: 'Bearer tok-acme' },
      payload: INITIALIZE,
    });
    expect(odd.statusCode).toBe(404);
  });

  it('fromTenant parameters are filled from the path, and the model never sees them', async () => {
    const { app } = await build({ 'tok-acme': grant({ tenant: 'acme' }) });
    const client = await connect(app, 'tok-acme', '/acme/mcp');
    const listed = (await client.listTools()).tools.find((tool) => tool.name === 'list_projects');
    expect(listed?.inputSchema.properties ?? {}).toEqual({});
    const result = await client.callTool({ name: 'list_projects', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(upstream.requests.map((request) => request.url)).toEqual(['/v1/workspaces/acme/projects']);
  });
});

describe('workspaces of the grant (access.tenantArgument)', () => {
  it('a workspace outside the grant is an isError naming the allowed ones; the platform is not called', async () => {
    const { app } = await build({ 'tok-w': grant({ workspaces: ['wsp_1', 'wsp_2'] }) });
    const client = await connect(app, 'tok-w', '/acme/mcp');
    const refused = await client.callTool({ name: 'search_tasks', arguments: { workspace_id: 'wsp_9' } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(
      'search_tasks was not called: workspace_id "wsp_9" is not one this connection was granted. Allowed values: wsp_1, wsp_2. Use one of those, or ask the user to reconnect and grant access to "wsp_9".',
    );
    expect(upstream.requests).toHaveLength(0);

    const allowed = await client.callTool({ name: 'search_tasks', arguments: { workspace_id: 'wsp_2' } });
    expect(allowed.isError).toBeFalsy();
    expect(upstream.requests.map((request) => request.url)).toEqual(['/v1/tasks?workspace_id=wsp_2']);
  });

  it('a grant without a workspace list is not restricted', async () => {
    const { app } = await build({ 'tok-any': grant() });
    const client = await connect(app, 'tok-any', '/acme/mcp');
    const result = await client.callTool({ name: 'search_tasks', arguments: { workspace_id: 'wsp_9' } });
    expect(result.isError).toBeFalsy();
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('the user own upstream credential (credentialRef)', () => {
  it('calls carry the user credential instead of the service credential; the vault is read once per period', async () => {
    const credentials = vault({ 'ref-ann': 'ann-platform-key' });
    const { app } = await build(
      { 'tok-ann': grant({ credentialRef: 'ref-ann' }) },
      { credentialVault: credentials },
    );
    const client = await connect(app, 'tok-ann', '/acme/mcp');
    await client.callTool({ name: 'list_projects', arguments: {} });
    await client.callTool({ name: 'list_projects', arguments: {} });
    expect(upstream.requests.map((request) => request.headers['x-api-key'])).toEqual([
      'ann-platform-key',
      'ann-platform-key',
    ]);
    expect(credentials.reads).toEqual(['ref-ann']);
  });

  it('a ref the vault no longer has: isError telling the user to reconnect, and no platform call', async () => {
    const { app } = await build(
      { 'tok-gone': grant({ credentialRef: 'ref-gone' }) },
      { credentialVault: vault({}) },
    );
    const client = await connect(app, 'tok-gone', '/acme/mcp');
    const result = await client.callTool({ name: 'list_projects', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Ask the user to reconnect (authorize this MCP server again).');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a grant without a ref uses the service credential', async () => {
    const { app } = await build({ 'tok-svc': grant() }, { credentialVault: vault({}) });
    const client = await connect(app, 'tok-svc', '/acme/mcp');
    await client.callTool({ name: 'list_projects', arguments: {} });
    expect(upstream.requests[0]?.headers['x-api-key']).toBe('service-key');
  });
});

describe('grants from plugged-in verifiers', () => {
  it('an expired grant is refused even when the verifier let it through', async () => {
    const { app } = await build({ 'tok-old': grant({ expiresAt: nowSeconds() - 3600 }) });
    const result = await app.inject({
      method: 'POST',
      url: '/acme/mcp',
      headers: { ...JSON_HEADERS, authorization: 'Bearer tok-old' },
      payload: INITIALIZE,
    });
    expect(result.statusCode).toBe(401);
    expect(result.headers['www-authenticate']).toMatch(
      /^Bearer error="invalid_token", error_description="The access token expired."/,
    );
  });

  it('a token no verifier knows is invalid_token', async () => {
    const { app } = await build({});
    const result = await app.inject({
      method: 'POST',
      url: '/acme/mcp',
      headers: { ...JSON_HEADERS, authorization: 'Bearer capi_unknown' },
      payload: INITIALIZE,
    });
    expect(result.statusCode).toBe(401);
    expect(result.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is not one this server accepts.',
    });
  });

  it('wireAuthorization plugs in what lives on the app (after the store): verifiers, vault, issuers', async () => {
    let storeReady = false;
    const app = await buildServer({
      api: notesApi,
      upstreamUrl: `${upstream.url}/v1`,
      upstreamCredential: 'service-key',
      auth: { mode: 'embedded' },
      publicUrl: PUBLIC_URL,
      wireAuthorization: async (instance) => {
        storeReady = instance.hasDecorator('store');
        return {
          tokenVerifiers: [fakeVerifier({ 'tok-wired': grant({ credentialRef: 'ref-wired' }) })],
          credentialVault: vault({ 'ref-wired': 'wired-user-key' }),
          authorizationServers: ['https://as.example.com'],
        };
      },
    });
    opened.push(app);
    expect(storeReady).toBe(true);
    const document = await app.inject({ method: 'GET', url: '/.well-known/oauth-protected-resource/mcp' });
    expect(document.json()).toMatchObject({ authorization_servers: ['https://as.example.com'] });
    const client = await connect(app, 'tok-wired', '/mcp');
    await client.callTool({ name: 'get_note', arguments: { note_id: 'n_1' } });
    expect(upstream.requests.map((request) => request.headers['x-api-key'])).toEqual(['wired-user-key']);
  });

  it('embedded auth with no verifier wired refuses every token rather than serving anyone', async () => {
    const app = await buildServer({
      api: notesApi,
      upstreamUrl: `${upstream.url}/v1`,
      auth: { mode: 'embedded' },
    });
    opened.push(app);
    const result = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...JSON_HEADERS, authorization: 'Bearer anything' },
      payload: INITIALIZE,
    });
    expect(result.statusCode).toBe(401);
  });
});
