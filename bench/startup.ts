/**
 * Startup and session cost, side by side: time from spawning the server to the first successful
 * tools/list, for the Conveyor server and the 1,049-operation vault document (generated into
 * .tmp-gen/ first), from sources (tsx) and from the built output (SPEC2MCP_USE_DIST=1 or when
 * dist/ exists); then heap and RSS per idle 2025-era session (N raw initializes, measured with GC).
 * Targets: Conveyor under 300 ms, vault under 1 s, under 50 KB per idle session.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildServer } from '../runtime/build-server.js';
import { loadApi } from '../runtime/load-api.js';

const ROOT = resolve(import.meta.dirname, '..');
const VAULT_SPEC = '/work/shared/corpus/openapi/vault-openapi.json';
const VAULT_DIR = join(ROOT, '.tmp-gen/vault-bench');
const RUNS = 3;
const SESSIONS = 500;

interface Target {
  readonly label: string;
  readonly command: readonly string[];
}

function targets(): Target[] {
  const list: Target[] = [
    { label: 'conveyor (tsx)', command: ['--import', 'tsx', 'runtime/main.ts', 'generated/conveyor'] },
    { label: 'vault (tsx)', command: ['--import', 'tsx', 'runtime/main.ts', VAULT_DIR] },
  ];
  const dist = join(ROOT, 'dist/runtime/main.js');
  if (process.env['SPEC2MCP_USE_DIST'] === '1' || existsSync(dist)) {
    if (!existsSync(dist))
      throw new Error('SPEC2MCP_USE_DIST=1 but dist/ is missing: run `npm run build` first.');
    list.push({ label: 'conveyor (dist)', command: [dist, join(ROOT, 'dist/generated/conveyor')] });
  }
  return list;
}

/** Spawns the server and resolves with ms until its first tools/list answered. */
async function timeToFirstList(target: Target): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...target.command], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      SPEC2MCP_AUTH: 'none',
      SPEC2MCP_STORE: 'memory',
      SPEC2MCP_UPSTREAM_URL: 'http://127.0.0.1:9',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /listening on (http:\/\/\S+?)"/.exec(out)?.[1];
        if (found !== undefined) done(found);
      });
      child.once('exit', (code) => fail(new Error(`${target.label} exited ${code}: ${out.slice(-2000)}`)));
    });
    for (;;) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      }).catch(() => undefined);
      if (response?.ok) {
        await response.arrayBuffer();
        return performance.now() - started;
      }
      await sleep(5);
    }
  } finally {
    child.kill('SIGKILL');
  }
}

/** Heap and RSS bytes per idle 2025 session, in process. */
async function bytesPerSession(): Promise<{ heap: number; rss: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const app = await buildServer({
    api: await loadApi(join(ROOT, 'generated/conveyor')),
    upstreamUrl: 'http://127.0.0.1:9',
    sessions: { maxSessions: SESSIONS * 2 },
  });
  const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  const initialize = async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'bench', version: '1' },
        },
      }),
    });
    await response.text();
  };
  await initialize(); // warm up code paths before the baseline
  gc();
  await sleep(50);
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < SESSIONS; i += 1) await initialize();
  gc();
  await sleep(50);
  gc();
  const after = process.memoryUsage();
  await app.close();
  return { heap: (after.heapUsed - before.heapUsed) / SESSIONS, rss: (after.rss - before.rss) / SESSIONS };
}

if (!existsSync(join(VAULT_DIR, 'index.ts'))) {
  console.log(`generating ${VAULT_SPEC} into ${VAULT_DIR}`);
  execFileSync(process.execPath, ['bin/spec2mcp.js', 'generate', VAULT_SPEC, '--out', VAULT_DIR], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

console.log(`startup: spawn to first tools/list, median of ${RUNS}`);
for (const target of targets()) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) times.push(await timeToFirstList(target));
  times.sort((a, b) => a - b);
  console.log(`  ${target.label.padEnd(18)} ${Math.round(times[Math.floor(RUNS / 2)] ?? 0)} ms`);
}
const perSession = await bytesPerSession();
console.log(
  `idle 2025 session (${SESSIONS} sessions): ${(perSession.heap / 1024).toFixed(1)} KB heap, ${(perSession.rss / 1024).toFixed(1)} KB RSS each`,
);
