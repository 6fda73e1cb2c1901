/**
 * The parts of the embedded authorization server with rules of their own: where the credential key
 * comes from, what the vault stores and refuses, which resource URLs tokens may be bound to, which
 * redirect URIs and metadata-document URLs are allowed, and a tenant-path grant end to end.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import {
  readPlatformTenants,
  readPlatformUser,
} from '../../runtime/auth/authorization-server/call-platform.js';
import {
  checkRedirectUris,
  isPublicHttpsUrl,
} from '../../runtime/auth/authorization-server/create-provider.js';
import {
  CREDENTIAL_KEY_FILE_NAME,
  deriveKeys,
  loadCredentialKey,
} from '../../runtime/auth/authorization-server/credential-key.js';
import {
  CredentialDecryptError,
  createCredentialVault,
} from '../../runtime/auth/authorization-server/credential-vault.js';
import {
  createMcpResources,
  resolvePublicUrl,
} from '../../runtime/auth/authorization-server/resource-urls.js';
import { openMemoryStore } from '../../runtime/stores/memory-store.js';
import {
  type AuthorizationServerHarness,
  authorizationUrl,
  authorize,
  BrowserSession,
  CLIENT_REDIRECT,
  createPkce,
  postToken,
  registerClient,
  startAuthorizationServer,
} from './authorization-server-harness.js';

function recordingLogger() {
  const lines: { level: string; message: string; object: object }[] = [];
  return {
    lines,
    warn: (object: object, message: string) => lines.push({ level: 'warn', message, object }),
    info: (object: object, message: string) => lines.push({ level: 'info', message, object }),
  };
}

describe('credential key', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spec2mcp-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes SPEC2MCP_CREDENTIAL_KEY when it is 32 bytes of base64, and refuses anything else', () => {
    const key = randomBytes(32);
    expect(loadCredentialKey({ env: { SPEC2MCP_CREDENTIAL_KEY: key.toString('base64') } })).toEqual({
      key,
      source: 'env',
    });
    for (const bad of [
      randomBytes(16).toString('base64'),
      'not base64 at all!',
      randomBytes(32).toString('hex'),
    ]) {
      expect(() => loadCredentialKey({ env: { SPEC2MCP_CREDENTIAL_KEY: bad } })).toThrow(
        /must be 32 bytes in base64/,
      );
    }
  });

  it('without one, generates a key file readable only by its owner, warns, and reuses it', () => {
    const logger = recordingLogger();
    const first = loadCredentialKey({ env: {}, dataDir: join(dir, 'data'), logger });
    const file = join(dir, 'data', CREDENTIAL_KEY_FILE_NAME);
    expect(first.source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(first.key);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/Set SPEC2MCP_CREDENTIAL_KEY/),
      }),
    ]);
    expect(loadCredentialKey({ env: {}, dataDir: join(dir, 'data') }).key).toEqual(first.key);
  });

  it('keeps it in memory when there is no data directory (the memory store)', () => {
    const loaded = loadCredentialKey({ env: {} });
    expect(loaded.source).toBe('memory');
    expect(loaded.key).toHaveLength(32);
  });

  it('derives stable, independent keys, and an ES256 key that signs', () => {
    const key = randomBytes(32);
    const derived = deriveKeys(key);
    expect(deriveKeys(key)).toEqual(derived);
    expect(deriveKeys(randomBytes(32)).cookieKeys).not.toEqual(derived.cookieKeys);
    expect(derived.csrfKey.equals(Buffer.from(derived.cookieKeys[0] ?? '', 'base64url'))).toBe(false);
    const privateKey = createPrivateKey({ key: { ...derived.signingJwk }, format: 'jwk' });
    const { d: _d, ...publicJwk } = derived.signingJwk;
    const signature = sign('sha256', Buffer.from('hello'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const publicKey = createPublicKey({ key: publicJwk, format: 'jwk' });
    expect(
      verifySignature(
        'sha256',
        Buffer.from('hello'),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(true);
  });
});

describe('credential vault', () => {
  it('stores ciphertext only, gives it back with the key, and replaces what an owner had', async () => {
    const store = openMemoryStore();
    const vault = createCredentialVault(store.credentials, randomBytes(32));
    const ref = await vault.put('owner-1', 'secret-1');
    const stored = await store.credentials.get(ref);
    expect(stored?.ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored?.ciphertext).not.toContain('secret-1');
    expect(await vault.get(ref)).toBe('secret-1');
    const replaced = await vault.put('owner-1', 'secret-2');
    expect(await vault.get(ref)).toBeUndefined();
    expect(await vault.get(replaced)).toBe('secret-2');
    await vault.delete(replaced);
    expect(await vault.get(replaced)).toBeUndefined();
  });

  it('refuses a ciphertext that was altered, moved to another row, or read with another key', async () => {
    const store = openMemoryStore();
    const key = randomBytes(32);
    const vault = createCredentialVault(store.credentials, key);
    const ref = await vault.put('owner-1', 'secret-1');
    const record = (await store.credentials.get(ref))!;
    const [format, iv, body, tag] = record.ciphertext.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await store.credentials.replace({
      ...record,
      ciphertext: [format, iv, flipped.toString('base64url'), tag].join('.'),
    });
    await expect(vault.get(ref)).rejects.toBeInstanceOf(CredentialDecryptError);

    const good = await vault.put('owner-2', 'secret-2');
    const moved = (await store.credentials.get(good))!;
    await store.credentials.replace({ ...moved, ref: 'cred_other', owner: 'owner-3' });
    await expect(vault.get('cred_other')).rejects.toThrow(/does not decrypt/);

    const otherKey = createCredentialVault(store.credentials, randomBytes(32));
    await expect(otherKey.get(good)).rejects.toThrow(/SPEC2MCP_CREDENTIAL_KEY differs/);
  });

  it('forgets a credential when it expires', async () => {
    let now = 1_000;
    const store = openMemoryStore({ now: () => now });
    const vault = createCredentialVault(store.credentials, randomBytes(32), () => now);
    const ref = await vault.put('sign-in', 'secret', { expiresAt: 2_000 });
    now = 2_000;
    expect(await vault.get(ref)).toBeUndefined();
  });
});

describe('resource URLs', () => {
  it('resolves the public URL from SPEC2MCP_PUBLIC_URL or the listen address', () => {
    expect(
      resolvePublicUrl({ SPEC2MCP_PUBLIC_URL: 'https://mcp.example.com/' }, { host: '0.0.0.0', port: 3000 }),
    ).toBe('https://mcp.example.com');
    expect(resolvePublicUrl({}, { host: '0.0.0.0', port: 3000 })).toBe('http://127.0.0.1:3000');
    expect(resolvePublicUrl({}, { host: '::1', port: 3000 })).toBe('http://[::1]:3000');
    expect(() => resolvePublicUrl({ SPEC2MCP_PUBLIC_URL: 'ftp://x' }, { host: 'h', port: 1 })).toThrow(
      /http or https/,
    );
    expect(() => resolvePublicUrl({ SPEC2MCP_PUBLIC_URL: 'https://x/?a=1' }, { host: 'h', port: 1 })).toThrow(
      /query/,
    );
  });

  it('matches the MCP endpoint, and tenant paths only when the API has them', () => {
    const plain = createMcpResources('https://mcp.example.com');
    expect(plain.base).toBe('https://mcp.example.com/mcp');
    expect(plain.match('https://mcp.example.com/mcp')).toEqual({ resource: 'https://mcp.example.com/mcp' });
    expect(plain.match('https://mcp.example.com/acme/mcp')).toBeUndefined();
    const tenanted = createMcpResources('https://mcp.example.com', { tenantPathParam: 'workspace_id' });
    expect(tenanted.match('https://mcp.example.com/acme/mcp')).toEqual({
      resource: 'https://mcp.example.com/acme/mcp',
      tenant: 'acme',
    });
    for (const other of [
      'https://mcp.example.com/a/b/mcp',
      'https://mcp.example.com/../mcp',
      'https://mcp.example.com//mcp',
      'https://other.example/acme/mcp',
      'https://mcp.example.com/mcp/',
    ]) {
      expect(tenanted.match(other)).toBeUndefined();
    }
  });
});

describe('client rules', () => {
  it("allows https redirect URIs, http only on loopback, and native apps' own schemes", () => {
    const refusal = (uris: string[]) => {
      try {
        checkRedirectUris(uris);
        return undefined;
      } catch (error) {
        return error as { error?: string; error_description?: string };
      }
    };
    expect(refusal(['https://a.example/cb', 'http://127.0.0.1:1/cb', 'http://[::1]/cb'])).toBeUndefined();
    expect(refusal(['http://localhost:8080/cb'])).toBeUndefined();
    // Cursor, VS Code and RFC 8252 reverse-domain schemes.
    expect(
      refusal([
        'cursor://anysphere.cursor-retrieval/oauth/user-conveyor/callback',
        'vscode://vscode.github-authentication/did-authenticate',
        'com.example.app:/oauth2redirect',
      ]),
    ).toBeUndefined();
    for (const uri of [
      'http://10.0.0.1/cb',
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
    ]) {
      expect(refusal([uri])).toMatchObject({
        error: 'invalid_redirect_uri',
        error_description: expect.stringMatching(
          /https, http on a loopback address .*, or an app's own scheme/,
        ),
      });
    }
  });

  it('fetches client metadata documents only from public https URLs', () => {
    expect(isPublicHttpsUrl('https://app.example.com/oauth/client.json')).toBe(true);
    for (const url of [
      'http://app.example.com/client.json',
      'https://localhost/client.json',
      'https://127.0.0.1/client.json',
      'https://10.1.2.3/client.json',
      'https://192.168.1.1/client.json',
      'https://169.254.169.254/latest',
      'https://[::1]/client.json',
      'https://[fd00::1]/client.json',
      'https://printer.local/client.json',
    ]) {
      expect(isPublicHttpsUrl(url)).toBe(false);
    }
  });
});

describe('platform answers', () => {
  it('reads the user from a whoami answer', () => {
    expect(readPlatformUser({ id: 'usr_1', name: 'Ada', email: 'ada@x.example' })).toEqual({
      id: 'usr_1',
      displayName: 'Ada (ada@x.example)',
    });
    expect(readPlatformUser({ user: { sub: 'abc', login: 'ada' } })).toEqual({
      id: 'abc',
      displayName: 'ada',
    });
    expect(readPlatformUser({ name: 'no id' })).toBeUndefined();
    expect(readPlatformUser('text')).toBeUndefined();
  });

  it('reads tenants from a list answer', () => {
    expect(
      readPlatformTenants({
        items: [{ id: 'wsp_1', name: 'One' }, { id: 'wsp_2' }, 'junk'],
        nextCursor: 'c2',
      }),
    ).toEqual({
      tenants: [
        { id: 'wsp_1', name: 'One' },
        { id: 'wsp_2', name: 'wsp_2' },
      ],
      nextCursor: 'c2',
    });
    expect(readPlatformTenants([{ org: 'acme', title: 'Acme' }], 'org')).toEqual({
      tenants: [{ id: 'acme', name: 'Acme' }],
    });
  });
});

describe('tenant-path resources', () => {
  let h: AuthorizationServerHarness;
  beforeAll(async () => {
    h = await startAuthorizationServer({
      api: (api) => ({ ...api, access: { ...api.access, tenantPathParam: 'workspace_id' } }),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('binds a token to <public>/<tenant>/mcp and names the tenant in the grant', async () => {
    const { client_id } = await registerClient(h.url);
    const pkce = createPkce();
    const resource = `${h.url}/wsp_acme/mcp`;
    const redirect = await authorize(
      new BrowserSession(h.url),
      { clientId: client_id, pkce, scope: 'mcp:read', resource },
      { credential: DEMO_API_KEY },
    );
    const tokens = await postToken(h.url, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: CLIENT_REDIRECT,
      client_id,
      code_verifier: pkce.verifier,
    });
    const verifier = h.app.authorizationServer.tokenVerifier;
    expect(await verifier.verify(tokens.body.access_token!, { resource })).toMatchObject({
      tenant: 'wsp_acme',
      scopes: ['mcp:read'],
    });
    await expect(
      verifier.verify(tokens.body.access_token!, { resource: `${h.url}/wsp_globex/mcp` }),
    ).rejects.toThrow(/issued for another resource/);
    await expect(verifier.verify(tokens.body.access_token!, { resource: h.resource })).rejects.toThrow(
      /issued for another resource/,
    );
  });
});

describe('an issuer with a path (behind a proxy that strips it)', () => {
  let h: AuthorizationServerHarness;
  beforeAll(async () => {
    h = await startAuthorizationServer({ plugin: { publicUrl: 'https://gateway.example/conveyor' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves metadata with the path in every URL, also at the RFC 8414 path-inserted location', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/conveyor',
    ]) {
      const metadata = (await (await fetch(`${h.url}${path}`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: 'https://gateway.example/conveyor',
        authorization_endpoint: 'https://gateway.example/conveyor/oauth/authorize',
        token_endpoint: 'https://gateway.example/conveyor/oauth/token',
      });
    }
    expect(h.resource).toBe('https://gateway.example/conveyor/mcp');
  });

  it('sends the browser to the sign-in page under the path, with secure cookies', async () => {
    const { client_id } = await registerClient(h.url);
    const response = await new BrowserSession(h.url).get(
      authorizationUrl(h.url, { clientId: client_id, pkce: createPkce() }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/conveyor\/oauth\/interaction\/[\w-]+$/);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');
    expect(cookies.join('\n')).toContain('path=/conveyor/oauth/interaction/');
  });
});

describe('Client ID Metadata Documents', () => {
  let h: AuthorizationServerHarness;
  const clientId = 'https://agent.example/oauth/client.json';
  beforeAll(async () => {
    h = await startAuthorizationServer();
    // The document's host is not reachable from a test: answer its URL, pass everything else through.
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== clientId) return realFetch(input, init);
      return new Response(
        JSON.stringify({
          client_id: clientId,
          client_name: 'Metadata Agent',
          redirect_uris: [CLIENT_REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        }),
        { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=60' } },
      );
    });
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await h?.close();
  });

  it('accepts an https client_id without registration, named by its document', async () => {
    const pkce = createPkce();
    const redirect = await authorize(
      new BrowserSession(h.url),
      { clientId, pkce, scope: 'mcp:read', resource: h.resource },
      { credential: DEMO_API_KEY },
    );
    const tokens = await postToken(h.url, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
      code_verifier: pkce.verifier,
    });
    expect(tokens.status).toBe(200);
    expect(
      await h.app.authorizationServer.tokenVerifier.verify(tokens.body.access_token!, {
        resource: h.resource,
      }),
    ).toMatchObject({ clientId, clientName: 'Metadata Agent', scopes: ['mcp:read'] });
    expect((await h.app.authorizationServer.listClients()).map((client) => client.clientName)).toContain(
      'Metadata Agent',
    );
  });

  it('does not fetch a document from a private address', async () => {
    const response = await new BrowserSession(h.url).get(
      authorizationUrl(h.url, { clientId: 'https://10.0.0.5/client.json', pkce: createPkce() }),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('invalid_client');
  });
});
