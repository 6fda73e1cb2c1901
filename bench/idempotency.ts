/**
 * `npm run bench:idempotency` (also part of `npm run bench`): tool-call throughput of a write tool
 * with idempotency on against off, for the SQLite and the PostgreSQL store, in one run.
 *
 * `update_workflow` (idempotency key optional) is called through two MCP servers, one per store.
 * "off" calls carry no key; "on" calls carry a fresh key each, so every call claims a key, completes
 * it and stores its result: the worst case. Both are audited (every write is), so the ratio isolates
 * the cost of idempotency. The platform, the MCP servers and PostgreSQL run as separate processes;
 * this process only generates load, in interleaved rounds so drift hits every leg alike.
 *
 * Environment: BENCH_IDEMPOTENCY_LATENCY_MS (platform latency per call, default 5; a comma-separated
 * list benches each), BENCH_IDEMPOTENCY_STORES (sqlite,postgres), BENCH_CONCURRENCY (16),
 * BENCH_IDEMPOTENCY_DURATION_MS (250 per leg and round), BENCH_IDEMPOTENCY_ROUNDS (40),
 * BENCH_PROFILE=<dir> (CPU profiles of the MCP servers, one folder each), SPEC2MCP_TEST_DATABASE_URL
 * (an existing PostgreSQL, used in a schema of its own, instead of a throwaway server).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Pool } from 'undici';
import { DEMO_API_KEY } from '../platform/conveyor/seed.js';
import {
  freePort,
  type Leg,
  median,
  type Result,
  readCpuMs,
  readMachineBusyMs,
  readProcessGroupCpuMs,
  root,
  runLeg,
  startProcess,
  stopProcess,
  type Watched,
  waitFor,
} from './bench-kit.js';

const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const DURATION_MS = Number(process.env['BENCH_IDEMPOTENCY_DURATION_MS'] ?? 250);
const WARMUP_MS = 2000;
const ROUNDS = Number(process.env['BENCH_IDEMPOTENCY_ROUNDS'] ?? 40);
const LATENCIES_MS = (process.env['BENCH_IDEMPOTENCY_LATENCY_MS'] ?? '5').split(',').map(Number);
const TARGET_RATIO = 0.7;
const PROFILE_DIR = process.env['BENCH_PROFILE'] ? resolve(process.env['BENCH_PROFILE']) : undefined;
const TOOL = 'update_workflow';
const ARGUMENTS = { workspace_id: 'wsp_acme', workflow_id: 'wf_expense_approval', description: 'bench' };
const SQLITE_FILE = 'spec2mcp.sqlite';

type StoreKind = 'sqlite' | 'postgres';
const STORE_LABELS: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const STORES = (process.env['BENCH_IDEMPOTENCY_STORES'] ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter((s): s is StoreKind => s === 'sqlite' || s === 'postgres');

const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
const tmpRoot = join(root, '.tmp', `bench-idempotency-${runId}`);

/** The PostgreSQL the bench uses: an existing one, or a throwaway server it started and stops. */
interface Postgres {
  readonly url: string;
  /** State file of the server this bench started (stopped at the end); undefined for an external one. */
  readonly stateFile?: string;
  /** The postmaster's pid, to count the CPU of its backends. */
  readonly postmasterPid?: number;
}

interface StoreServer {
  readonly kind: StoreKind;
  readonly origin: string;
  readonly cpuMs: () => number | undefined;
  /** Environment that selects and isolates this store. */
  readonly storeEnv: Record<string, string>;
}

interface Row {
  readonly store: StoreKind;
  readonly idempotency: 'off' | 'on';
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: Record<string, number>;
  /** On legs: throughput over that of the off leg, median of the rounds. */
  readonly ratio?: number;
  /** On legs: that ratio in each round. */
  readonly ratios?: readonly number[];
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log(
    `spec2mcp idempotency bench: ${TOOL}, ${CONCURRENCY} concurrent callers, ${ROUNDS} rounds x ${DURATION_MS} ms per leg, ` +
      `platform latency ${LATENCIES_MS.join(' / ')} ms, stores ${STORES.map((s) => STORE_LABELS[s]).join(', ')}\n` +
      "on/off: throughput with idempotency on over off, median of the rounds' ratios; mid-rounds: the middle half\n",
  );
  mkdirSync(tmpRoot, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(tmpRoot, { recursive: true, force: true })];
  try {
    const postgres = STORES.includes('postgres') ? await startPostgres() : undefined;
    if (postgres?.stateFile !== undefined) {
      const stateFile = postgres.stateFile;
      cleanups.push(() => stopPostgres(stateFile));
    }
    const verdicts: string[] = [];
    for (const latencyMs of LATENCIES_MS) {
      const schema = `bench_${runId}_${latencyMs}ms`;
      // A server this bench started is deleted whole; in an external one, only the bench's schema.
      if (postgres !== undefined && postgres.stateFile === undefined) {
        cleanups.push(() => dropSchema(postgres.url, schema));
      }
      const rows = await benchAtLatency(latencyMs, postgres, schema);
      for (const store of STORES) {
        const ratio = rows.find((r) => r.store === store && r.idempotency === 'on')?.ratio;
        if (ratio === undefined) continue;
        verdicts.push(
          `${ratio >= TARGET_RATIO ? 'MET    ' : 'NOT MET'} platform latency ${String(latencyMs).padStart(2)} ms, ` +
            `idempotency on, ${STORE_LABELS[store]}: ${percent(ratio)} of throughput with it off ` +
            `(target >= ${TARGET_RATIO * 100}%)`,
        );
      }
    }
    console.log(verdicts.join('\n'));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error(`cleanup failed: ${(error as Error).message}`));
    }
  }
  console.log(`\nidempotency bench took ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
}

async function benchAtLatency(
  latencyMs: number,
  postgres: Postgres | undefined,
  schema: string,
): Promise<Row[]> {
  const children: ReturnType<typeof startProcess>[] = [];
  const pools: Pool[] = [];
  const killAll = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  try {
    const platformPort = await freePort();
    const platform = startProcess('platform/conveyor/main.ts', [], {
      PLATFORM_PORT: String(platformPort),
      PLATFORM_LOG: 'off',
      PLATFORM_RATE_LIMIT: '100000000',
      PLATFORM_LATENCY_MS: String(latencyMs),
    });
    children.push(platform);
    const platformOrigin = `http://127.0.0.1:${platformPort}`;
    await waitFor(`${platformOrigin}/healthz`);

    const servers: StoreServer[] = [];
    for (const kind of STORES) {
      const storeEnv: Record<string, string> =
        kind === 'sqlite'
          ? { SPEC2MCP_STORE: 'sqlite', SPEC2MCP_DATA_DIR: join(tmpRoot, `sqlite-${latencyMs}ms`) }
          : {
              SPEC2MCP_STORE: 'postgres',
              SPEC2MCP_DATABASE_URL: postgres?.url ?? '',
              SPEC2MCP_DATABASE_SCHEMA: schema,
            };
      const port = await freePort();
      const child = startProcess(
        'runtime/main.ts',
        ['generated/conveyor'],
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          SPEC2MCP_UPSTREAM_URL: `${platformOrigin}/v1`,
          SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY,
          SPEC2MCP_RATE_LIMITS: 'off',
          // Measures the tool-call path alone; bench/auth.ts measures what authentication adds.
          SPEC2MCP_AUTH: 'none',
          LOG_LEVEL: 'warn',
          ...storeEnv,
        },
        // BENCH_PROFILE=dir writes a CPU profile per MCP server, for finding where time goes.
        PROFILE_DIR
          ? [
              // One folder per server: every thread (tsx's loader too) writes its own profile.
              '--cpu-prof',
              `--cpu-prof-dir=${join(PROFILE_DIR, `idempotency-${kind}-${latencyMs}ms`)}`,
            ]
          : [],
      );
      children.push(child);
      const origin = `http://127.0.0.1:${port}`;
      await waitFor(`${origin}/healthz`);
      servers.push({ kind, origin, cpuMs: () => readCpuMs(child.pid), storeEnv });
    }

    interface LegEntry {
      readonly store: StoreKind;
      readonly idempotency: 'off' | 'on';
      readonly leg: Leg;
      readonly watched: readonly Watched[];
      /** Kept open across the rounds: many short legs would otherwise measure connection setup. */
      readonly pool: Pool;
      readonly results: Result[];
    }
    const opened = (pool: Pool) => {
      pools.push(pool);
      return pool;
    };
    const pairs: { readonly off: LegEntry; readonly on: LegEntry }[] = servers.map((server) => {
      const watched: Watched[] = [
        { name: 'platform', cpuMs: () => readCpuMs(platform.pid) },
        { name: 'MCP server', cpuMs: server.cpuMs },
        ...(server.kind === 'postgres' && postgres?.postmasterPid !== undefined
          ? [{ name: 'PostgreSQL', cpuMs: () => readProcessGroupCpuMs(postgres.postmasterPid) }]
          : []),
      ];
      const entry = (idempotency: 'off' | 'on'): LegEntry => ({
        store: server.kind,
        idempotency,
        leg: updateLeg(server, idempotency),
        watched,
        pool: opened(new Pool(server.origin, { connections: CONCURRENCY, pipelining: 1 })),
        results: [],
      });
      return { off: entry('off'), on: entry('on') };
    });
    // Calls per store, to check the store afterwards: every call is audited, every keyed call recorded.
    const calls = new Map<StoreKind, { all: number; keyed: number }>();
    const run = async (entry: LegEntry, durationMs: number): Promise<Result> => {
      const result = await runLeg(entry.leg, durationMs, {
        concurrency: CONCURRENCY,
        watched: entry.watched,
        pool: entry.pool,
      });
      const counted = calls.get(entry.store) ?? { all: 0, keyed: 0 };
      counted.all += result.requests;
      if (entry.idempotency === 'on') counted.keyed += result.requests;
      calls.set(entry.store, counted);
      return result;
    };
    for (const { off, on } of pairs) {
      await run(off, WARMUP_MS);
      await run(on, WARMUP_MS);
    }
    // What the machine spends on other work during the rounds makes the throughput noisy: measure it.
    const ownCpuMs = () => {
      const self = process.cpuUsage();
      const children = [
        readCpuMs(platform.pid),
        ...servers.map((server) => server.cpuMs()),
        readProcessGroupCpuMs(postgres?.postmasterPid),
      ];
      return (self.user + self.system) / 1000 + children.reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
    };
    const machineBefore = readMachineBusyMs();
    const ownBefore = ownCpuMs();
    const roundsStarted = performance.now();
    // Interleaved rounds, each store's off and on legs back to back (alternating which goes first), so
    // drift and other load on the machine hit both alike; the ratio is the median of the rounds' ratios.
    for (let round = 0; round < ROUNDS; round++) {
      for (const { off, on } of pairs) {
        for (const entry of round % 2 === 0 ? [off, on] : [on, off])
          entry.results.push(await run(entry, DURATION_MS));
      }
    }
    const machineAfter = readMachineBusyMs();
    const otherCpus =
      machineBefore === undefined || machineAfter === undefined
        ? undefined
        : (machineAfter - machineBefore - (ownCpuMs() - ownBefore)) / (performance.now() - roundsStarted);
    const rows: Row[] = pairs.flatMap(({ off, on }) =>
      [off, on].map((entry) => ({
        store: entry.store,
        idempotency: entry.idempotency,
        requests: entry.results.reduce((s, r) => s + r.requests, 0),
        perSecond: entry.results.reduce((s, r) => s + r.perSecond, 0) / entry.results.length,
        p50: median(entry.results.map((r) => r.p50)),
        p99: median(entry.results.map((r) => r.p99)),
        cpu: meanCpu(entry.results),
        ...(entry.idempotency === 'on' && roundRatios(off.results, on.results)),
      })),
    );

    printTable(latencyMs, rows);
    // The numbers mean something only if the servers really used the stores they were given.
    const checks: string[] = [];
    for (const server of servers) {
      const counts = await countStoreRows(server, postgres, schema);
      const expected = calls.get(server.kind) ?? { all: 0, keyed: 0 };
      if (counts.idempotency === 0 || counts.audit === 0) {
        throw new Error(
          `The ${STORE_LABELS[server.kind]} store holds no records after the bench: the MCP server ignored ` +
            `${Object.keys(server.storeEnv).join(', ')} (expected ${expected.keyed} idempotency records).`,
        );
      }
      const of = (found: number, wanted: number) => (found === wanted ? `${found}` : `${found} of ${wanted}`);
      checks.push(
        `${STORE_LABELS[server.kind]} ${of(counts.idempotency, expected.keyed)} idempotency records, ` +
          `${of(counts.audit, expected.all)} audit entries`,
      );
    }
    console.log(`  stores written: ${checks.join('; ')}`);
    if (otherCpus !== undefined) {
      const busy = Math.max(0, otherCpus);
      console.log(
        `  other processes used ${busy.toFixed(1)} of ${availableParallelism()} CPUs during the rounds` +
          (busy >= 0.2 ? ': throughput is noisy, see the mid-rounds range of on/off' : ''),
      );
    }
    console.log('');
    return rows;
  } finally {
    await Promise.all(pools.map((pool) => pool.destroy()));
    // Graceful stops: the servers close their stores (and write their CPU profiles) before exiting.
    await Promise.all(children.map((child) => stopProcess(child)));
    process.off('exit', killAll);
  }
}

function updateLeg(server: StoreServer, idempotency: 'off' | 'on'): Leg {
  const name = `${STORE_LABELS[server.kind]} ${idempotency}`;
  let counter = 0;
  const keyPrefix = `bench-${runId}-${server.kind}-${randomBytes(3).toString('hex')}-`;
  const bodyOf = (args: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: TOOL, arguments: args } });
  const fixedBody = bodyOf(ARGUMENTS);
  return {
    name,
    origin: server.origin,
    request: {
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'mcp-method': 'tools/call',
        'mcp-name': TOOL,
      },
      // "on": a fresh key per call, so every call claims, completes and stores a record.
      body:
        idempotency === 'on'
          ? () => bodyOf({ ...ARGUMENTS, idempotency_key: `${keyPrefix}${counter++}` })
          : fixedBody,
    },
    check(status, body) {
      const keyed = body.includes('"spec2mcp/idempotency"');
      if (
        status !== 200 ||
        !body.includes('"structuredContent"') ||
        body.includes('"isError":true') ||
        keyed !== (idempotency === 'on') ||
        (keyed && !body.includes('"replayed":false'))
      ) {
        throw new Error(`${name}: unexpected response ${status}: ${body.slice(0, 400)}`);
      }
    },
  };
}

function printTable(latencyMs: number, rows: readonly Row[]): void {
  console.log(`platform latency ${latencyMs} ms`);
  console.log(
    '  store        idempotency    req/s   p50 ms   p99 ms   on/off   mid-rounds  CPU ms per call by process',
  );
  for (const row of rows) {
    const ratio = row.ratio === undefined ? '' : percent(row.ratio);
    // The middle half of the rounds' ratios: how much other load on the machine moved them.
    const range =
      row.ratios === undefined
        ? ''
        : `${percent(quantile(row.ratios, 0.25))}-${percent(quantile(row.ratios, 0.75))}`;
    const cpu = Object.entries(row.cpu)
      .filter(([, ms]) => ms > 0)
      .map(([name, ms]) => `${name} ${ms.toFixed(3)}`)
      .join(', ');
    console.log(
      `  ${STORE_LABELS[row.store].padEnd(12)} ${row.idempotency.padEnd(11)} ${row.perSecond.toFixed(0).padStart(7)}   ` +
        `${row.p50.toFixed(2).padStart(6)}   ${row.p99.toFixed(2).padStart(6)}   ${ratio.padStart(6)}   ${range.padEnd(10)}  ${cpu}`,
    );
  }
}

function roundRatios(off: readonly Result[], on: readonly Result[]): { ratio: number; ratios: number[] } {
  const ratios = on.map((result, i) => result.perSecond / (off[i]?.perSecond ?? Number.NaN));
  return { ratio: quantile(ratios, 0.5), ratios };
}

/** The q-quantile, interpolating between the two nearest values. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] ?? Number.NaN;
  const above = sorted[Math.ceil(position)] ?? Number.NaN;
  return below + (above - below) * (position - Math.floor(position));
}

/** Rounded down, so a shown 70% always meets a 70% target. */
function percent(ratio: number): string {
  return `${Math.floor(ratio * 100)}%`;
}

/** CPU ms per call by process, averaged over the rounds. */
function meanCpu(results: readonly Result[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const result of results) {
    for (const [name, ms] of Object.entries(result.cpu)) sums[name] = (sums[name] ?? 0) + ms / results.length;
  }
  return sums;
}

async function countStoreRows(
  server: StoreServer,
  postgres: Postgres | undefined,
  schema: string,
): Promise<{ idempotency: number; audit: number }> {
  if (server.kind === 'sqlite') {
    const file = join(server.storeEnv['SPEC2MCP_DATA_DIR'] ?? '', SQLITE_FILE);
    if (!existsSync(file)) return { idempotency: 0, audit: 0 };
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const count = (table: string) =>
        (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return { idempotency: count('idempotency_records'), audit: count('audit_log') };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: postgres?.url });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1', [
      schema,
    ]);
    if (exists.rowCount === 0) return { idempotency: 0, audit: 0 };
    const count = async (table: string) =>
      Number((await client.query(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0].n);
    return { idempotency: await count('idempotency_records'), audit: await count('audit_log') };
  } finally {
    await client.end();
  }
}

async function startPostgres(): Promise<Postgres> {
  const external = process.env['SPEC2MCP_TEST_DATABASE_URL'];
  if (external) return { url: external };
  // Named like the test runs' state files, so a later run stops the server if this bench is killed.
  const stateFile = join(root, '.tmp', `pg-run-${process.pid}-bench-idempotency.env`);
  const { stdout } = await promisify(execFile)(
    'bash',
    [join(root, 'scripts/postgres/start-test-postgres.sh'), '--state-file', stateFile],
    { cwd: root, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const url = /^export SPEC2MCP_TEST_DATABASE_URL='([^']+)'$/m.exec(stdout)?.[1];
  const dataDir = /^export SPEC2MCP_TEST_PGDATA='([^']+)'$/m.exec(stdout)?.[1];
  if (url === undefined) throw new Error(`start-test-postgres.sh printed no URL:\n${stdout}`);
  let postmasterPid: number | undefined;
  try {
    if (dataDir !== undefined) {
      postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    }
  } catch {
    // CPU of PostgreSQL is then not reported
  }
  return { url, stateFile, ...(postmasterPid !== undefined && { postmasterPid }) };
}

async function stopPostgres(stateFile: string): Promise<void> {
  await promisify(execFile)('bash', [join(root, 'scripts/postgres/stop-test-postgres.sh'), stateFile], {
    cwd: root,
    timeout: 60_000,
  });
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

await main();
