/**
 * `npm run bench` (generation part): for large real-world documents from the shared
 * corpus, side by side in one run, each in its own child process (wall time from
 * spawn to exit, peak RSS from the child's own `process.resourceUsage().maxRSS`):
 *
 *   a. `spec2mcp generate`, full (empty output folder, empty cache)
 *   b. @apidevtools/swagger-parser parse + dereference of the same document, alone
 *   c. openapi-mcp-generator generating its server from the same document
 *   d. `spec2mcp generate` again after a one-operation change (warm cache)
 *   e. the same change saved under `spec2mcp generate --watch` (warm process)
 *
 * and the `tools/list` bytes per tool of both generators' servers. Prints ratios and
 * MET / NOT MET against the targets. `BENCH_DOCUMENTS=vault,stripe` picks documents.
 *
 * spec2mcp runs as users run it (the Docker image, CI): the built CLI under plain node
 * (`SPEC2MCP_USE_DIST=1 node bin/spec2mcp.js`), built once at the start (`npm run build`;
 * `BENCH_SKIP_BUILD=1` measures the dist/ already there).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { computeGeneratorFingerprint } from '../generator/cache/read-generator-fingerprint.js';
import type { ToolsListSize } from './measure-tools-list.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const corpus = resolve(root, '../shared/corpus/openapi');
/** Generated output goes one folder below the repo root, so `../../../runtime/define-tool.js` resolves. */
const scratch = join(root, '.tmp-gen');

const DOCUMENTS = [
  { name: 'vault', file: 'vault-openapi.json' },
  { name: 'stripe', file: 'stripe-spec3.json' },
  { name: 'kubernetes', file: 'kubernetes-1.12-swagger.json' },
] as const;

const TARGET = { parseDeref: 3, incremental: 0.1 } as const;
/** The built CLI, with plain node: what the Docker image and CI run. */
const BUILT = { SPEC2MCP_USE_DIST: '1' } as const;
const CHILD_TIMEOUT_MS = 10 * 60_000;
const WATCH_TIMEOUT_MS = 2 * 60_000;

/** Preloaded into every measured child: at exit, writes its resource usage where the bench reads it. */
const REPORT_USAGE =
  'data:text/javascript,import{writeFileSync}from"node:fs";' +
  'process.on("exit",()=>{try{writeFileSync(process.env.BENCH_USAGE_FILE,JSON.stringify(process.resourceUsage()))}catch{}})';

/** (b): what the targets compare with, in plain Node (no TypeScript loader). */
const PARSE_DEREF = `import SwaggerParser from '@apidevtools/swagger-parser';
await SwaggerParser.dereference(process.argv[1]);`;

interface Measured {
  readonly ok: boolean;
  readonly wallMs: number;
  /** User + system CPU time: what the run costs, less skewed than wall time on a busy machine. */
  readonly cpuMs: number;
  /** Peak resident set, MiB. */
  readonly rssMb: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface DocumentResult {
  readonly name: string;
  readonly operations: number;
  readonly full: Measured;
  readonly parseDeref: Measured;
  readonly openapiMcpGenerator: Measured;
  readonly incremental?: Measured;
  /** Pipeline time of the watch session's regeneration (its summary's total). */
  readonly watchMs?: number;
  /** Its time per stage, as the summary prints it. */
  readonly watchStages?: string;
  readonly edited?: string;
  readonly spec2mcpList?: ToolsListSize;
  readonly omgList?: ToolsListSize;
  readonly notes: string[];
}

async function measure(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Measured> {
  const usageFile = join(scratch, `usage-${process.pid}-${Date.now()}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_USAGE, ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await collect(child, CHILD_TIMEOUT_MS);
  const wallMs = performance.now() - started;
  const usage = JSON.parse(
    await readFile(usageFile, 'utf8').catch(() => '{}'),
  ) as Partial<NodeJS.ResourceUsage>;
  await rm(usageFile, { force: true });
  return {
    ok: code === 0,
    wallMs,
    cpuMs: ((usage.userCPUTime ?? 0) + (usage.systemCPUTime ?? 0)) / 1000,
    rssMb: (usage.maxRSS ?? 0) / 1024,
    stdout,
    stderr,
  };
}

function collect(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function benchDocument(doc: (typeof DOCUMENTS)[number]): Promise<DocumentResult> {
  const notes: string[] = [];
  const source = join(corpus, doc.file);
  const text = await readFile(source, 'utf8');
  // A copy named after the document: its API id (and cache folder) is `doc.name`, and (d) edits it.
  const specDir = join(scratch, 'bench-specs');
  await mkdir(specDir, { recursive: true });
  const spec = join(specDir, `${doc.name}.json`);
  await writeFile(spec, text);
  const out = join(scratch, doc.name);
  const omgOut = join(scratch, `omg-${doc.name}`);
  await rm(out, { recursive: true, force: true });
  await rm(omgOut, { recursive: true, force: true });
  await rm(join(root, 'node_modules', '.cache', 'spec2mcp', doc.name), { recursive: true, force: true });
  const generate = ['bin/spec2mcp.js', 'generate', spec, '--out', out];
  const fingerprint = await computeGeneratorFingerprint();

  const parseDeref = await measure(['--input-type=module', '-e', PARSE_DEREF, spec]);
  const full = await measure(generate, { env: BUILT });
  const openapiMcpGenerator = await measure([
    'node_modules/openapi-mcp-generator/bin/openapi-mcp-generator.js',
    '--input',
    spec,
    '--output',
    omgOut,
    '--force',
  ]);
  if (!openapiMcpGenerator.ok)
    notes.push(`openapi-mcp-generator failed: ${lastLine(openapiMcpGenerator.stderr)}`);

  const result: DocumentResult = {
    name: doc.name,
    operations: countOperations(text),
    full,
    parseDeref,
    openapiMcpGenerator,
    notes,
  };
  if (!full.ok) {
    notes.push(`spec2mcp generate failed: ${describeFailure(full)}`);
    return result;
  }
  const edit = editOneOperation(text);
  await writeFile(spec, edit.text);
  const incremental = await measure(generate, { env: BUILT });
  const watch = await measureWatch(generate, spec, text, notes);
  if ((await computeGeneratorFingerprint()) !== fingerprint) {
    notes.push(
      'generator/ changed during the bench: (d) and (e) could reuse nothing (every cache key changed)',
    );
  }
  const spec2mcpList = await measureSpec2mcpList(out, notes);
  const omgList = openapiMcpGenerator.ok ? await measureOmgList(omgOut, notes) : undefined;
  return {
    ...result,
    incremental,
    edited: edit.operation,
    ...(watch ? { watchMs: watch.ms, watchStages: watch.stages } : {}),
    ...(spec2mcpList ? { spec2mcpList } : {}),
    ...(omgList ? { omgList } : {}),
  };
}

/**
 * (e): starts `generate --watch` on the edited spec (its first run is warm from (d)), saves
 * the original back, and reads the pipeline time (and per stage) from the regeneration's summary.
 */
async function measureWatch(
  generate: readonly string[],
  spec: string,
  original: string,
  notes: string[],
): Promise<{ ms: number; stages: string } | undefined> {
  const child = spawn(process.execPath, [...generate, '--watch'], {
    cwd: root,
    env: { ...process.env, ...BUILT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const waitFor = async (pattern: RegExp, from: number): Promise<RegExpExecArray | undefined> => {
    const deadline = Date.now() + WATCH_TIMEOUT_MS;
    while (Date.now() < deadline && child.exitCode === null) {
      const match = pattern.exec(output.slice(from));
      if (match) return match;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  };
  try {
    if (!(await waitFor(/watching .* for changes/, 0))) {
      notes.push(`--watch did not start: ${lastLine(output)}`);
      return undefined;
    }
    const mark = output.length;
    await writeFile(spec, original);
    const summary = await waitFor(/time: ([^;\n]*); total ([\d.]+) (ms|s)/, mark);
    if (!summary) {
      notes.push(`--watch did not regenerate: ${lastLine(output)}`);
      return undefined;
    }
    return { ms: Number(summary[2]) * (summary[3] === 's' ? 1000 : 1), stages: summary[1]! };
  } finally {
    child.kill('SIGINT');
    await collect(child, 10_000);
  }
}

async function measureSpec2mcpList(out: string, notes: string[]): Promise<ToolsListSize | undefined> {
  const listed = await measure(['--import', 'tsx', 'bench/measure-tools-list.ts', out]);
  if (!listed.ok) {
    notes.push(`serving spec2mcp's output failed: ${lastLine(listed.stderr)}`);
    return undefined;
  }
  return JSON.parse(listed.stdout.trim().split('\n').pop() ?? '{}') as ToolsListSize;
}

/**
 * openapi-mcp-generator's server answers `tools/list` with `{name, description, inputSchema}`
 * of every entry of its generated `toolDefinitionMap`. Building and starting that server needs
 * an `npm install` of its own dependencies, so the payload is computed from the map instead.
 */
async function measureOmgList(out: string, notes: string[]): Promise<ToolsListSize | undefined> {
  const source = await readFile(join(out, 'src', 'index.ts'), 'utf8').catch(() => '');
  const start = source.indexOf('new Map([');
  const end = source.indexOf('\n]);', start);
  if (start < 0 || end < 0) {
    notes.push('openapi-mcp-generator output has no toolDefinitionMap to measure');
    return undefined;
  }
  const entries = runInNewContext(`[${source.slice(start + 'new Map(['.length, end)}]`) as [
    string,
    { name: string; description: string; inputSchema: unknown },
  ][];
  const tools = entries.map(([, def]) => ({
    name: def.name,
    description: def.description,
    inputSchema: def.inputSchema,
  }));
  const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  return {
    tools: tools.length,
    bytes: size({ tools }),
    inputSchemaBytes: tools.reduce((sum, t) => sum + size(t.inputSchema), 0),
    outputSchemaBytes: 0,
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function countOperations(text: string): number {
  const paths = (JSON.parse(text) as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  return Object.values(paths).reduce((n, item) => n + METHODS.filter((m) => m in item).length, 0);
}

/** Appends " (edited)" to the first operation's summary (or description), in place in the text. */
function editOneOperation(text: string): { text: string; operation: string } {
  const paths = (JSON.parse(text) as { paths?: Record<string, Record<string, Record<string, unknown>>> })
    .paths;
  for (const [path, item] of Object.entries(paths ?? {})) {
    for (const method of METHODS) {
      for (const field of ['summary', 'description']) {
        const value = item[method]?.[field];
        const pathAt = text.indexOf(`${JSON.stringify(path)}:`);
        if (typeof value !== 'string' || value === '' || pathAt < 0) continue;
        const needle = `"${field}": ${JSON.stringify(value)}`;
        const at = text.indexOf(needle, pathAt);
        if (at < 0) continue;
        const replaced = `"${field}": ${JSON.stringify(`${value} (edited)`)}`;
        return {
          text: text.slice(0, at) + replaced + text.slice(at + needle.length),
          operation: `${method.toUpperCase()} ${path} (${field})`,
        };
      }
    }
  }
  throw new Error('no operation with a summary or description to edit');
}

function describeFailure(run: Measured): string {
  const codes = new Map<string, number>();
  for (const match of run.stderr.matchAll(/\s(MCPGEN_[A-Z_]+)\s/g)) {
    codes.set(match[1]!, (codes.get(match[1]!) ?? 0) + 1);
  }
  const top = [...codes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return `${lastLine(run.stderr)}${top ? ` [${top}]` : ''}`;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop()
      ?.trim() ?? ''
  );
}

/** "load 300 ms, build 157 ms, ..." from the CLI summary. */
function readStages(run: Measured): string {
  const match = /time: ([^;\n]+); total ([^(\n]+)/.exec(run.stdout);
  return match ? `${match[1]}` : '';
}

function readTotalMs(run: Measured): number | undefined {
  const match = /total ([\d.]+) (ms|s)/.exec(run.stdout);
  return match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : undefined;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a    ' : met ? 'MET    ' : 'NOT MET');
const times = (a: number, b: number) => `${(a / b).toFixed(1)}x`;

function row(label: string, run: Measured | undefined, detail = ''): string {
  if (!run) return `  ${label.padEnd(26)} ${'n/a'.padStart(8)}`;
  const failed = run.ok ? '' : '  FAILED';
  return (
    `  ${label.padEnd(26)} ${seconds(run.wallMs).padStart(8)} ${seconds(run.cpuMs).padStart(8)} ` +
    `${`${run.rssMb.toFixed(0)} MB`.padStart(8)}${failed}${detail ? `   ${detail}` : ''}`
  );
}

function describeList(s: ToolsListSize | undefined): string {
  if (!s) return 'n/a';
  const per = (bytes: number) => Math.round(bytes / s.tools);
  return (
    `${per(s.bytes)} B/tool (${s.tools} tools; inputSchema ${per(s.inputSchemaBytes)} B, ` +
    `outputSchema ${per(s.outputSchemaBytes)} B)`
  );
}

function report(results: readonly DocumentResult[]): void {
  console.log('\none child process per run: wall = spawn to exit, CPU = user + system, peak RSS');
  console.log(
    '(a) starts with an empty output folder and an empty generation cache for the API; the OpenAPI schema\n' +
      'validators, compiled once per installation (node_modules/.cache/spec2mcp/validators), are reused)',
  );
  for (const r of results) {
    console.log(`\n${r.name} (${r.operations} operations)${''.padEnd(9)}wall      CPU  peak RSS`);
    console.log(row('(a) spec2mcp, full', r.full, readStages(r.full) || describeFailure(r.full)));
    console.log(row('(b) parse + dereference', r.parseDeref));
    console.log(row('(c) openapi-mcp-generator', r.openapiMcpGenerator));
    const reused = r.incremental
      ? (/cache: ([^)]+)\)/.exec(r.incremental.stdout)?.[1] ?? 'nothing reused')
      : '';
    console.log(
      row('(d) spec2mcp, incremental', r.incremental, r.incremental ? `${readStages(r.incremental)}` : ''),
    );
    if (r.edited) console.log(`  ${''.padEnd(54)}edited ${r.edited}; ${reused}`);
    console.log(
      `  ${'(e) the same, in --watch'.padEnd(26)} ${r.watchMs !== undefined ? seconds(r.watchMs).padStart(8) : '     n/a'}` +
        `   ${r.watchStages ?? ''} (pipeline time from its summary; the process is warm)`,
    );
    console.log(`  tools/list result, spec2mcp:              ${describeList(r.spec2mcpList)}`);
    console.log(`  tools/list result, openapi-mcp-generator: ${describeList(r.omgList)}`);
  }
  console.log(
    '\n(tools/list: spec2mcp served by runtime/build-server.ts and listed with the SDK v2 client; openapi-mcp-generator\n' +
      ' computed from the toolDefinitionMap it generated, mapped as its ListTools handler does: building and starting\n' +
      ' its server needs an npm install of its own dependencies. It lists no outputSchema, title or annotations.)',
  );

  console.log('\ntargets (verdicts on wall time; CPU time beside it)');
  for (const r of results) {
    const full = r.full.ok ? r.full : undefined;
    const base = r.parseDeref;
    console.log(
      `  ${verdict(full ? full.wallMs <= TARGET.parseDeref * base.wallMs : undefined)} ${r.name}: full generation ` +
        `${full ? `${times(full.wallMs, base.wallMs)} (CPU ${times(full.cpuMs, base.cpuMs)})` : 'n/a'} ` +
        `parse+dereference (target <= ${TARGET.parseDeref}x)`,
    );
    const omg = r.openapiMcpGenerator.ok ? r.openapiMcpGenerator : undefined;
    console.log(
      `  ${verdict(full && omg ? full.wallMs < omg.wallMs : undefined)} ${r.name}: full generation ` +
        `${full && omg ? `${times(full.wallMs, omg.wallMs)} (CPU ${times(full.cpuMs, omg.cpuMs)})` : 'n/a'} ` +
        'openapi-mcp-generator (target < 1x)',
    );
    const inc = r.incremental?.ok ? r.incremental : undefined;
    const percent = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;
    console.log(
      `  ${verdict(inc && full ? inc.wallMs <= TARGET.incremental * full.wallMs : undefined)} ${r.name}: ` +
        `one-operation change, new process: ${inc && full ? `${percent(inc.wallMs, full.wallMs)} (CPU ${percent(inc.cpuMs, full.cpuMs)})` : 'n/a'} ` +
        `of full (target <= ${TARGET.incremental * 100}%)`,
    );
    const fullPipeline = full ? readTotalMs(full) : undefined;
    console.log(
      `  ${verdict(r.watchMs !== undefined && fullPipeline !== undefined ? r.watchMs <= TARGET.incremental * fullPipeline : undefined)} ` +
        `${r.name}: one-operation change in --watch: ` +
        `${r.watchMs !== undefined && fullPipeline !== undefined ? percent(r.watchMs, fullPipeline) : 'n/a'} ` +
        `of a full generation's pipeline time (target <= ${TARGET.incremental * 100}%)`,
    );
    const mine = r.spec2mcpList;
    const theirs = r.omgList;
    console.log(
      `  ${verdict(mine && theirs ? mine.bytes / mine.tools < theirs.bytes / theirs.tools : undefined)} ${r.name}: ` +
        `tools/list bytes per tool ${mine && theirs ? percent(mine.bytes / mine.tools, theirs.bytes / theirs.tools) : 'n/a'} ` +
        `of openapi-mcp-generator's (target < 100%)`,
    );
    for (const note of r.notes) console.log(`          note: ${note}`);
  }
  console.log('');
}

/** `npm run build` into dist/, once: every spec2mcp run of the bench is the built CLI. */
function buildCli(): void {
  if (process.env['BENCH_SKIP_BUILD'] === '1') {
    if (!existsSync(join(root, 'dist', 'cli', 'spec2mcp.js'))) {
      throw new Error('BENCH_SKIP_BUILD=1 but dist/ has no build: run `npm run build` first.');
    }
    return;
  }
  process.stdout.write('  building dist/ (npm run build)...');
  const started = performance.now();
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) {
    throw new Error(
      `npm run build failed; fix it (or measure an existing dist/ with BENCH_SKIP_BUILD=1):\n${built.stdout}${built.stderr}`,
    );
  }
  process.stdout.write(` ${seconds(performance.now() - started)}\n`);
}

async function main(): Promise<void> {
  if (!existsSync(corpus)) throw new Error(`The shared corpus is missing: ${corpus}`);
  const wanted = (process.env['BENCH_DOCUMENTS'] ?? DOCUMENTS.map((d) => d.name).join(','))
    .split(',')
    .map((s) => s.trim());
  const documents = DOCUMENTS.filter((d) => wanted.includes(d.name));
  console.log(
    `spec2mcp generation bench: ${documents.map((d) => d.file).join(', ')} from ../shared/corpus/openapi; ` +
      `scratch output in .tmp-gen/`,
  );
  buildCli();
  const results: DocumentResult[] = [];
  for (const doc of documents) {
    process.stdout.write(`  ${doc.name}...`);
    const started = performance.now();
    results.push(await benchDocument(doc));
    process.stdout.write(` ${seconds(performance.now() - started)}\n`);
  }
  report(results);
}

await main();
