/**
 * The parts of `spec2mcp bundle`: the manifest for APIs with other credential schemes (given an
 * API, want the user_config and env it asks for), the official validator on each of them, and the
 * esbuild step refusing native modules.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SCHEMAS } from '@anthropic-ai/mcpb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMcpbManifest } from '../../bundle/build-mcpb-manifest.js';
import { BundleError, bundleStdioServer } from '../../bundle/bundle-stdio-server.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let conveyor: ApiDefinition;
let work: string;

beforeAll(async () => {
  conveyor = await loadApi(join(root, 'generated/conveyor'));
  work = await mkdtemp(join(tmpdir(), 'spec2mcp-mcpb-parts-'));
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

function withScheme(scheme: ApiDefinition['securitySchemes'][number] | undefined): ApiDefinition {
  if (scheme === undefined) {
    const { auth: _none, ...upstream } = conveyor.upstream;
    return { ...conveyor, upstream };
  }
  return {
    ...conveyor,
    securitySchemes: [scheme],
    upstream: { ...conveyor.upstream, auth: { scheme: scheme.name } },
  };
}

describe('buildMcpbManifest', () => {
  it.each([
    [
      'an API key in a query parameter',
      { name: 'key', type: 'apiKey', in: 'query', paramName: 'api_key' },
      'sent in the api_key query parameter',
    ],
    [
      'HTTP basic',
      { name: 'basic', type: 'http', scheme: 'basic' },
      'user name and password as user:password',
    ],
    ['HTTP bearer', { name: 'bearer', type: 'http', scheme: 'bearer' }, 'sent as a bearer token'],
    ['OAuth 2', { name: 'oauth', type: 'oauth2' }, 'sent as a bearer token'],
  ])('given %s, want a required sensitive credential field saying %j', (_label, scheme, says) => {
    const manifest = buildMcpbManifest({ api: withScheme(scheme), upstreamUrl: 'https://api.example.com' });
    expect(manifest.user_config['upstream_credential']).toMatchObject({ sensitive: true, required: true });
    expect(manifest.user_config['upstream_credential']?.description).toContain(says);
    expect(manifest.server.mcp_config.env['SPEC2MCP_UPSTREAM_CREDENTIAL']).toBe(
      `\${user_config.upstream_credential}`,
    );
    expect(MANIFEST_SCHEMAS['0.3'].safeParse(manifest).success).toBe(true);
  });

  it('given an API without upstream auth, want no credential field and no credential variable', () => {
    const manifest = buildMcpbManifest({
      api: withScheme(undefined),
      upstreamUrl: 'https://api.example.com',
    });
    expect(Object.keys(manifest.user_config).sort()).toEqual(['read_only', 'upstream_url']);
    expect(manifest.server.mcp_config.env).not.toHaveProperty('SPEC2MCP_UPSTREAM_CREDENTIAL');
    expect(MANIFEST_SCHEMAS['0.3'].safeParse(manifest).success).toBe(true);
  });

  it('given --author and --version, want them; the tools sorted by name with their descriptions', () => {
    const reversed = { ...conveyor, tools: [...conveyor.tools].reverse() };
    const manifest = buildMcpbManifest({
      api: reversed,
      upstreamUrl: 'https://staging.example.com/v1',
      author: 'Platform team',
      version: '2.0.0-rc.1',
    });
    expect(manifest.author).toEqual({ name: 'Platform team' });
    expect(manifest.version).toBe('2.0.0-rc.1');
    expect(manifest.user_config['upstream_url']?.default).toBe('https://staging.example.com/v1');
    const names = manifest.tools.map((tool) => tool.name);
    expect(names).toEqual([...names].sort());
    const search = conveyor.tools.find((tool) => tool.name === 'search');
    expect(manifest.tools.find((tool) => tool.name === 'search')?.description).toBe(search?.description);
  });
});

describe('bundleStdioServer', () => {
  it('refuses an API module that pulls in the SQLite driver, naming it and where to fix it', async () => {
    const entry = join(work, 'entry-with-sqlite.ts');
    await writeFile(
      entry,
      [
        `export { api } from ${JSON.stringify(join(root, 'generated/conveyor/index.ts'))};`,
        `export { openSqliteStore } from ${JSON.stringify(join(root, 'runtime/stores/sqlite-store.ts'))};`,
      ].join('\n'),
    );
    const bundling = bundleStdioServer({ apiEntry: entry, outFile: join(work, 'out/index.js') });
    await expect(bundling).rejects.toThrow(BundleError);
    await expect(bundling).rejects.toThrow(/must not contain native modules.*better-sqlite3/);
  }, 30_000);
});
