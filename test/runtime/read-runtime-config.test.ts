import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  RUNTIME_ENV_HELP,
  RuntimeConfigError,
  readRuntimeConfig,
} from '../../runtime/read-runtime-config.js';
import { RUNTIME_VERSION } from '../../runtime/version.js';

describe('readRuntimeConfig', () => {
  it('defaults: 127.0.0.1:3000, localhost hosts, info logs', () => {
    expect(readRuntimeConfig({}, ['generated/notes'])).toEqual({
      apiDir: 'generated/notes',
      host: '127.0.0.1',
      port: 3000,
      allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
      toolMode: 'all',
      logLevel: 'info',
      store: { kind: 'sqlite', file: '.data/spec2mcp.sqlite', synchronous: 'normal' },
      enforceRateLimits: true,
      auth: { mode: 'embedded' },
      publicUrl: 'http://127.0.0.1:3000',
    });
  });

  it('reads every variable; the argument wins over SPEC2MCP_API_DIR', () => {
    const config = readRuntimeConfig(
      {
        SPEC2MCP_API_DIR: 'generated/other',
        PORT: '8080',
        HOST: '10.1.2.3',
        SPEC2MCP_UPSTREAM_URL: 'https://api.example.com/v1',
        SPEC2MCP_UPSTREAM_CREDENTIAL: 'secret',
        SPEC2MCP_ALLOWED_ORIGINS: 'app.example.com',
        SPEC2MCP_TOOLSETS: 'notes, search',
        SPEC2MCP_TOOL_MODE: 'dynamic',
        LOG_LEVEL: 'debug',
        SPEC2MCP_STORE: 'postgres',
        SPEC2MCP_DATABASE_URL: 'postgres://mcp@db:5432/mcp',
        SPEC2MCP_TRUSTED_PRINCIPAL_HEADER: 'X-Forwarded-User',
        SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS: '2.5',
        SPEC2MCP_RATE_LIMITS: 'off',
        SPEC2MCP_UPSTREAM_MAX_CONNECTIONS: '8',
      },
      ['generated/notes'],
    );
    expect(config).toEqual({
      apiDir: 'generated/notes',
      host: '10.1.2.3',
      port: 8080,
      upstreamUrl: 'https://api.example.com/v1',
      upstreamCredential: 'secret',
      allowedHosts: ['localhost', '127.0.0.1', '[::1]', '10.1.2.3'],
      allowedOrigins: ['app.example.com'],
      toolsets: ['notes', 'search'],
      toolMode: 'dynamic',
      logLevel: 'debug',
      store: { kind: 'postgres', connectionString: 'postgres://mcp@db:5432/mcp' },
      trustedPrincipalHeader: 'X-Forwarded-User',
      idempotencyWaitMs: 2500,
      enforceRateLimits: false,
      upstreamMaxConnections: 8,
      // Behind an authenticating proxy, bearer tokens are off by default.
      auth: { mode: 'none' },
      publicUrl: 'http://10.1.2.3:8080',
    });
  });

  it.each([
    {
      variable: 'SPEC2MCP_RATE_LIMITS',
      value: 'maybe',
      want: 'SPEC2MCP_RATE_LIMITS must be on or off, got "maybe".',
    },
    {
      variable: 'SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS',
      value: '-1',
      want: 'SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS must be a number of seconds of at least 0, got "-1".',
    },
    {
      variable: 'SPEC2MCP_STORE',
      value: 'redis',
      want: 'SPEC2MCP_STORE must be one of memory, sqlite, postgres; got "redis".',
    },
  ])('$variable=$value is a configuration error', ({ variable, value, want }) => {
    expect(() => readRuntimeConfig({ [variable]: value }, ['generated/notes'])).toThrow(
      new RuntimeConfigError(want),
    );
  });

  it.each([
    { given: 'HOST=0.0.0.0', env: { HOST: '0.0.0.0' }, want: ['localhost', '127.0.0.1', '[::1]'] },
    {
      given: 'an explicit list',
      env: { SPEC2MCP_ALLOWED_HOSTS: 'mcp.example.com,localhost' },
      want: ['mcp.example.com', 'localhost'],
    },
    {
      given: 'an IPv6 bind address',
      env: { HOST: 'fd00::1' },
      want: ['localhost', '127.0.0.1', '[::1]', '[fd00::1]'],
    },
  ])('allowed hosts for $given', ({ env, want }) => {
    expect(readRuntimeConfig({ SPEC2MCP_API_DIR: 'x', ...env }, []).allowedHosts).toEqual(want);
  });

  it.each([
    { given: 'unset', env: {}, want: 'all' },
    { given: 'empty', env: { SPEC2MCP_TOOL_MODE: '' }, want: 'all' },
    { given: 'all', env: { SPEC2MCP_TOOL_MODE: 'all' }, want: 'all' },
    { given: 'dynamic', env: { SPEC2MCP_TOOL_MODE: 'dynamic' }, want: 'dynamic' },
    { given: 'another case and blanks', env: { SPEC2MCP_TOOL_MODE: ' Dynamic ' }, want: 'dynamic' },
  ])('SPEC2MCP_TOOL_MODE $given -> $want', ({ env, want }) => {
    expect(readRuntimeConfig({ SPEC2MCP_API_DIR: 'x', ...env }, []).toolMode).toBe(want);
  });

  it.each([
    { given: 'no API folder', env: {}, want: /No generated API folder/ },
    { given: 'a bad PORT', env: { SPEC2MCP_API_DIR: 'x', PORT: 'http' }, want: /PORT must be an integer/ },
    {
      given: 'an unknown tool mode',
      env: { SPEC2MCP_API_DIR: 'x', SPEC2MCP_TOOL_MODE: 'search' },
      want: 'SPEC2MCP_TOOL_MODE must be one of all, dynamic, got "search".',
    },
  ])('$given is a config error', ({ env, want }) => {
    expect(() => readRuntimeConfig(env, [])).toThrow(RuntimeConfigError);
    expect(() => readRuntimeConfig(env, [])).toThrow(want);
  });
});

describe('RUNTIME_ENV_HELP', () => {
  it('documents every variable readRuntimeConfig reads', async () => {
    const source = await readFile(new URL('../../runtime/read-runtime-config.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/env\['([A-Z0-9_]+)'\]/g)].map((match) => match[1]);
    expect(read).toContain('SPEC2MCP_TOOL_MODE');
    for (const name of new Set(read)) expect(RUNTIME_ENV_HELP).toContain(name);
  });
});

describe('RUNTIME_VERSION', () => {
  it('matches package.json (it is sent upstream as the User-Agent)', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(RUNTIME_VERSION).toBe(pkg.version);
  });
});
