/**
 * Given every way a credential travels (OAuth sign-in, code, PKCE verifier, access and refresh
 * tokens, API tokens, the service and users' upstream credentials, tokens in URLs, revoked and
 * wrong tokens, failing calls), want none of them in any log line (trace level, the server's own
 * logger options), any error message, or any tool result. Only the token endpoint may return tokens.
 */
import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import { createApiToken } from '../../runtime/auth/api-tokens/create-api-token.js';
import { wireDefaultAuthorization } from '../../runtime/auth/wire-default-authorization.js';
import { buildServer } from '../../runtime/build-server.js';
import { buildLoggerOptions } from '../../runtime/logger-options.js';
import {
  authorize,
  BrowserSession,
  CLIENT_REDIRECT,
  createPkce,
  freePort,
  loadConveyorApi,
  postToken,
  registerClient,
} from '../runtime/authorization-server-harness.js';

const SERVICE_CREDENTIAL = 'cvk_service_credential_never_shown_93b1';

let platform: FastifyInstance;
let app: FastifyInstance;
let publicUrl: string;
let logs = '';
/** Every secret the run handled; none may show up where it does not belong. */
const secrets = new Set<string>([DEMO_API_KEY, SERVICE_CREDENTIAL]);
/** Bodies of every answer except the token endpoint's. */
const answers: string[] = [];

beforeAll(async () => {
  const api = await loadConveyorApi();
  platform = await buildPlatform({ logger: false, tickMs: 60_000 });
  const platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const capture = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  app = await buildServer({
    api: { ...api, access: { ...api.access, allowQueryToken: false } },
    upstreamUrl: `${platformUrl}/v1`,
    upstreamCredential: SERVICE_CREDENTIAL,
    logger: { ...buildLoggerOptions('trace'), stream: capture },
    auth: { mode: 'embedded' },
    publicUrl,
    wireAuthorization: wireDefaultAuthorization({
      api,
      mode: 'embedded',
      publicUrl,
      env: { SPEC2MCP_CREDENTIAL_KEY: Buffer.alloc(32, 7).toString('base64') },
    }),
  });
  await app.listen({ port, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await platform?.close();
});

async function recordedFetch(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  answers.push(`${response.status} ${[...response.headers].join(' ')} ${await response.clone().text()}`);
  return response;
}

async function mcpClient(token: string): Promise<Client> {
  const client = new Client({ name: 'secrets-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${publicUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

async function callAll(client: Client): Promise<void> {
  const calls: [string, Record<string, unknown>][] = [
    ['get_current_user', {}],
    ['list_workflows', { workspace_id: 'wsp_acme' }],
    ['list_workflows', { workspace_id: 'wsp_not_granted' }],
    ['get_workflow', { workspace_id: 'wsp_acme', workflow_id: 'wf_missing' }],
    ['get_workflow', { workspace_id: 'wsp_acme', workflow_id: 7 }],
    ['get_connection', { workspace_id: 'wsp_acme', connection_id: 'con_crm' }],
  ];
  for (const [name, args] of calls) {
    const result = await client.callTool({ name, arguments: args }).catch((error: unknown) => error);
    answers.push(JSON.stringify(result, Object.getOwnPropertyNames(result ?? {})));
  }
}

describe('no credential leaks into logs, errors or results', () => {
  it('runs every credential path, then finds no secret outside the token endpoint', async () => {
    // OAuth: register, sign in with the user's platform key, consent, exchange, refresh.
    const { client_id } = await registerClient(publicUrl, { client_name: 'Leak Test' });
    const pkce = createPkce();
    secrets.add(pkce.verifier);
    const redirect = await authorize(
      new BrowserSession(publicUrl),
      { clientId: client_id, pkce, scope: 'mcp:read mcp:write', resource: `${publicUrl}/mcp` },
      { credential: DEMO_API_KEY, access: 'write', workspaces: ['wsp_acme'] },
    );
    const code = redirect.searchParams.get('code') ?? '';
    secrets.add(code);
    const tokens = await postToken(publicUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
    });
    expect(tokens.status).toBe(200);
    const access = tokens.body.access_token ?? '';
    const refresh = tokens.body.refresh_token ?? '';
    secrets.add(access);
    secrets.add(refresh);
    const refreshed = await postToken(publicUrl, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id,
    });
    expect(refreshed.status).toBe(200);
    secrets.add(refreshed.body.access_token ?? '');
    secrets.add(refreshed.body.refresh_token ?? '');
    await callAll(await mcpClient(refreshed.body.access_token ?? ''));
    // A reused refresh token and a replayed code are refused (and revoke the grant): their error
    // texts are checked too.
    answers.push(
      JSON.stringify(
        await postToken(publicUrl, { grant_type: 'refresh_token', refresh_token: refresh, client_id }),
      ),
    );
    answers.push(
      JSON.stringify(
        await postToken(publicUrl, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: CLIENT_REDIRECT,
          client_id,
          code_verifier: pkce.verifier,
        }),
      ),
    );

    // API token: created, used, revoked, used again.
    const created = await createApiToken(
      app.store,
      { name: 'leak-test', scopes: ['mcp:read', 'mcp:write'] },
      { prefix: 'capi_' },
    );
    secrets.add(created.token);
    await callAll(await mcpClient(created.token));
    await app.store.apiTokens.revoke(created.record.id);
    await recordedFetch(`${publicUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${created.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

    // Wrong, tampered and URL-borne tokens.
    for (const token of [`${access}x`, 'capi_wrongwrongwrongwrongwrongwrongwrongwrongwro', 'not-a-token']) {
      secrets.add(token);
      await recordedFetch(`${publicUrl}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    }
    await recordedFetch(`${publicUrl}/mcp?token=${encodeURIComponent(access)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    // Revoked OAuth token.
    await recordedFetch(`${publicUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshed.body.access_token ?? '', client_id }),
    });
    await recordedFetch(`${publicUrl}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${refreshed.body.access_token}`, 'content-type': 'application/json' },
      body: '{}',
    });

    secrets.delete('');
    expect(logs.length).toBeGreaterThan(10_000);
    const leaks = [...secrets].flatMap((secret) => [
      ...(logs.includes(secret) ? [`log: ${secret.slice(0, 6)}…`] : []),
      ...answers.filter((answer) => answer.includes(secret)).map(() => `answer: ${secret.slice(0, 6)}…`),
    ]);
    expect(leaks).toEqual([]);
  }, 60_000);
});
