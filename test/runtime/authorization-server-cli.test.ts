/**
 * `spec2mcp clients list|revoke` against the SQLite store of a running authorization server: what an
 * operator sees, and that a revocation from the command line ends the client's tokens at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClientsCommand } from '../../cli/clients-command.js';
import { DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import { AuthError } from '../../runtime/auth/auth-types.js';
import { SQLITE_FILE_NAME } from '../../runtime/stores/create-store.js';
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

let dir: string;
let h: AuthorizationServerHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spec2mcp-clients-'));
  h = await startAuthorizationServer({ store: { kind: 'sqlite', file: join(dir, SQLITE_FILE_NAME) } });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClientsCommand(args, {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err };
}

async function connect(clientName: string) {
  const { client_id } = await registerClient(h.url, { client_name: clientName });
  const pkce = createPkce();
  const redirect = await authorize(
    new BrowserSession(h.url),
    { clientId: client_id, pkce, scope: 'mcp:read mcp:write', resource: h.resource },
    { credential: DEMO_API_KEY, access: 'read' },
  );
  const tokens = await postToken(h.url, {
    grant_type: 'authorization_code',
    code: redirect.searchParams.get('code')!,
    redirect_uri: CLIENT_REDIRECT,
    client_id,
    code_verifier: pkce.verifier,
  });
  return { clientId: client_id, accessToken: tokens.body.access_token! };
}

describe('spec2mcp clients', () => {
  it('lists authorized clients with their scopes, users and last use', async () => {
    const { clientId, accessToken } = await connect('Claude Desktop');
    await h.app.authorizationServer.tokenVerifier.verify(accessToken, { resource: h.resource });
    // The last use is written in the background; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));

    const table = await run(['list', '--data-dir', dir]);
    expect(table.code).toBe(0);
    expect(table.out[0]).toMatch(/^NAME\s+CLIENT_ID\s+SCOPES\s+USERS\s+LAST_USED$/);
    const row = table.out.find((line) => line.includes(clientId));
    expect(row).toMatch(
      new RegExp(`^Claude Desktop\\s+${clientId}\\s+mcp:read\\s+usr_ada\\s+\\d{4}-\\d{2}-\\d{2}T`),
    );

    const json = await run(['list', '--json'], { SPEC2MCP_STORE: 'sqlite', SPEC2MCP_DATA_DIR: dir });
    expect(json.code).toBe(0);
    const listed = json.out.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(listed.find((client) => client['clientId'] === clientId)).toMatchObject({
      clientName: 'Claude Desktop',
      scopes: ['mcp:read'],
      users: [{ id: 'usr_ada', name: 'Ada Moreau (ada@acme.example)' }],
      grants: 1,
    });
  });

  it('revokes a client: its tokens stop working on the running server at once', async () => {
    const { clientId, accessToken } = await connect('Cursor');
    const revoked = await run(['revoke', clientId, '--data-dir', dir]);
    expect(revoked).toMatchObject({
      code: 0,
      out: [`Revoked 1 grant of Cursor (${clientId}); its tokens no longer work.`],
    });
    await expect(
      h.app.authorizationServer.tokenVerifier.verify(accessToken, { resource: h.resource }),
    ).rejects.toBeInstanceOf(AuthError);
    expect((await run(['list', '--data-dir', dir])).out.join('\n')).not.toContain(clientId);
  });

  it('says so for an unknown client, and refuses bad usage', async () => {
    expect(await run(['revoke', 'nobody', '--data-dir', dir])).toMatchObject({ code: 1 });
    expect((await run(['revoke', '--data-dir', dir])).code).toBe(2);
    expect((await run(['forget', '--data-dir', dir])).code).toBe(2);
    expect((await run(['list'], { SPEC2MCP_STORE: 'memory' })).code).toBe(2);
    expect((await run(['list', '--data-dir', join(dir, 'missing')])).code).toBe(1);
    expect((await run(['--help'])).out[0]).toMatch(/^Usage: spec2mcp clients list/);
  });
});
