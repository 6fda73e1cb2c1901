/**
 * `npm run bench`: tool-call throughput and latency through the generated MCP
 * server against calling the Conveyor platform directly, measured side by side in
 * one run and printed as ratios. The platform and the MCP server run as separate
 * processes, as deployed; this process only generates load.
 */
import type { ChildProcess } from 'node:child_process';
import { DEMO_API_KEY } from '../platform/conveyor/seed.js';
import {
  freePort,
  type Leg,
  median,
  type Result,
  readCpuMs,
  runLeg as runKitLeg,
  startProcess,
  type Watched,
  waitFor,
} from './bench-kit.js';

const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? 4000);
const WARMUP_MS = 1000;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const TARGET_RATIO = 0.5;

const watched: Watched[] = [];

function runLeg(leg: Leg, durationMs: number): Promise<Result> {
  return runKitLeg(leg, durationMs, { concurrency: CONCURRENCY, watched });
}

function mcpLeg(name: string, origin: string, revision: '2025-11-25' | '2026-07-28'): Leg {
  const args = { workspace_id: 'wsp_acme', workflow_id: 'wf_expense_approval' };
  const params =
    revision === '2026-07-28'
      ? {
          name: 'get_workflow',
          arguments: args,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': revision,
            'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        }
      : { name: 'get_workflow', arguments: args };
  return {
    name,
    origin,
    request: {
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': revision,
        'mcp-method': 'tools/call',
        'mcp-name': 'get_workflow',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }),
    },
    check(status, body) {
      if (status !== 200 || !body.includes('"structuredContent"') || body.includes('"isError":true')) {
        throw new Error(`${name}: unexpected response ${status}: ${body.slice(0, 300)}`);
      }
    },
  };
}

const LATENCIES_MS = (process.env['BENCH_LATENCIES_MS'] ?? '0,5,20').split(',').map(Number);

async function main(): Promise<void> {
  console.log(
    `spec2mcp bench: get_workflow, ${CONCURRENCY} concurrent callers, ${ROUNDS} rounds x ${DURATION_MS} ms per leg, ` +
      `platform latency ${LATENCIES_MS.join(' / ')} ms\n`,
  );
  const verdicts: string[] = [];
  for (const latencyMs of LATENCIES_MS) {
    const rows = await benchAtLatency(latencyMs);
    const base = rows[0]!;
    for (const row of rows.slice(1)) {
      const ratio = row.perSecond / base.perSecond;
      verdicts.push(
        `${ratio >= TARGET_RATIO ? 'MET    ' : 'NOT MET'} platform latency ${String(latencyMs).padStart(2)} ms, ${row.leg}: ` +
          `${(ratio * 100).toFixed(0)}% of direct throughput (target >= ${TARGET_RATIO * 100}%)`,
      );
    }
  }
  console.log(verdicts.join('\n'));
}

interface Row {
  readonly leg: string;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: Record<string, number>;
}

async function benchAtLatency(latencyMs: number): Promise<Row[]> {
  const platformPort = await freePort();
  const mcpPort = await freePort();
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  watched.length = 0;
  try {
    const platformChild = startProcess('platform/conveyor/main.ts', [], {
      PLATFORM_PORT: String(platformPort),
      PLATFORM_LOG: 'off',
      PLATFORM_RATE_LIMIT: '100000000',
      PLATFORM_LATENCY_MS: String(latencyMs),
    });
    children.push(platformChild);
    watched.push({ name: 'platform', cpuMs: () => readCpuMs(platformChild.pid) });
    const platformOrigin = `http://127.0.0.1:${platformPort}`;
    await waitFor(`${platformOrigin}/healthz`);
    const mcpChild = startProcess(
      'runtime/main.ts',
      ['generated/conveyor'],
      {
        PORT: String(mcpPort),
        HOST: '127.0.0.1',
        SPEC2MCP_UPSTREAM_URL: `${platformOrigin}/v1`,
        SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY,
        // The overlay's rate limits would refuse most bench calls; reads touch no store, so no file.
        SPEC2MCP_RATE_LIMITS: 'off',
        // Measures the tool-call path alone; bench/auth.ts measures what authentication adds.
        SPEC2MCP_AUTH: 'none',
        SPEC2MCP_STORE: 'memory',
        LOG_LEVEL: 'warn',
      },
      // BENCH_PROFILE=dir writes a CPU profile of the MCP server, for finding where time goes.
      process.env['BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : [],
    );
    children.push(mcpChild);
    watched.push({ name: 'MCP server', cpuMs: () => readCpuMs(mcpChild.pid) });
    const mcpOrigin = `http://127.0.0.1:${mcpPort}`;
    await waitFor(`${mcpOrigin}/healthz`);

    const direct: Leg = {
      name: 'direct platform GET',
      origin: platformOrigin,
      request: {
        method: 'GET',
        path: '/v1/workspaces/wsp_acme/workflows/wf_expense_approval',
        headers: { 'x-conveyor-api-key': DEMO_API_KEY, accept: 'application/json' },
      },
      check(status, body) {
        if (status !== 200 || !body.includes('wf_expense_approval'))
          throw new Error(`direct: ${status} ${body}`);
      },
    };
    const legs = [
      direct,
      mcpLeg('MCP 2025-11-25 tools/call', mcpOrigin, '2025-11-25'),
      mcpLeg('MCP 2026-07-28 tools/call', mcpOrigin, '2026-07-28'),
    ];
    for (const leg of legs) await runLeg(leg, WARMUP_MS);
    const totals = new Map<string, Result[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved rounds, so drift (thermal, GC, other load) hits every leg alike.
      for (const leg of legs)
        totals.set(leg.name, [...(totals.get(leg.name) ?? []), await runLeg(leg, DURATION_MS)]);
    }
    const rows: Row[] = [...totals.entries()].map(([leg, results]) => ({
      leg,
      perSecond: results.reduce((s, r) => s + r.perSecond, 0) / results.length,
      p50: median(results.map((r) => r.p50)),
      p99: median(results.map((r) => r.p99)),
      cpu: results[results.length - 1]?.cpu ?? {},
    }));
    const base = rows[0]!;
    console.log(`platform latency ${latencyMs} ms`);
    console.log(
      '  leg                          req/s     p50 ms   p99 ms   vs direct   CPU ms per call by process',
    );
    for (const row of rows) {
      const cpu = Object.entries(row.cpu)
        .filter(([, ms]) => ms > 0)
        .map(([name, ms]) => `${name} ${ms.toFixed(3)}`)
        .join(', ');
      console.log(
        `  ${row.leg.padEnd(28)} ${row.perSecond.toFixed(0).padStart(6)}   ${row.p50.toFixed(2).padStart(6)}   ` +
          `${row.p99.toFixed(2).padStart(6)}   ${(row.perSecond / base.perSecond).toFixed(2)}x       ${cpu}`,
      );
    }
    console.log('');
    return rows;
  } finally {
    stop();
    await new Promise((r) => setTimeout(r, 300));
  }
}

await main();
