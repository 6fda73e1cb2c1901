/**
 * Authentication settings from the environment (SPEC2MCP_AUTH and friends), the combinations
 * buildServer refuses, and `spec2mcp serve` refusing to run without authentication unless told.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/spec2mcp.js';
import { buildServer } from '../../runtime/build-server.js';
import { RuntimeConfigError, readRuntimeConfig } from '../../runtime/read-runtime-config.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { fakeVerifier } from './auth-kit.js';

const read = (env: Record<string, string | undefined>) =>
  readRuntimeConfig({ SPEC2MCP_API_DIR: 'generated/notes', ...env }, []);

describe('SPEC2MCP_AUTH', () => {
  it('defaults to embedded, with the public URL from HOST and PORT', () => {
    expect(read({ HOST: '0.0.0.0', PORT: '8080' })).toMatchObject({
      auth: { mode: 'embedded' },
      publicUrl: 'http://127.0.0.1:8080',
    });
  });

  it('reads an external authorization server', () => {
    const config = read({
      SPEC2MCP_AUTH: 'external',
      SPEC2MCP_PUBLIC_URL: 'https://mcp.example.com/',
      SPEC2MCP_AUTH_ISSUER: 'https://login.example.com',
      SPEC2MCP_AUTH_JWKS_URI: 'https://login.example.com/jwks',
      SPEC2MCP_AUTH_AUDIENCE: 'https://mcp.example.com/mcp, api://mcp',
      SPEC2MCP_AUTH_ALGORITHMS: 'ES256,PS256',
      SPEC2MCP_AUTH_INTROSPECTION_URL: 'https://login.example.com/introspect',
      SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID: 'mcp',
      SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET: 'secret',
      SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS: '30',
      SPEC2MCP_LIST_TOOLS: 'all',
    });
    expect(config.publicUrl).toBe('https://mcp.example.com');
    expect(config.listAllTools).toBe(true);
    expect(config.auth).toEqual({
      mode: 'external',
      issuer: 'https://login.example.com',
      jwksUri: 'https://login.example.com/jwks',
      audience: ['https://mcp.example.com/mcp', 'api://mcp'],
      algorithms: ['ES256', 'PS256'],
      introspection: {
        url: 'https://login.example.com/introspect',
        clientId: 'mcp',
        clientSecret: 'secret',
        cacheSeconds: 30,
      },
    });
  });

  it('behind a trusted proxy header, bearer tokens are off unless asked for (and then refused)', () => {
    expect(read({ SPEC2MCP_TRUSTED_PRINCIPAL_HEADER: 'X-User' }).auth).toEqual({ mode: 'none' });
    expect(() => read({ SPEC2MCP_TRUSTED_PRINCIPAL_HEADER: 'X-User', SPEC2MCP_AUTH: 'embedded' })).toThrow(
      /exclude each other/,
    );
  });

  it.each([
    {
      env: { SPEC2MCP_AUTH: 'oauth' },
      want: 'SPEC2MCP_AUTH must be one of embedded, external, none, got "oauth".',
    },
    { env: { SPEC2MCP_AUTH: 'external' }, want: /needs SPEC2MCP_AUTH_ISSUER/ },
    {
      env: { SPEC2MCP_AUTH: 'external', SPEC2MCP_AUTH_ISSUER: 'https://login.example.com' },
      want: /needs SPEC2MCP_AUTH_JWKS_URI .*SPEC2MCP_AUTH_INTROSPECTION_URL/,
    },
    {
      env: {
        SPEC2MCP_AUTH: 'external',
        SPEC2MCP_AUTH_ISSUER: 'https://login.example.com',
        SPEC2MCP_AUTH_JWKS_URI: 'https://login.example.com/jwks',
        SPEC2MCP_AUTH_ALGORITHMS: 'RS256,HS256',
      },
      want: /SPEC2MCP_AUTH_ALGORITHMS: JWT algorithm\(s\) HS256 are not accepted/,
    },
    {
      env: {
        SPEC2MCP_AUTH: 'external',
        SPEC2MCP_AUTH_ISSUER: 'https://login.example.com',
        SPEC2MCP_AUTH_INTROSPECTION_URL: 'https://login.example.com/introspect',
      },
      want: /needs SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID and SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET/,
    },
    {
      env: { SPEC2MCP_AUTH_ISSUER: 'https://login.example.com' },
      want: 'SPEC2MCP_AUTH_ISSUER configures an external authorization server; set SPEC2MCP_AUTH=external to use it.',
    },
    { env: { SPEC2MCP_PUBLIC_URL: 'mcp.example.com' }, want: /SPEC2MCP_PUBLIC_URL must be an absolute URL/ },
    { env: { SPEC2MCP_LIST_TOOLS: 'some' }, want: 'SPEC2MCP_LIST_TOOLS must be granted or all, got "some".' },
  ])('$env is a configuration error', ({ env, want }) => {
    expect(() => read(env)).toThrow(RuntimeConfigError);
    expect(() => read(env)).toThrow(want);
  });
});

describe('buildServer refuses ambiguous authentication', () => {
  it.each([
    {
      given: 'verifiers without auth',
      options: { tokenVerifiers: [fakeVerifier({})] },
      want: /auth is none/,
    },
    {
      given: 'a trusted principal header and bearer tokens',
      options: { auth: { mode: 'embedded' as const }, trustedPrincipalHeader: 'X-User' },
      want: /exclude each other/,
    },
    {
      given: 'every Host allowed and no public URL',
      options: { auth: { mode: 'embedded' as const }, allowedHosts: ['*'] },
      want: /SPEC2MCP_PUBLIC_URL/,
    },
  ])('$given', async ({ options, want }) => {
    await expect(
      buildServer({ api: notesApi, upstreamUrl: 'http://127.0.0.1:9', ...options }),
    ).rejects.toThrow(want);
  });
});

describe('spec2mcp serve without authentication', () => {
  let stderr: string[];
  const saved = process.env['SPEC2MCP_AUTH'];
  beforeEach(() => {
    stderr = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      stderr.push(args.join(' '));
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    if (saved === undefined) delete process.env['SPEC2MCP_AUTH'];
    else process.env['SPEC2MCP_AUTH'] = saved;
  });

  it('SPEC2MCP_AUTH=none without --no-auth is a usage error', async () => {
    process.env['SPEC2MCP_AUTH'] = 'none';
    expect(await runCli(['serve', 'generated/conveyor'])).toBe(2);
    expect(stderr.join('\n')).toContain('pass --no-auth to confirm');
  });

  it('--no-auth says why it binds to 127.0.0.1 (stopped here by a bad mode before listening)', async () => {
    expect(
      await runCli(['serve', 'generated/conveyor', '--no-auth', '--host', '0.0.0.0', '--mode', 'x']),
    ).toBe(2);
    const printed = stderr.join('\n');
    expect(printed).toContain('--no-auth: ignoring host 0.0.0.0.');
    expect(printed).toContain('listening on 127.0.0.1 only');
  });
});
