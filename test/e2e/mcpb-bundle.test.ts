/**
 * `spec2mcp bundle`: the Claude Desktop extension for generated/conveyor.
 *
 * Given: the bundle written by the command, unpacked with the official unpacker into a temporary
 * folder outside the repository (no node_modules anywhere above it). Want: the official validator
 * (`mcpb validate`, @anthropic-ai/mcpb's CLI) accepts its manifest; the manifest asks for the
 * credential as a sensitive field and lists the generated tools; `node server/index.js`, started the
 * way the desktop client does it (command, args and env from mcp_config, user_config filled in),
 * serves those tools to the SDK v2 client over stdio and calls the Conveyor platform with the
 * credential.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackExtension } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpbManifest } from '../../bundle/build-mcpb-manifest.js';
import { runBundleCommand } from '../../cli/bundle-command.js';
import { buildPlatform } from '../../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const mcpbCli = join(root, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');

let platform: FastifyInstance;
let upstreamUrl: string;
let work: string;
let mcpbFile: string;
let unpacked: string;
let manifest: McpbManifest;
let generatedToolNames: string[];
let bundleOutput = '';

beforeAll(async () => {
  platform = await buildPlatform({ logger: false, tickMs: 20 });
  upstreamUrl = `${await platform.listen({ port: 0, host: '127.0.0.1' })}/v1`;
  work = await mkdtemp(join(tmpdir(), 'spec2mcp-mcpb-test-'));
  const code = await runBundleCommand(['generated/conveyor', '--out', join(work, 'dist')], {
    out: (text) => {
      bundleOutput += text;
    },
    err: (text) => {
      bundleOutput += text;
    },
  });
  expect(code, bundleOutput).toBe(0);
  mcpbFile = join(work, 'dist', 'conveyor.mcpb');
  unpacked = join(work, 'installed');
  expect(await unpackExtension({ mcpbPath: mcpbFile, outputDir: unpacked, silent: true })).toBe(true);
  manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as McpbManifest;
  const generated = JSON.parse(await readFile(join(root, 'generated/conveyor/manifest.json'), 'utf8')) as {
    tools: { name: string }[];
  };
  generatedToolNames = generated.tools.map((tool) => tool.name).sort();
}, 60_000);

afterAll(async () => {
  await platform?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** mcp_config as the desktop client runs it: ${__dirname} and ${user_config.*} substituted. */
function launchParameters(userConfig: Record<string, string>) {
  const substitute = (value: string) =>
    value
      .replaceAll(`\${__dirname}`, unpacked)
      .replace(/\$\{user_config\.([^}]+)\}/g, (whole, key: string) => userConfig[key] ?? whole);
  const config = manifest.server.mcp_config;
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
  for (const [name, value] of Object.entries(config.env)) env[name] = substitute(value);
  return {
    // The desktop client's own Node.js stands in for `node`.
    command: config.command === 'node' ? process.execPath : config.command,
    args: config.args.map(substitute),
    env,
    // Not the repository: nothing may resolve from its node_modules.
    cwd: work,
    stderr: 'pipe' as const,
  };
}

async function connect(userConfig: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'mcpb-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport(launchParameters(userConfig)));
  return client;
}

describe('spec2mcp bundle generated/conveyor', () => {
  it('reports what it wrote', () => {
    expect(bundleOutput).toMatch(/conveyor\.mcpb: Conveyor 1\.0\.0, 28 tools, passes the mcpb validator/);
  });

  it('passes the official validator (mcpb validate)', () => {
    const result = spawnSync(process.execPath, [mcpbCli, 'validate', join(unpacked, 'manifest.json')], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toContain('Manifest schema validation passes!');
    expect(result.status).toBe(0);
  });

  it('asks for the credential as a sensitive field and lists the generated tools', () => {
    expect(manifest).toMatchObject({
      manifest_version: '0.3',
      name: 'conveyor',
      display_name: 'Conveyor',
      version: '1.0.0',
      server: { type: 'node', entry_point: 'server/index.js' },
    });
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/server/index.js`]);
    expect(manifest.server.mcp_config.env).toMatchObject({
      SPEC2MCP_UPSTREAM_CREDENTIAL: `\${user_config.upstream_credential}`,
      SPEC2MCP_UPSTREAM_URL: `\${user_config.upstream_url}`,
    });
    expect(manifest.user_config['upstream_credential']).toMatchObject({ sensitive: true, required: true });
    expect(manifest.user_config['upstream_credential']?.description).toContain('X-Conveyor-Api-Key');
    expect(manifest.user_config['upstream_url']?.default).toBe('http://127.0.0.1:4010/v1');
    expect(manifest.tools.map((tool) => tool.name)).toEqual(generatedToolNames);
    // Nothing secret or machine-specific is baked in.
    expect(JSON.stringify(manifest)).not.toContain(DEMO_API_KEY);
    expect(JSON.stringify(manifest)).not.toContain(root);
  });

  it('starts server/index.js as installed, lists the manifest tools and calls the platform', async () => {
    const client = await connect({
      upstream_credential: DEMO_API_KEY,
      upstream_url: upstreamUrl,
      read_only: 'false',
    });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(manifest.tools.map((tool) => tool.name));
      const result = await client.callTool({ name: 'list_workspaces', arguments: {} });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      const items = (result.structuredContent as { items: { id: string }[] }).items;
      expect(items.map((workspace) => workspace.id)).toContain('wsp_acme');
      // Handlebars must be inside server/index.js: nothing is installed beside an extension.
      const prompt = await client.getPrompt({
        name: 'workflow_health_report',
        arguments: { workspace_id: 'wsp_acme' },
      });
      expect(prompt.messages[0]?.content).toMatchObject({ type: 'text' });
      expect(JSON.stringify(prompt.messages)).toContain('Conveyor workspace wsp_acme');
    } finally {
      await client.close();
    }
  }, 30_000);

  it('serves only the read-only tools when the user ticks read-only, and tolerates a skipped optional field', async () => {
    // upstream_url left out: the client passes the placeholder through; the API's default applies.
    const client = await connect({ upstream_credential: DEMO_API_KEY, read_only: 'true' });
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toContain('list_workspaces');
      expect(names).not.toContain('create_workflow');
      expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
    } finally {
      await client.close();
    }
  }, 30_000);
});
