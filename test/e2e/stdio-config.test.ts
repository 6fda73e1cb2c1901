/**
 * The stdio server's settings from the environment (runtime/stdio/read-stdio-config.ts): given an
 * environment, want the settings, or a StdioConfigError naming the variable.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadApi } from '../../runtime/load-api.js';
import { openMemoryOnlyStore } from '../../runtime/stdio/open-memory-store.js';
import { readStdioConfig, StdioConfigError } from '../../runtime/stdio/read-stdio-config.js';
import { runStdio } from '../../runtime/stdio/run-stdio.js';

describe('readStdioConfig', () => {
  it('defaults: all tools, memory store, the local principal, rate limits on', () => {
    expect(readStdioConfig({})).toEqual({
      toolMode: 'all',
      readOnly: false,
      enforceRateLimits: true,
      principal: 'local',
      storeKind: 'memory',
      logLevel: 'info',
    });
  });

  it.each([
    ['SPEC2MCP_UPSTREAM_URL', 'https://api.example.com/v1', { upstreamUrl: 'https://api.example.com/v1' }],
    ['SPEC2MCP_UPSTREAM_CREDENTIAL', 'key-1', { upstreamCredential: 'key-1' }],
    ['SPEC2MCP_TOOLSETS', ' a, ,b ', { toolsets: ['a', 'b'] }],
    ['SPEC2MCP_TOOL_MODE', 'Dynamic', { toolMode: 'dynamic' }],
    ['SPEC2MCP_READ_ONLY', 'true', { readOnly: true }],
    ['SPEC2MCP_READ_ONLY', 'off', { readOnly: false }],
    ['SPEC2MCP_RATE_LIMITS', 'off', { enforceRateLimits: false }],
    ['SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS', '2.5', { idempotencyWaitMs: 2500 }],
    ['SPEC2MCP_UPSTREAM_MAX_CONNECTIONS', '8', { upstreamMaxConnections: 8 }],
    ['SPEC2MCP_PRINCIPAL', 'ada', { principal: 'ada' }],
    ['SPEC2MCP_TENANT', 'acme', { tenant: 'acme' }],
    ['SPEC2MCP_STORE', 'SQLite', { storeKind: 'sqlite' }],
    ['LOG_LEVEL', 'debug', { logLevel: 'debug' }],
  ])('given %s=%j, want %j', (name, value, want) => {
    expect(readStdioConfig({ [name]: value })).toMatchObject(want);
  });

  it('treats an unfilled user_config placeholder (an optional field left empty) and blanks as unset', () => {
    const config = readStdioConfig({
      SPEC2MCP_UPSTREAM_URL: `\${user_config.upstream_url}`,
      SPEC2MCP_READ_ONLY: `\${user_config.read_only}`,
      SPEC2MCP_UPSTREAM_CREDENTIAL: '   ',
    });
    expect(config.upstreamUrl).toBeUndefined();
    expect(config.upstreamCredential).toBeUndefined();
    expect(config.readOnly).toBe(false);
  });

  it.each([
    ['SPEC2MCP_TOOL_MODE', 'everything', 'SPEC2MCP_TOOL_MODE must be one of all, dynamic'],
    ['SPEC2MCP_READ_ONLY', 'maybe', 'SPEC2MCP_READ_ONLY must be on or off'],
    ['SPEC2MCP_RATE_LIMITS', 'sometimes', 'SPEC2MCP_RATE_LIMITS must be on or off'],
    ['SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS', '-1', 'SPEC2MCP_IDEMPOTENCY_WAIT_SECONDS must be a number'],
    [
      'SPEC2MCP_UPSTREAM_MAX_CONNECTIONS',
      '0',
      'SPEC2MCP_UPSTREAM_MAX_CONNECTIONS must be a positive integer',
    ],
  ])('given %s=%j, want an error naming it', (name, value, message) => {
    expect(() => readStdioConfig({ [name]: value })).toThrow(StdioConfigError);
    expect(() => readStdioConfig({ [name]: value })).toThrow(message);
  });
});

describe('runStdio', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));

  it('given an API with one endpoint per tenant and no SPEC2MCP_TENANT, want exit 2 before opening a store', async () => {
    const conveyor = await loadApi(join(root, 'generated/conveyor'));
    const api = { ...conveyor, access: { ...conveyor.access, tenantPathParam: 'workspace_id' } };
    let storesOpened = 0;
    const code = await runStdio({
      env: {},
      loadApi: async () => api,
      openStore: (...args) => {
        storesOpened++;
        return openMemoryOnlyStore(...args);
      },
    });
    expect(code).toBe(2);
    expect(storesOpened).toBe(0);
  });
});
