/** `runtime/main.ts` as a process: env config, listen, log the URL, serve, exit 0 on SIGTERM. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from './connect-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = fileURLToPath(new URL('../fixtures/runtime/notes', import.meta.url));

let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

function startMain(env: Record<string, string>, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'runtime/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the MCP URL from the "listening" log line. */
function waitForUrl(process: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { url?: string };
      if (typeof record.url === 'string') resolve(record.url);
    });
    process.once('exit', (code) => reject(new Error(`main exited early with code ${code}`)));
  });
}

function waitForExit(process: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => process.once('exit', (code) => resolve(code)));
}

describe('runtime/main.ts', () => {
  it('listens on PORT/HOST, serves the API from the argv folder, shuts down cleanly on SIGTERM', async () => {
    child = startMain(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        SPEC2MCP_UPSTREAM_URL: 'http://127.0.0.1:9/v1',
        SPEC2MCP_STORE: 'memory',
        SPEC2MCP_AUTH: 'none',
      },
      [fixtureDir],
    );
    const url = await waitForUrl(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);

    const health = await fetch(new URL('/healthz', url));
    expect(await health.json()).toEqual({ status: 'ok' });
    const connected = await connectClient(url, '2026-07-28');
    expect((await connected.client.listTools()).tools).toHaveLength(6);
    await connected.close();

    const exited = waitForExit(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 2 with usage when no API folder is given', async () => {
    child = startMain({ SPEC2MCP_API_DIR: '' }, []);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await waitForExit(child)).toBe(2);
    expect(stderr).toContain('No generated API folder');
    expect(stderr).toContain('SPEC2MCP_UPSTREAM_CREDENTIAL');
  });
});
