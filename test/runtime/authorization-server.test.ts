/**
 * The embedded authorization server over plain HTTP against the Conveyor platform: discovery,
 * registration, the sign-in and consent form, PKCE, codes, refresh rotation, revocation, resource
 * binding, re-authorization, client revocation, and what is stored at rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_READ_ONLY_API_KEY } from '../../platform/conveyor/build-platform.js';
import { AuthError } from '../../runtime/auth/auth-types.js';
import { openSqliteDatabase } from '../../runtime/stores/open-sqlite-database.js';
import {
  type AuthorizationServerHarness,
  actionBaseOf,
  authorizationUrl,
  authorize,
  BrowserSession,
  CLIENT_REDIRECT,
  createPkce,
  csrfOf,
  type Pkce,
  postToken,
  registerClient,
  startAuthorizationServer,
} from './authorization-server-harness.js';

let h: AuthorizationServerHarness;

beforeAll(async () => {
  h = await startAuthorizationServer();
});
afterAll(async () => {
  await h?.close();
});

/** Registers a client, authorizes it as Ada and exchanges the code. */
async function connect(
  options: { access?: 'read' | 'write'; scope?: string; clientId?: string; credential?: string } = {},
) {
  const clientId = options.clientId ?? (await registerClient(h.url)).client_id;
  const pkce = createPkce();
  const redirect = await authorize(
    new BrowserSession(h.url),
    {
      clientId,
      pkce,
      scope: 'scope' in options ? options.scope : 'mcp:read mcp:write',
      resource: h.resource,
    },
    { credential: options.credential ?? DEMO_API_KEY, access: options.access ?? 'write' },
  );
  const code = redirect.searchParams.get('code');
  if (code === null) throw new Error(`no code in ${redirect.href}`);
  const tokens = await postToken(h.url, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CLIENT_REDIRECT,
    client_id: clientId,
    code_verifier: pkce.verifier,
  });
  expect(tokens.status).toBe(200);
  return {
    clientId,
    pkce,
    code,
    accessToken: tokens.body.access_token!,
    refreshToken: tokens.body.refresh_token!,
  };
}

const verify = (token: string, resource = h.resource) =>
  h.app.authorizationServer.tokenVerifier.verify(token, { resource });

async function expectInvalidToken(token: string, resource = h.resource): Promise<void> {
  const error = await verify(token, resource).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect(error).toMatchObject({ status: 401, error: 'invalid_token' });
}

/** Starts an authorization and returns the sign-in page's form base and CSRF token. */
async function openSignIn(session: BrowserSession, request: Parameters<typeof authorizationUrl>[1]) {
  const page = await session.follow(await session.get(authorizationUrl(h.url, request)));
  const html = await page.text();
  expect(page.status).toBe(200);
  return { base: actionBaseOf(html), csrf: csrfOf(html), html };
}

describe('discovery', () => {
  it('serves RFC 8414 and OpenID metadata naming the endpoints and what they support', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const response = await fetch(`${h.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        issuer: h.url,
        authorization_endpoint: `${h.url}/oauth/authorize`,
        token_endpoint: `${h.url}/oauth/token`,
        registration_endpoint: `${h.url}/oauth/register`,
        revocation_endpoint: `${h.url}/oauth/revoke`,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        scopes_supported: expect.arrayContaining(['mcp:read', 'mcp:write']),
        token_endpoint_auth_methods_supported: expect.arrayContaining(['none']),
        client_id_metadata_document_supported: true,
        authorization_response_iss_parameter_supported: true,
      });
    }
  });

  it('takes its URLs from the issuer, not from the Host header', async () => {
    const response = await fetch(`${h.url}/.well-known/oauth-authorization-server`, {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    const metadata = (await response.json()) as { issuer: string; token_endpoint: string };
    expect(metadata.issuer).toBe(h.url);
    expect(metadata.token_endpoint).toBe(`${h.url}/oauth/token`);
  });
});

describe('dynamic client registration', () => {
  it('registers a public client without a secret', async () => {
    const client = await registerClient(h.url, { client_name: 'Claude' });
    expect(client).toMatchObject({ client_name: 'Claude', token_endpoint_auth_method: 'none' });
    expect(client).not.toHaveProperty('client_secret');
    expect(client.client_id).toMatch(/^[\w-]{20,}$/);
  });

  it.each([
    ['https', 'https://agent.example/callback', 201],
    ['http on 127.0.0.1', 'http://127.0.0.1:33418/cb', 201],
    ['http on [::1]', 'http://[::1]:33418/cb', 201],
    ['http on localhost', 'http://localhost:5173/cb', 201],
    ['http elsewhere', 'http://agent.example/callback', 400],
    ["Cursor's app scheme", 'cursor://anysphere.cursor-retrieval/oauth/user-conveyor/callback', 201],
    ["VS Code's app scheme", 'vscode://vscode.github-authentication/did-authenticate', 201],
    ['a reverse-domain scheme', 'com.example.agent:/oauth2redirect', 201],
    ['javascript:', 'javascript:alert(1)', 400],
    ['data:', 'data:text/html,hello', 400],
  ])('redirect URI over %s (%s): %i', async (_name, redirectUri, status) => {
    const response = await fetch(`${h.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    if (status === 400) expect(body).toMatchObject({ error: 'invalid_redirect_uri' });
    // An app scheme makes the client native (oidc-provider refuses such a redirect for web clients).
    else if (!redirectUri.startsWith('http')) expect(body).toMatchObject({ application_type: 'native' });
  });
});

describe('authorization code flow', () => {
  it('issues tokens bound to the MCP resource, with the scopes chosen at consent', async () => {
    const { accessToken, refreshToken } = await connect({ access: 'read' });
    expect(accessToken).toMatch(/^[\w-]{43}$/);
    expect(refreshToken).toBeDefined();
    const grant = await verify(accessToken);
    expect(grant).toMatchObject({
      kind: 'oauth',
      principal: 'usr_ada',
      clientName: 'Test Agent',
      scopes: ['mcp:read'],
      workspaces: ['wsp_acme'],
    });
    expect(grant?.credentialRef).toMatch(/^cred_/);
    expect(await h.app.authorizationServer.credentialVault.get(grant!.credentialRef!)).toBe(DEMO_API_KEY);
  });

  it('offers every scope to a client that asks for none', async () => {
    const { accessToken } = await connect({ scope: '', access: 'write' });
    expect((await verify(accessToken))?.scopes).toEqual(['mcp:read', 'mcp:write']);
    const { accessToken: unscoped } = await connect({ scope: undefined, access: 'write' });
    expect((await verify(unscoped))?.scopes).toEqual(['mcp:read', 'mcp:write']);
  });

  it('answers tokens of other kinds with undefined, so the next verifier is asked', async () => {
    expect(await verify('capi_abcdef0123456789')).toBeUndefined();
    expect(await verify('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBeUndefined();
    await expectInvalidToken('A'.repeat(43));
  });
});

describe('PKCE', () => {
  it('refuses an authorization request without a code challenge', async () => {
    const { client_id } = await registerClient(h.url);
    const response = await new BrowserSession(h.url).get(authorizationUrl(h.url, { clientId: client_id }));
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CLIENT_REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses the plain method', async () => {
    const { client_id } = await registerClient(h.url);
    const response = await new BrowserSession(h.url).get(
      authorizationUrl(h.url, {
        clientId: client_id,
        extra: { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' },
      }),
    );
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a code exchanged without the verifier or with a wrong one', async () => {
    const { client_id } = await registerClient(h.url);
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(h.url),
      { clientId: client_id, pkce, scope: 'mcp:read', resource: h.resource },
      { credential: DEMO_API_KEY },
    );
    const code = redirect.searchParams.get('code')!;
    const exchange = (verifier?: string) =>
      postToken(h.url, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CLIENT_REDIRECT,
        client_id,
        ...(verifier !== undefined && { code_verifier: verifier }),
      });
    expect(await exchange()).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange(createPkce().verifier)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });
});

describe('authorization codes', () => {
  it('are single-use: a replay fails and revokes what the first exchange issued', async () => {
    const { clientId, pkce, code, accessToken, refreshToken } = await connect();
    const replay = await postToken(h.url, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
      code_verifier: pkce.verifier,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await expectInvalidToken(accessToken);
    const refreshed = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('must be exchanged with the redirect URI they were issued for, by the client they were issued to', async () => {
    const { client_id } = await registerClient(h.url, {
      redirect_uris: [CLIENT_REDIRECT, 'https://agent.example/cb'],
    });
    const other = await registerClient(h.url);
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(h.url),
      { clientId: client_id, pkce, scope: 'mcp:read', resource: h.resource },
      { credential: DEMO_API_KEY },
    );
    const code = redirect.searchParams.get('code')!;
    const base = { grant_type: 'authorization_code', code, code_verifier: pkce.verifier };
    expect(
      await postToken(h.url, { ...base, client_id, redirect_uri: 'https://agent.example/cb' }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(
      await postToken(h.url, { ...base, client_id: other.client_id, redirect_uri: CLIENT_REDIRECT }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('expire (10 minutes by default; 1 second here)', async () => {
    const short = await startAuthorizationServer({ plugin: { lifetimes: { authorizationCode: 1 } } });
    try {
      const { client_id } = await registerClient(short.url);
      const pkce = createPkce();
      const redirect = await authorize(
        new BrowserSession(short.url),
        { clientId: client_id, pkce, scope: 'mcp:read', resource: short.resource },
        { credential: DEMO_API_KEY },
      );
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const late = await postToken(short.url, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        redirect_uri: CLIENT_REDIRECT,
        client_id,
        code_verifier: pkce.verifier,
      });
      expect(late).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    } finally {
      await short.close();
    }
  });
});

describe('clients and redirect URIs', () => {
  it('shows an error page, not a redirect, for an unregistered redirect URI', async () => {
    const { client_id } = await registerClient(h.url);
    const response = await new BrowserSession(h.url).get(
      authorizationUrl(h.url, {
        clientId: client_id,
        pkce: createPkce(),
        redirectUri: 'https://evil.example/cb',
      }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('redirect_uri did not match');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('shows an error page for an unregistered client, and the token endpoint refuses it', async () => {
    const response = await new BrowserSession(h.url).get(
      authorizationUrl(h.url, { clientId: 'not-registered', pkce: createPkce() }),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('invalid_client');
    const token = await postToken(h.url, {
      grant_type: 'authorization_code',
      code: 'x'.repeat(43),
      redirect_uri: CLIENT_REDIRECT,
      client_id: 'not-registered',
      code_verifier: createPkce().verifier,
    });
    expect(token).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh returns a new refresh token and a working access token', async () => {
    const { clientId, refreshToken } = await connect();
    const first = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(refreshToken);
    expect(await verify(first.body.access_token!)).toMatchObject({ principal: 'usr_ada' });
    const second = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      client_id: clientId,
    });
    expect(second.status).toBe(200);
  });

  it('detect reuse: presenting a rotated refresh token revokes the whole grant', async () => {
    const { clientId, refreshToken, accessToken } = await connect();
    const rotated = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(rotated.status).toBe(200);
    const reuse = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await expectInvalidToken(accessToken);
    await expectInvalidToken(rotated.body.access_token!);
    const afterReuse = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token!,
      client_id: clientId,
    });
    expect(afterReuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('never widen the scopes the user granted', async () => {
    const { clientId, refreshToken } = await connect({ access: 'read' });
    const wider = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      scope: 'mcp:read mcp:write',
    });
    expect(wider).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('belong to the client they were issued to', async () => {
    const { refreshToken } = await connect();
    const other = await registerClient(h.url);
    const stolen = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: other.client_id,
    });
    expect(stolen).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});

describe('revocation (RFC 7009)', () => {
  const revoke = (token: string, clientId: string, hint?: string) =>
    fetch(`${h.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token,
        client_id: clientId,
        ...(hint !== undefined && { token_type_hint: hint }),
      }),
    });

  it('ends an access token at once, and the other tokens of its grant with it', async () => {
    const { clientId, accessToken, refreshToken } = await connect();
    expect((await revoke(accessToken, clientId, 'access_token')).status).toBe(200);
    await expectInvalidToken(accessToken);
    // oidc-provider revokes every token of the grant (the consent itself stays).
    const refreshed = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('ends the grant when its refresh token is revoked', async () => {
    const { clientId, accessToken, refreshToken } = await connect();
    expect((await revoke(refreshToken, clientId)).status).toBe(200);
    await expectInvalidToken(accessToken);
  });

  it('does not let a client revoke another client’s token', async () => {
    const { accessToken } = await connect();
    const other = await registerClient(h.url);
    expect((await revoke(accessToken, other.client_id)).status).toBe(200);
    expect(await verify(accessToken)).toMatchObject({ principal: 'usr_ada' });
  });
});

describe('resource indicators (RFC 8707)', () => {
  it('refuses an authorization request for another resource', async () => {
    const { client_id } = await registerClient(h.url);
    const response = await new BrowserSession(h.url).get(
      authorizationUrl(h.url, {
        clientId: client_id,
        pkce: createPkce(),
        resource: 'https://evil.example/mcp',
      }),
    );
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses a token request for a resource the code was not issued for', async () => {
    const { client_id } = await registerClient(h.url);
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(h.url),
      { clientId: client_id, pkce, scope: 'mcp:read', resource: h.resource },
      { credential: DEMO_API_KEY },
    );
    const token = await postToken(h.url, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
      resource: `${h.url}/other`,
    });
    expect(token).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });

  it('does not accept a token presented to another resource', async () => {
    const { accessToken } = await connect();
    await expectInvalidToken(accessToken, 'https://other.example/mcp');
  });
});

describe('sign-in and consent form', () => {
  it('shows the client, the account, the scopes in plain words and the workspaces', async () => {
    const { client_id } = await registerClient(h.url, { client_name: 'Acme <Agent>' });
    const session = new BrowserSession(h.url);
    const signIn = await openSignIn(session, {
      clientId: client_id,
      pkce: createPkce(),
      scope: 'mcp:read mcp:write',
    });
    expect(signIn.html).toContain(
      '<strong>Acme &lt;Agent&gt;</strong> is requesting access to your Conveyor API account',
    );
    expect(signIn.html).toMatch(/<label for="credential">/);
    const consent = await session.follow(
      await session.post(`${signIn.base}/sign-in`, { csrf: signIn.csrf, credential: DEMO_API_KEY }),
    );
    expect(consent.headers.get('content-security-policy')).toMatch(
      /form-action 'self' http:\/\/127\.0\.0\.1:9/,
    );
    const html = await consent.text();
    expect(html).toContain('Signed in as <strong>Ada Moreau (ada@acme.example)</strong>');
    expect(html).toContain('Read only');
    expect(html).toContain('Read and write');
    expect(html).toContain('Read workflows, block types, executions and their logs');
    expect(html).toContain('Acme Operations <code>wsp_acme</code>');
    expect(html).not.toContain('wsp_globex');
  });

  it('explains a key the platform refuses, and keeps nothing', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce() });
    const response = await session.post(`${signIn.base}/sign-in`, {
      csrf: signIn.csrf,
      credential: 'cvk_wrong',
    });
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('Conveyor API did not accept this API key');
    expect(html).toContain('aria-invalid="true"');
  });

  it('says so when the platform cannot be reached', async () => {
    const down = await startAuthorizationServer({ platformUrl: 'http://127.0.0.1:9' });
    try {
      const session = new BrowserSession(down.url);
      const { client_id } = await registerClient(down.url);
      const page = await session.follow(
        await session.get(authorizationUrl(down.url, { clientId: client_id, pkce: createPkce() })),
      );
      const html = await page.text();
      const response = await session.post(`${actionBaseOf(html)}/sign-in`, {
        csrf: csrfOf(html),
        credential: DEMO_API_KEY,
      });
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('Conveyor API could not be reached to check your API key');
    } finally {
      await down.close();
    }
  });

  it('refuses form posts without the CSRF token', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce() });
    const forged = await session.post(`${signIn.base}/sign-in`, { csrf: 'forged', credential: DEMO_API_KEY });
    expect(forged.status).toBe(403);
    // Without the interaction cookie the page is gone, whatever the token.
    const elsewhere = await new BrowserSession(h.url).post(`${signIn.base}/sign-in`, {
      csrf: signIn.csrf,
      credential: DEMO_API_KEY,
    });
    expect(elsewhere.status).toBe(400);
  });

  it('asks again when no workspace is chosen', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce() });
    const consent = await session.follow(
      await session.post(`${signIn.base}/sign-in`, { csrf: signIn.csrf, credential: DEMO_API_KEY }),
    );
    const response = await session.post(`${signIn.base}/consent`, {
      csrf: csrfOf(await consent.text()),
      access: 'read',
      decision: 'allow',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Choose at least one workspace.');
  });

  it('sends the client access_denied when the user denies', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce() });
    const consent = await session.follow(
      await session.post(`${signIn.base}/sign-in`, { csrf: signIn.csrf, credential: DEMO_API_KEY }),
    );
    const denied = await session.follow(
      await session.post(`${signIn.base}/consent`, { csrf: csrfOf(await consent.text()), decision: 'deny' }),
    );
    const location = new URL(denied.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('sends the client access_denied when the user cancels at sign-in', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce() });
    const cancelled = await session.follow(
      await session.post(`${signIn.base}/cancel`, { csrf: signIn.csrf }),
    );
    expect(new URL(cancelled.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });

  it('lets the user sign in again with another credential, forgetting the first', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce() });
    await session.post(`${signIn.base}/sign-in`, { csrf: signIn.csrf, credential: DEMO_API_KEY });
    expect(await h.store.oauth.find('SignIn', signIn.base.split('/').pop()!)).toBeDefined();
    const again = await session.follow(await session.post(`${signIn.base}/sign-out`, { csrf: signIn.csrf }));
    expect(await again.text()).toContain('<label for="credential">');
    const uid = signIn.base.split('/').pop()!;
    expect(await h.store.oauth.find('SignIn', uid)).toBeUndefined();
  });

  it('offers only read access to a read-only request', async () => {
    const session = new BrowserSession(h.url);
    const { client_id } = await registerClient(h.url);
    const signIn = await openSignIn(session, { clientId: client_id, pkce: createPkce(), scope: 'mcp:read' });
    const consent = await session.follow(
      await session.post(`${signIn.base}/sign-in`, { csrf: signIn.csrf, credential: DEMO_READ_ONLY_API_KEY }),
    );
    const html = await consent.text();
    expect(html).toContain('Read only');
    expect(html).not.toContain('Read and write');
  });
});

describe('grants', () => {
  it('re-authorizing the same client replaces the previous grant', async () => {
    const first = await connect();
    const second = await connect({ clientId: first.clientId, access: 'read' });
    await expectInvalidToken(first.accessToken);
    expect(await verify(second.accessToken)).toMatchObject({ scopes: ['mcp:read'] });
    const listed = (await h.app.authorizationServer.listClients()).find((c) => c.clientId === first.clientId);
    expect(listed).toMatchObject({
      clientName: 'Test Agent',
      grants: 1,
      scopes: ['mcp:read'],
      users: [{ id: 'usr_ada', name: 'Ada Moreau (ada@acme.example)' }],
    });
    expect(listed?.lastUsedAt).toBeTypeOf('number');
  });

  it('revoking a client ends its grants and tokens at once', async () => {
    const { clientId, accessToken, refreshToken } = await connect();
    expect(await h.app.authorizationServer.revokeClient(clientId)).toMatchObject({ grants: 1 });
    await expectInvalidToken(accessToken);
    const refreshed = await postToken(h.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await h.app.authorizationServer.listClients()).map((c) => c.clientId)).not.toContain(clientId);
  });
});

describe('at rest (SQLite)', () => {
  let dir: string;
  let sqlite: AuthorizationServerHarness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spec2mcp-as-'));
    sqlite = await startAuthorizationServer({ store: { kind: 'sqlite', file: join(dir, 'store.sqlite') } });
  });
  afterAll(async () => {
    await sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the credential encrypted and tokens only as hashes', async () => {
    const { client_id } = await registerClient(sqlite.url);
    const pkce: Pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(sqlite.url),
      { clientId: client_id, pkce, scope: 'mcp:read', resource: sqlite.resource },
      { credential: DEMO_API_KEY },
    );
    const code = redirect.searchParams.get('code')!;
    const tokens = await postToken(sqlite.url, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
    });
    const grant = await sqlite.app.authorizationServer.tokenVerifier.verify(tokens.body.access_token!, {
      resource: sqlite.resource,
    });

    // Through the runtime's opener: it loads the addon built for this Node.js (SPEC2MCP_SQLITE_NATIVE_BINDING).
    const db = openSqliteDatabase(join(dir, 'store.sqlite'));
    try {
      const credentials = db.prepare('SELECT * FROM user_credentials').all() as {
        ref: string;
        ciphertext: string;
      }[];
      expect(credentials).toHaveLength(1);
      expect(credentials[0]?.ref).toBe(grant?.credentialRef);
      expect(credentials[0]?.ciphertext).toMatch(/^v1\./);
      const everything = JSON.stringify([credentials, db.prepare('SELECT * FROM oauth_records').all()]);
      expect(everything).not.toContain(DEMO_API_KEY);
      expect(everything).not.toContain(tokens.body.access_token);
      expect(everything).not.toContain(tokens.body.refresh_token);
      expect(everything).not.toContain(code);
    } finally {
      db.close();
    }
    expect(await sqlite.app.authorizationServer.credentialVault.get(grant!.credentialRef!)).toBe(
      DEMO_API_KEY,
    );
  });
});
