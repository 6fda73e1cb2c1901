/**
 * `spec2mcp stdio`: the official SDK v2 client starts the command the way a desktop client does
 * (StdioClientTransport: a child process, JSON-RPC over its stdin/stdout), lists the Conveyor tools
 * and calls them against the reference platform, once per protocol revision.
 *
 * Given: the Conveyor platform on an ephemeral port, the demo credential in
 * SPEC2MCP_UPSTREAM_CREDENTIAL. Want: the tools of generated/conveyor/manifest.json; calls reach the
 * platform with the credential; a retried write with the same idempotency key runs once; stdout
 * carries nothing but JSON-RPC; the process exits 0 when stdin closes or on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildPlatform } from '../../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';
import { SQLITE_NATIVE_BINDING_ENV } from '../../runtime/stores/open-sqlite-database.js';

type Revision = '2025-11-25' | '2026-07-28';
type Structured = Record<string, unknown>;

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/spec2mcp.js', import.meta.url));

let platform: FastifyInstance;
let upstreamUrl: string;
let manifestTools: { name: string; annotations: { readOnlyHint: boolean } }[];

beforeAll(async () => {
  platform = await buildPlatform({ logger: false, tickMs: 20 });
  upstreamUrl = `${await platform.listen({ port: 0, host: '127.0.0.1' })}/v1`;
  const manifest = JSON.parse(await readFile(`${root}/generated/conveyor/manifest.json`, 'utf8')) as {
    tools: typeof manifestTools;
  };
  manifestTools = manifest.tools;
});
afterAll(async () => {
  await platform?.close();
});

/**
 * The environment of the child: the credential, and nothing of the parent's SPEC2MCP_* settings but
 * the SQLite addon the global setup built for this Node.js (Node 22 and 24 runs need it).
 */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (!name.startsWith('SPEC2MCP_') || name === SQLITE_NATIVE_BINDING_ENV) env[name] = value;
  }
  return { ...env, SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY, ...extra };
}

async function connect(revision: Revision, args: string[] = []): Promise<Client> {
  const client = new Client(
    { name: 'stdio-test', version: '1.0.0' },
    { versionNegotiation: revision === '2025-11-25' ? { mode: 'legacy' } : { mode: { pin: revision } } },
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'stdio', 'generated/conveyor', '--upstream', upstreamUrl, ...args],
    env: childEnv(),
    cwd: root,
    stderr: 'pipe',
  });
  await client.connect(transport);
  return client;
}

async function callOk(client: Client, name: string, args: Structured): Promise<Structured> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
  expect(result.isError, `${name} failed: ${text}`).toBeFalsy();
  return result.structuredContent as Structured;
}

describe.each(['2025-11-25', '2026-07-28'] as const)('spec2mcp stdio, revision %s', (revision) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(revision);
  }, 30_000);
  afterAll(async () => {
    await client?.close();
  });

  it('negotiates the revision and lists the tools of the generated manifest', async () => {
    expect(client.getNegotiatedProtocolVersion()).toBe(revision);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(manifestTools.map((tool) => tool.name).sort());
    expect(client.getServerVersion()?.name).toBe('conveyor');
  });

  it('calls the platform with the credential from SPEC2MCP_UPSTREAM_CREDENTIAL', async () => {
    const me = await callOk(client, 'get_current_user', {});
    // The demo key's user: the platform answered this credential, not an anonymous caller.
    expect(JSON.stringify(me)).toContain('Ada');
    const workspaces = await callOk(client, 'list_workspaces', {});
    expect((workspaces['items'] as { id: string }[]).map((w) => w.id)).toContain('wsp_acme');
  });

  it('replays a retried write with the same idempotency key instead of running it twice', async () => {
    const name = `stdio ${revision} ${randomUUID()}`;
    const args = {
      workspace_id: 'wsp_acme',
      idempotency_key: randomUUID(),
      name,
      blocks: [{ id: 'start', type: 'trigger_manual', name: 'Start', config: {} }],
      edges: [],
    };
    const first = await callOk(client, 'create_workflow', args);
    const second = await callOk(client, 'create_workflow', args);
    expect(second['id']).toBe(first['id']);
    const found = await callOk(client, 'search', { workspace_id: 'wsp_acme', query: name });
    const hits = JSON.stringify(found).split(String(first['id'])).length - 1;
    expect(hits).toBe(1);
  });
});

describe('spec2mcp stdio options', () => {
  it('--read-only lists only the read-only tools and refuses a write tool', async () => {
    const client = await connect('2026-07-28', ['--read-only']);
    try {
      const { tools } = await client.listTools();
      const readOnly = manifestTools.filter((tool) => tool.annotations.readOnlyHint).map((t) => t.name);
      expect(tools.map((tool) => tool.name).sort()).toEqual(readOnly.sort());
      expect(readOnly.length).toBeLessThan(manifestTools.length);
      await expect(
        client.callTool({ name: 'create_workflow', arguments: { workspace_id: 'wsp_acme' } }),
      ).rejects.toThrow(/Unknown tool/);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('--mode dynamic lists the three discovery tools', async () => {
    const client = await connect('2025-11-25', ['--mode', 'dynamic']);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['call_tool', 'describe_tool', 'search_tools']);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('--store sqlite keeps idempotency keys across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'spec2mcp-stdio-sqlite-'));
    const args = {
      workspace_id: 'wsp_acme',
      idempotency_key: randomUUID(),
      name: `stdio sqlite ${randomUUID()}`,
      blocks: [{ id: 'start', type: 'trigger_manual', name: 'Start', config: {} }],
      edges: [],
    };
    const createOnce = async () => {
      const client = await connect('2026-07-28', ['--store', 'sqlite', '--data-dir', dataDir]);
      try {
        return await callOk(client, 'create_workflow', args);
      } finally {
        await client.close();
      }
    };
    try {
      const first = await createOnce();
      const afterRestart = await createOnce();
      expect(afterRestart['id']).toBe(first['id']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a bad setting with exit code 2, before serving', async () => {
    const child = spawn(process.execPath, [bin, 'stdio', 'generated/conveyor', '--mode', 'everything'], {
      cwd: root,
      env: childEnv(),
    });
    const { stdout, stderr } = collectOutput(child);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr()).toContain('SPEC2MCP_TOOL_MODE must be one of all, dynamic');
    expect(stdout()).toBe('');
  }, 30_000);
});

describe('spec2mcp stdio as a process', () => {
  /** Starts the command by hand, sends `initialize`, and waits for its answer. */
  async function startInitialized(): Promise<{
    child: ChildProcess;
    stdout: () => string;
    stderr: () => string;
  }> {
    const child = spawn(process.execPath, [bin, 'stdio', 'generated/conveyor', '--upstream', upstreamUrl], {
      cwd: root,
      env: childEnv(),
    });
    const output = collectOutput(child);
    const answered = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).once('line', () => resolve());
    });
    child.stdin!.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      })}\n`,
    );
    await answered;
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
    return { child, ...output };
  }

  it('writes only JSON-RPC to stdout, logs to stderr, and exits 0 when stdin closes', async () => {
    const { child, stdout, stderr } = await startInitialized();
    await vi.waitFor(() => expect(stdout().split('\n').filter(Boolean)).toHaveLength(2), { timeout: 10_000 });
    child.stdin!.end();
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const lines = stdout().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(JSON.parse(lines[1]!).result.tools).toHaveLength(manifestTools.length);
    expect(stderr()).toContain('serving MCP over stdio');
    expect(stderr()).toContain('stdio connection closed');
    // The credential never reaches a log line.
    expect(stderr()).not.toContain(DEMO_API_KEY);
  }, 30_000);

  it('exits 0 on SIGTERM', async () => {
    const { child, stdout } = await startInitialized();
    await vi.waitFor(() => expect(stdout().split('\n').filter(Boolean)).toHaveLength(2), { timeout: 10_000 });
    child.kill('SIGTERM');
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 30_000);
});

function collectOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  return { stdout: () => out, stderr: () => err };
}
