/**
 * Two authorization-server instances behind one public URL, sharing a PostgreSQL store and the
 * credential key (as behind a load balancer): a client registered on one is known to the other, a
 * code issued by one is exchanged at the other, and a revocation on one is refused by the other at
 * once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import type { StoreConfig } from '../../runtime/stores/create-store.js';
import { createTestSchemaName, dropTestSchema, getTestDatabaseUrl } from '../stores/test-postgres.js';
import {
  type AuthorizationServerHarness,
  authorize,
  BrowserSession,
  CLIENT_REDIRECT,
  createPkce,
  postToken,
  registerClient,
  startAuthorizationServer,
} from './authorization-server-harness.js';

let url: string;
let schema: string;
let a: AuthorizationServerHarness;
let b: AuthorizationServerHarness;

beforeAll(async () => {
  url = await getTestDatabaseUrl();
  schema = createTestSchemaName();
  const store: StoreConfig = { kind: 'postgres', connectionString: url, schema, pruneIntervalMs: 0 };
  const credentialKey = randomBytes(32);
  a = await startAuthorizationServer({ store, plugin: { credentialKey } });
  b = await startAuthorizationServer({ store, plugin: { credentialKey, publicUrl: a.url } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  if (schema !== undefined) await dropTestSchema(url, schema);
});

describe('two instances on one PostgreSQL store', () => {
  it('share clients, codes, grants, credentials and revocations', async () => {
    expect(b.app.authorizationServer.issuer).toBe(a.url);
    const { client_id } = await registerClient(b.url, { client_name: 'Shared Agent' });
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(a.url),
      { clientId: client_id, pkce, scope: 'mcp:read mcp:write', resource: a.resource },
      { credential: DEMO_API_KEY, access: 'write' },
    );
    const tokens = await postToken(b.url, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
    });
    expect(tokens.status).toBe(200);

    const onA = await a.app.authorizationServer.tokenVerifier.verify(tokens.body.access_token!, {
      resource: a.resource,
    });
    const onB = await b.app.authorizationServer.tokenVerifier.verify(tokens.body.access_token!, {
      resource: b.resource,
    });
    expect(onB).toEqual(onA);
    expect(onA).toMatchObject({ principal: 'usr_ada', scopes: ['mcp:read', 'mcp:write'] });
    expect(await b.app.authorizationServer.credentialVault.get(onA!.credentialRef!)).toBe(DEMO_API_KEY);

    const refreshed = await postToken(a.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token!,
      client_id,
    });
    expect(refreshed.status).toBe(200);
    // The rotated refresh token is spent on every instance.
    const replayOnB = await postToken(b.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token!,
      client_id,
    });
    expect(replayOnB).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Reuse detection revoked the grant: the refreshed token is gone on A too.
    await expect(
      a.app.authorizationServer.tokenVerifier.verify(refreshed.body.access_token!, { resource: a.resource }),
    ).rejects.toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('refuses on one instance what a client revocation on the other ended', async () => {
    const { client_id } = await registerClient(a.url, { client_name: 'Revoked Agent' });
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(a.url),
      { clientId: client_id, pkce, scope: 'mcp:read', resource: a.resource },
      { credential: DEMO_API_KEY },
    );
    const tokens = await postToken(a.url, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
    });
    expect((await b.app.authorizationServer.listClients()).map((client) => client.clientName)).toContain(
      'Revoked Agent',
    );
    expect(await b.app.authorizationServer.revokeClient(client_id)).toMatchObject({ grants: 1 });
    await expect(
      a.app.authorizationServer.tokenVerifier.verify(tokens.body.access_token!, { resource: a.resource }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
