/**
 * The MCP SDK client's own OAuth support against the embedded authorization server, headless:
 * the client is refused (401), discovers the protected-resource and authorization-server metadata,
 * registers itself, sends the user to the authorization URL with PKCE (here a cookie-keeping HTTP
 * "browser" signs in with the user's platform key and consents), exchanges the code, and calls a
 * tool with the token; the platform sees the user's own key.
 */
import { randomBytes } from 'node:crypto';
import {
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import { wireDefaultAuthorization } from '../../runtime/auth/wire-default-authorization.js';
import { buildServer } from '../../runtime/build-server.js';
import {
  actionBaseOf,
  BrowserSession,
  csrfOf,
  freePort,
  loadConveyorApi,
} from '../runtime/authorization-server-harness.js';

const REDIRECT = 'http://127.0.0.1:1/oauth/callback';

let platform: FastifyInstance;
let app: FastifyInstance;
let publicUrl: string;

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
    wireAuthorization: wireDefaultAuthorization({
      api,
      mode: 'embedded',
      publicUrl,
      env: { SPEC2MCP_CREDENTIAL_KEY: randomBytes(32).toString('base64') },
    }),
  });
  await app.listen({ port, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await platform?.close();
});

/** An in-memory OAuthClientProvider whose "browser" completes sign-in and consent over HTTP. */
function headlessProvider() {
  const state: {
    client?: Awaited<ReturnType<NonNullable<OAuthClientProvider['clientInformation']>>>;
    tokens?: Awaited<ReturnType<OAuthClientProvider['tokens']>>;
    verifier?: string;
    authorizationUrl?: URL;
    callback?: URLSearchParams;
  } = {};
  const provider: OAuthClientProvider = {
    get redirectUrl() {
      return REDIRECT;
    },
    get clientMetadata() {
      return {
        client_name: 'SDK OAuth Test',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    clientInformation: () => state.client,
    saveClientInformation: (information) => {
      state.client = information;
    },
    tokens: () => state.tokens,
    saveTokens: (tokens) => {
      state.tokens = tokens;
    },
    saveCodeVerifier: (verifier) => {
      state.verifier = verifier;
    },
    codeVerifier: () => state.verifier ?? '',
    async redirectToAuthorization(url) {
      state.authorizationUrl = url;
      state.callback = await signInAndConsent(url);
    },
  };
  return { provider, state };
}

/** What the user does in the browser: sign in with their platform key, grant read/write on one workspace. */
async function signInAndConsent(url: URL): Promise<URLSearchParams> {
  const session = new BrowserSession(publicUrl);
  const signIn = await session.follow(await session.get(url.toString()));
  const signInHtml = await signIn.text();
  const base = actionBaseOf(signInHtml);
  const consent = await session.follow(
    await session.post(`${base}/sign-in`, { csrf: csrfOf(signInHtml), credential: DEMO_API_KEY }),
  );
  const consentHtml = await consent.text();
  const done = await session.follow(
    await session.post(`${base}/consent`, {
      csrf: csrfOf(consentHtml),
      access: 'write',
      workspace: ['wsp_acme'],
      decision: 'allow',
    }),
  );
  // The redirect to the client carries the code and, per RFC 9207, the issuer the SDK checks.
  return new URL(done.headers.get('location') ?? '').searchParams;
}

describe("the SDK client's own OAuth flow", () => {
  it('discovers, registers, authorizes with PKCE, exchanges the code and calls tools as the user', async () => {
    const { provider, state } = headlessProvider();
    const url = new URL(`${publicUrl}/mcp`);
    const first = new Client({ name: 'sdk-oauth-test', version: '1.0.0' });
    const firstTransport = new StreamableHTTPClientTransport(url, { authProvider: provider });
    // No token yet: the SDK runs discovery and registration, then sends the user to authorize.
    await expect(first.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(state.client?.client_id).toMatch(/^[\w-]{20,}$/);
    const authorizationUrl = state.authorizationUrl as URL;
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${publicUrl}/oauth/authorize`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(`${publicUrl}/mcp`);
    expect(state.callback?.get('code')).toMatch(/.{20,}/);
    expect(state.callback?.get('iss')).toBe(publicUrl);

    await firstTransport.finishAuth(state.callback ?? new URLSearchParams());
    expect(state.tokens?.access_token).toBeTruthy();
    expect(state.tokens?.refresh_token).toBeTruthy();

    const client = new Client({ name: 'sdk-oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('create_workflow');
    const me = await client.callTool({ name: 'get_current_user', arguments: {} });
    expect(me.isError).toBeFalsy();
    expect(me.structuredContent).toMatchObject({ id: 'usr_ada', credential: { id: 'key_ada_rw' } });
    const outside = await client.callTool({
      name: 'list_workflows',
      arguments: { workspace_id: 'wsp_sandbox' },
    });
    expect(outside.isError).toBe(true);
    await client.close();
  }, 60_000);
});
