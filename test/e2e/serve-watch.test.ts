/**
 * `spec2mcp serve --watch` end to end, as a platform team uses it: the real CLI serves a generated
 * Conveyor; while a 2025-era client holds its session, the overlays change so one more operation
 * becomes a tool and the real CLI regenerates the folder. Want: the client is sent
 * tools/list_changed, lists exactly one tool more, and the server answers a call of it (no restart).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/spec2mcp.js');
// Two levels below the repository, like generated/<api>, so the modules' `../../runtime` imports resolve.
const OUT = join(ROOT, `.tmp-gen/serve-watch-${process.pid}`);
const EXCLUSIONS = 'overlays/30-exclusions.yaml';

let specDir: string;
let server: ChildProcess | undefined;
let baseUrl: string;
let serverLog = '';

function generate(): void {
  const result = spawnSync(process.execPath, [CLI, 'generate', specDir, '--out', OUT, '--no-cache'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
}

beforeAll(async () => {
  specDir = await mkdtemp(join(tmpdir(), 'spec2mcp-serve-watch-'));
  await cp(join(ROOT, 'specs/conveyor'), specDir, { recursive: true });
  generate();
  server = spawn(process.execPath, [CLI, 'serve', OUT, '--no-auth', '--watch', '--port', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      SPEC2MCP_STORE: 'memory',
      SPEC2MCP_UPSTREAM_URL: 'http://127.0.0.1:9/v1',
      SPEC2MCP_UPSTREAM_CREDENTIAL: 'test',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    serverLog += chunk.toString();
  });
  baseUrl = await new Promise<string>((done, fail) => {
    server?.once('exit', (code) => fail(new Error(`serve exited ${code}: ${serverLog}`)));
    server?.stdout?.on('data', (chunk: Buffer) => {
      serverLog += chunk.toString();
      const match = /MCP endpoint listening on (http:\/\/[^\s"]+)\/mcp/.exec(serverLog);
      if (match?.[1]) done(match[1]);
    });
  });
}, 120_000);

afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((done) => server?.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  await rm(OUT, { recursive: true, force: true });
  await rm(specDir, { recursive: true, force: true });
});

describe('spec2mcp serve --watch', () => {
  it('given a regeneration that adds listAllUsers, the connected client is notified, lists it and calls it', async () => {
    const client = new Client(
      { name: 'watch-e2e', version: '1.0.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    let notified = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      notified += 1;
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
    try {
      expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
      const before = (await client.listTools()).tools.map((tool) => tool.name);
      expect(before).not.toContain('list_all_users');
      // The SDK client opens its GET stream right after initialize, without waiting for it.
      await new Promise((done) => setTimeout(done, 300));

      // Given: the exclusion overlay now spares listAllUsers; the real generator rewrites the folder.
      const exclusions = join(specDir, EXCLUSIONS);
      const text = await readFile(exclusions, 'utf8');
      const narrowed = text.replace(
        "$.paths.*[?@.tags[0] == 'admin']",
        "$.paths.*[?@.tags[0] == 'admin' && @.operationId != 'listAllUsers']",
      );
      expect(narrowed).not.toBe(text);
      await writeFile(exclusions, narrowed);
      generate();

      await vi.waitFor(() => expect(notified, serverLog.slice(-2000)).toBeGreaterThanOrEqual(1), {
        timeout: 15_000,
      });
      const after = (await client.listTools()).tools.map((tool) => tool.name);
      expect(after.filter((name) => !before.includes(name))).toEqual(['list_all_users']);
      expect(before.filter((name) => !after.includes(name))).toEqual([]);
      // The platform is unreachable here: the new tool runs and reports that, it is not "Unknown tool".
      const called = await client.callTool({ name: 'list_all_users', arguments: {} });
      expect(JSON.stringify(called)).not.toMatch(/Unknown tool|not found/i);
      expect(called.isError).toBe(true);
    } finally {
      await client.close();
    }
  }, 120_000);
});
