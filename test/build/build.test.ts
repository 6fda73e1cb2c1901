/**
 * `npm run build` output runs with plain node: the runtime serves the Conveyor tools from
 * <outDir>/generated/conveyor against the reference platform, and the CLI answers --help.
 * Builds into .tmp/ (not dist/, which may be a developer's); the build is one tsc run (~15-20 s).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';
import { connectClient } from '../runtime/connect-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(root, '.tmp', `build-test-${process.pid}`);

/** The environment of a plain-node child: no tsx loader, whatever the test runner was started with. */
function plainNodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env['NODE_OPTIONS'];
  return env;
}

function runNode(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { cwd: root, env: plainNodeEnv(env), encoding: 'utf8' });
}

let platform: FastifyInstance | undefined;
let child: ChildProcess | undefined;

beforeAll(async () => {
  const build = runNode([join(root, 'scripts/build.mjs'), '--outDir', outDir]);
  expect(build.stderr + build.stdout, 'npm run build').toMatch(/Built into/);
  expect(build.status).toBe(0);
}, 120_000);

afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await platform?.close();
  await rm(outDir, { recursive: true, force: true });
});

/** Resolves with the MCP URL from the "listening" log line. */
function waitForUrl(process: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { url?: string };
      if (typeof record.url === 'string') resolve(record.url);
    });
    process.once('exit', (code) => reject(new Error(`main exited early with code ${code}: ${stderr()}`)));
  });
}

describe('npm run build', () => {
  it('emits JavaScript, source maps and the assets the code reads, and no tests', () => {
    for (const file of [
      'runtime/main.js',
      'runtime/main.js.map',
      'cli/spec2mcp.js',
      'generator/generate.js',
      'platform/conveyor/build-platform.js',
      'generated/conveyor/index.js',
      'specs/conveyor/openapi.yaml',
      'package.json',
    ]) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
    expect(existsSync(join(outDir, 'test'))).toBe(false);
    expect(existsSync(join(outDir, 'runtime/main.d.ts'))).toBe(false);
  });

  it('serves the 28 Conveyor tools with plain node (no tsx) and calls one against the platform', async () => {
    platform = await buildPlatform({ logger: false });
    const platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });

    const env = plainNodeEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      SPEC2MCP_AUTH: 'none',
      SPEC2MCP_STORE: 'memory',
      SPEC2MCP_UPSTREAM_URL: `${platformUrl}/v1`,
      SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY,
      LOG_LEVEL: 'info',
    });
    expect(env['NODE_OPTIONS'] ?? '').not.toMatch(/tsx/);
    const args = [join(outDir, 'runtime/main.js'), join(outDir, 'generated/conveyor')];
    expect(args.join(' ')).not.toMatch(/tsx|\.ts\b/);
    const started = spawn(process.execPath, args, { cwd: outDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const url = await waitForUrl(started, () => stderr);

    const health = await fetch(new URL('/healthz', url));
    expect(await health.json()).toEqual({ status: 'ok' });

    const connected = await connectClient(url, '2026-07-28');
    try {
      const { tools } = await connected.client.listTools();
      expect(tools).toHaveLength(28);
      const result = await connected.client.callTool({ name: 'list_workspaces', arguments: {} });
      expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
      expect(JSON.stringify(result.content)).toContain('wsp_acme');
    } finally {
      await connected.close();
    }

    const exited = new Promise((resolve) => started.once('exit', resolve));
    started.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('the built CLI (one bundle of the serve path, chunks for its lazy imports) serves Conveyor with plain node', async () => {
    expect(existsSync(join(outDir, 'chunks'))).toBe(true);
    const args = [join(outDir, 'cli/spec2mcp.js'), 'serve', join(outDir, 'generated/conveyor'), '--no-auth'];
    const started = spawn(process.execPath, args, {
      cwd: outDir,
      env: plainNodeEnv({
        PORT: '0',
        SPEC2MCP_STORE: 'sqlite',
        SPEC2MCP_DATA_DIR: join(outDir, '.data'),
        LOG_LEVEL: 'info',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      const url = await waitForUrl(started, () => stderr);
      const connected = await connectClient(url, '2025-11-25');
      try {
        expect((await connected.client.listTools()).tools).toHaveLength(28);
      } finally {
        await connected.close();
      }
      const exited = new Promise((resolve) => started.once('exit', resolve));
      started.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (started.exitCode === null) started.kill('SIGKILL');
    }
  });

  it('the built CLI answers --help with plain node', () => {
    const help = runNode([join(outDir, 'cli/spec2mcp.js'), '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('spec2mcp generate');
  });

  it('the built runtime explains a TypeScript API folder instead of failing obscurely', () => {
    const run = runNode([join(outDir, 'runtime/main.js'), join(root, 'generated/conveyor')], {
      SPEC2MCP_AUTH: 'none',
      SPEC2MCP_STORE: 'memory',
      PORT: '0',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no TypeScript loader');
    expect(run.stderr).toContain('dist/generated/<api>');
  });
});
