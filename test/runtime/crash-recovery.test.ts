/**
 * Given a runtime killed with SIGKILL while the platform holds a keyed write, want the same call
 * after a restart (same SQLite file) not to reach the platform again: it reports the unknown
 * outcome and how to check it. A write that finished before the kill is replayed after it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildPlatform, getPlatformState } from '../../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';
import { REPLAY_META_KEY } from '../../runtime/idempotency/run-keyed-call.js';
import { type ConnectedClient, connectClient } from './connect-client.js';

const CREATE_ROUTE = 'POST /v1/workspaces/:workspaceId/workflows';
const HOLD_MS = 3_000;

let platform: FastifyInstance;
let platformUrl: string;
let dataDir: string;
const children: ChildProcess[] = [];
const clients: ConnectedClient[] = [];

beforeAll(async () => {
  // Every platform request is held for HOLD_MS: long enough to kill the runtime mid-call.
  platform = await buildPlatform({ logger: false, tickMs: 60_000, latencyMs: HOLD_MS });
  platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  dataDir = mkdtempSync(join(resolve('.'), '.tmp-crash-'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await platform.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function deliveries(): number {
  return getPlatformState(platform).requestCounts.get(CREATE_ROUTE) ?? 0;
}

/** Starts `runtime/main.ts` on the Conveyor API with the shared SQLite store; resolves with its MCP URL. */
function startRuntime(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/main.ts', 'generated/conveyor'], {
    cwd: resolve('.'),
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SPEC2MCP_UPSTREAM_URL: `${platformUrl}/v1`,
      SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY,
      SPEC2MCP_STORE: 'sqlite',
      SPEC2MCP_DATA_DIR: dataDir,
      // This test is about crashes, not callers: the endpoint serves without tokens.
      SPEC2MCP_AUTH: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolvePromise, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const record = JSON.parse(line) as { url?: string };
      if (typeof record.url === 'string') resolvePromise({ child, url: record.url });
    });
    child.once('exit', (code) => reject(new Error(`runtime exited early (${code}): ${stderr}`)));
  });
}

async function connect(url: string): Promise<ConnectedClient> {
  const connected = await connectClient(url, '2026-07-28');
  clients.push(connected);
  return connected;
}

function createArgs(key: string) {
  return {
    workspace_id: 'wsp_acme',
    idempotency_key: key,
    name: `Crash ${key}`,
    blocks: [{ id: 'start', type: 'trigger_manual', name: 'Start', config: {} }],
    edges: [],
  };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.kill('SIGKILL');
  });
}

describe('a runtime killed mid-call', () => {
  it('does not send the keyed write again after a restart: it reports the unknown outcome', async () => {
    const first = await startRuntime();
    const before = deliveries();
    const { client } = await connect(first.url);
    const pending = client
      .callTool({ name: 'create_workflow', arguments: createArgs('crash-key-1') })
      .catch((error: unknown) => error);
    await vi.waitFor(() => expect(deliveries()).toBe(before + 1), { timeout: 10_000, interval: 20 });
    await kill(first.child);
    await pending;

    const second = await startRuntime();
    const retry = (await (
      await connect(second.url)
    ).client.callTool({
      name: 'create_workflow',
      arguments: createArgs('crash-key-1'),
    })) as CallToolResult;
    expect(retry.isError).toBe(true);
    const text = retry.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text).toMatch(
      /^create_workflow with idempotency key "crash-key-1" was sent to the platform at .*, but no answer came back, so it may or may not have taken effect\. It was not sent again, to avoid doing it twice\. Check with list_workflows whether it took effect/,
    );
    // The held request finishes at the platform; nothing else arrives.
    await new Promise((resolvePromise) => setTimeout(resolvePromise, HOLD_MS + 500));
    expect(deliveries()).toBe(before + 1);
  }, 60_000);

  it('replays a write that finished before the kill', async () => {
    const first = await startRuntime();
    const before = deliveries();
    const done = (await (
      await connect(first.url)
    ).client.callTool({
      name: 'create_workflow',
      arguments: createArgs('crash-key-2'),
    })) as CallToolResult;
    expect(done.isError).toBeFalsy();
    await kill(first.child);

    const second = await startRuntime();
    const retry = (await (
      await connect(second.url)
    ).client.callTool({
      name: 'create_workflow',
      arguments: createArgs('crash-key-2'),
    })) as CallToolResult;
    expect(retry.structuredContent).toEqual(done.structuredContent);
    expect(retry._meta?.[REPLAY_META_KEY]).toMatchObject({ key: 'crash-key-2', replayed: true });
    expect(deliveries()).toBe(before + 1);
  }, 60_000);
});
