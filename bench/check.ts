/**
 * `npm run bench` (check part): how long `spec2mcp check` takes on HashiCorp Vault's document
 * (1,049 operations) against a full `spec2mcp generate` of it, side by side in one run, each
 * run in its own child process (wall time from spawn to exit; CPU time from the child's own
 * `process.resourceUsage()`), median of a few runs:
 *
 *   a. `generate` into an empty folder with an empty cache (cold)
 *   b. `check` of that output: nothing changed, so the stamp answers (target: < 25% of a)
 *   c. `check` after a one-word change to the spec: the stamp cannot answer, the pipeline runs
 *      (a dry run with the cache (a) filled); for information
 *
 * twice: from the TypeScript sources (bin/spec2mcp.js through tsx, as in a clone) and from the
 * built JavaScript (`npm run build`, then `SPEC2MCP_USE_DIST=1 node bin/spec2mcp.js`, as the Docker
 * image and CI users of the package run it). Scratch output in .tmp-gen/ (gitignored).
 * `BENCH_CHECK_RUNS=5` sets the runs per measurement; `BENCH_CHECK_DIST=0` skips the built leg;
 * `BENCH_SKIP_BUILD=1` measures the dist/ there is instead of building it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { median, root } from './bench-kit.js';

const corpus = resolve(root, '../shared/corpus/openapi');
const DOCUMENT = 'vault-openapi.json';
/** Under the repo root, so the generated modules' `../../../runtime/define-tool.js` imports resolve. */
const scratch = join(root, '.tmp-gen', 'check-bench');
/** Its own API id, so its cache folder is neither the generation bench's nor a real API's. */
const API_ID = 'vault_check_bench';
const TARGET = 0.25;
const RUNS = Math.max(1, Number(process.env['BENCH_CHECK_RUNS'] ?? 3));
const CHILD_TIMEOUT_MS = 10 * 60_000;

/** Preloaded into every measured child: at exit, writes its resource usage where the bench reads it. */
const REPORT_USAGE =
  'data:text/javascript,import{writeFileSync}from"node:fs";' +
  'process.on("exit",()=>{try{writeFileSync(process.env.BENCH_USAGE_FILE,JSON.stringify(process.resourceUsage()))}catch{}})';

interface Run {
  readonly code: number | null;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Measured {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly runs: readonly Run[];
}

interface Leg {
  readonly name: string;
  /** Names its output folder. */
  readonly slug: string;
  readonly env: Readonly<Record<string, string>>;
}

interface LegResult {
  readonly leg: Leg;
  readonly generate: Measured;
  readonly check: Measured;
  readonly fallback: Measured;
  readonly problems: string[];
}

async function runOnce(args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  const usageFile = join(scratch, `usage-${process.pid}-${Date.now()}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_USAGE, ...args], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await collect(child);
  const wallMs = performance.now() - started;
  const usage = JSON.parse(
    await readFile(usageFile, 'utf8').catch(() => '{}'),
  ) as Partial<NodeJS.ResourceUsage>;
  await rm(usageFile, { force: true });
  const cpuMs = ((usage.userCPUTime ?? 0) + (usage.systemCPUTime ?? 0)) / 1000;
  return { code, wallMs, cpuMs, stdout, stderr };
}

function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function measure(
  times: number,
  run: () => Promise<Run>,
  before?: () => Promise<void>,
): Promise<Measured> {
  const runs: Run[] = [];
  for (let i = 0; i < times; i++) {
    await before?.();
    runs.push(await run());
  }
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)), runs };
}

/** The spec with the first word of the first operation summary changed: one tool's text changes. */
function changeOneWord(text: string): string {
  const at = text.indexOf('"summary": "', text.indexOf('"paths"'));
  if (at < 0) throw new Error(`${DOCUMENT} has no operation summary to change`);
  const start = at + '"summary": "'.length;
  return `${text.slice(0, start)}Changed ${text.slice(start)}`;
}

async function benchLeg(leg: Leg, spec: string, original: string): Promise<LegResult> {
  const out = join(scratch, `out-${leg.slug}`);
  const cacheDir = join(root, 'node_modules', '.cache', 'spec2mcp', API_ID);
  const cli = (...args: string[]) => runOnce(['bin/spec2mcp.js', ...args], leg.env);
  const problems: string[] = [];
  const expect = (runs: readonly Run[], what: string, ok: (r: Run) => boolean) => {
    const bad = runs.find((r) => !ok(r));
    // A check that ran the pipeline says why on stdout (e.g. generator/ edited during the bench).
    if (bad)
      problems.push(`${what}: exit ${bad.code}: ${lastLines(bad.code === 0 ? bad.stdout : bad.stderr)}`);
  };

  await writeFile(spec, original);
  const cold = async () => {
    await rm(out, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  };
  const generate = await measure(RUNS, () => cli('generate', spec, '--out', out), cold);
  expect(generate.runs, 'generate', (r) => r.code === 0);
  const check = await measure(RUNS, () => cli('check', spec, '--out', out));
  expect(check.runs, 'check', (r) => r.code === 0 && r.stdout.includes('from the stamp'));
  await writeFile(spec, changeOneWord(original));
  const fallback = await measure(RUNS, () => cli('check', spec, '--out', out));
  expect(
    fallback.runs,
    'check after a change',
    (r) => r.code === 1 && /changed {2}\S+\/tools\//.test(r.stderr),
  );
  await writeFile(spec, original);
  await rm(cacheDir, { recursive: true, force: true });
  return { leg, generate, check, fallback, problems };
}

/** `npm run build` into dist/ (as bench/generation.ts does); false when it failed. */
async function buildDist(): Promise<boolean> {
  const built = await collect(
    spawn(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  if (built.code === 0) return true;
  console.log(`  npm run build failed (exit ${built.code}): ${lastLines(built.stderr || built.stdout)}`);
  return false;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percent = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;

function report(results: readonly LegResult[]): void {
  console.log(`\n${DOCUMENT}, median of ${RUNS} run(s) each, wall / CPU:`);
  const rows = [
    ['', ...results.map((r) => r.leg.name)],
    [
      '(a) generate, cold',
      ...results.map((r) => `${seconds(r.generate.wallMs)} / ${seconds(r.generate.cpuMs)}`),
    ],
    [
      '(b) check, current (stamp)',
      ...results.map((r) => `${seconds(r.check.wallMs)} / ${seconds(r.check.cpuMs)}`),
    ],
    [
      '(c) check, one word changed (pipeline)',
      ...results.map((r) => `${seconds(r.fallback.wallMs)} / ${seconds(r.fallback.cpuMs)}`),
    ],
    [
      '(b) / (a)',
      ...results.map(
        (r) =>
          `${percent(r.check.wallMs, r.generate.wallMs)} (CPU ${percent(r.check.cpuMs, r.generate.cpuMs)})`,
      ),
    ],
    [
      '(c) / (a)',
      ...results.map(
        (r) =>
          `${percent(r.fallback.wallMs, r.generate.wallMs)} (CPU ${percent(r.fallback.cpuMs, r.generate.cpuMs)})`,
      ),
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('   ')}`);
  console.log('\ntargets (verdicts on wall time)');
  for (const r of results) {
    const ok = r.problems.length === 0;
    const met = ok && r.check.wallMs < TARGET * r.generate.wallMs;
    console.log(
      `  ${!ok ? 'n/a    ' : met ? 'MET    ' : 'NOT MET'} ${r.leg.name}: check of current output ` +
        `${percent(r.check.wallMs, r.generate.wallMs)} of a full generate (target < ${TARGET * 100}%)`,
    );
    for (const problem of r.problems) console.log(`          problem: ${problem}`);
  }
  console.log('');
}

async function main(): Promise<void> {
  const source = join(corpus, DOCUMENT);
  if (!existsSync(source)) throw new Error(`The shared corpus is missing: ${source}`);
  console.log(`spec2mcp check bench: ${DOCUMENT} from ../shared/corpus/openapi; scratch output in .tmp-gen/`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const spec = join(scratch, `${API_ID}.json`);
  await cp(source, spec);
  const original = await readFile(spec, 'utf8');

  const legs: Leg[] = [{ name: 'sources (tsx)', slug: 'sources', env: {} }];
  if (process.env['BENCH_CHECK_DIST'] !== '0') {
    let built = existsSync(join(root, 'dist', 'cli', 'spec2mcp.js'));
    if (process.env['BENCH_SKIP_BUILD'] !== '1') {
      process.stdout.write('  building dist/ (npm run build)...');
      const started = performance.now();
      built = await buildDist();
      process.stdout.write(` ${seconds(performance.now() - started)}\n`);
    }
    if (built) legs.push({ name: 'built (dist/)', slug: 'built', env: { SPEC2MCP_USE_DIST: '1' } });
    else console.log('  no dist/ build: the built leg is skipped');
  }
  const results: LegResult[] = [];
  for (const leg of legs) {
    process.stdout.write(`  ${leg.name}...`);
    const started = performance.now();
    results.push(await benchLeg(leg, spec, original));
    process.stdout.write(` ${seconds(performance.now() - started)}\n`);
  }
  report(results);
  await rm(scratch, { recursive: true, force: true });
}

await main();
