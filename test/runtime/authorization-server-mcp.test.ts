/**
 * The embedded authorization server wired into buildServer as the runtime does it
 * (`wireAuthorization`): an MCP client discovers it from the protected-resource metadata, the user
 * authorizes read-only access to one workspace, and the client's tool calls then reach the Conveyor
 * platform with the user's own API key, within the scopes and workspaces granted.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import { buildServer } from '../../runtime/build-server.js';
import authorizationServer from '../../runtime/plugins/authorization-server.js';
import {
  authorize,
  BrowserSession,
  CLIENT_REDIRECT,
  createPkce,
  freePort,
  loadConveyorApi,
  postToken,
  registerClient,
} from './authorization-server-harness.js';

let platform: FastifyInstance;
let app: FastifyInstance;
let publicUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  const api = await loadConveyorApi();
  platform = await buildPlatform({ logger: false, tickMs: 60_000 });
  const platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  app = await buildServer({
    api,
    upstreamUrl: `${platformUrl}/v1`,
    auth: { mode: 'embedded' },
    publicUrl,
    wireAuthorization: async (instance) => {
      await instance.register(authorizationServer, { api, publicUrl, credentialKey: randomBytes(32) });
      const { tokenVerifier, credentialVault, issuer } = instance.authorizationServer;
      return { tokenVerifiers: [tokenVerifier], credentialVault, authorizationServers: [issuer] };
    },
  });
  await app.listen({ port, host: '127.0.0.1' });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await app?.close();
  await platform?.close();
});

async function connectMcp(token: string): Promise<Client> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${publicUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

describe('embedded authorization server wired into buildServer', () => {
  it('is found from the protected-resource metadata, and its tokens call the platform as the user', async () => {
    const unauthenticated = await fetch(`${publicUrl}/mcp`, { method: 'POST' });
    expect(unauthenticated.status).toBe(401);
    const resourceMetadata = (await (
      await fetch(`${publicUrl}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as { resource: string; authorization_servers: string[] };
    expect(resourceMetadata).toMatchObject({
      resource: `${publicUrl}/mcp`,
      authorization_servers: [publicUrl],
    });
    const asMetadata = (await (
      await fetch(`${resourceMetadata.authorization_servers[0]}/.well-known/oauth-authorization-server`)
    ).json()) as { registration_endpoint: string };
    expect(asMetadata.registration_endpoint).toBe(`${publicUrl}/oauth/register`);

    const { client_id } = await registerClient(publicUrl, { client_name: 'MCP Test Client' });
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(publicUrl),
      { clientId: client_id, pkce, scope: 'mcp:read mcp:write', resource: resourceMetadata.resource },
      { credential: DEMO_API_KEY, access: 'read', workspaces: ['wsp_acme'] },
    );
    const tokens = await postToken(publicUrl, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
    });
    expect(tokens.status).toBe(200);

    const client = await connectMcp(tokens.body.access_token!);
    const me = await client.callTool({ name: 'get_current_user', arguments: {} });
    expect(me.isError).toBeFalsy();
    // The platform saw Ada's own key, not a service credential.
    expect(me.structuredContent).toMatchObject({
      id: 'usr_ada',
      credential: { type: 'apiKey', id: 'key_ada_rw' },
    });

    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('list_workflows');
    expect(tools).not.toContain('create_workflow');

    const inGrant = await client.callTool({
      name: 'list_workflows',
      arguments: { workspace_id: 'wsp_acme' },
    });
    expect(inGrant.isError).toBeFalsy();
    const outsideGrant = await client.callTool({
      name: 'list_workflows',
      arguments: { workspace_id: 'wsp_sandbox' },
    });
    expect(outsideGrant.isError).toBe(true);
  });
});
