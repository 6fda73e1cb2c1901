/**
 * Shared by the throughput benches (bench/run.ts, bench/idempotency.ts): free ports, child
 * processes (the platform and MCP servers run as separate processes, as deployed), and a load
 * generator that keeps a fixed number of callers busy for a while and measures throughput, latency
 * and CPU per call.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

/** The repository root, where the bench's child processes run. */
export const root = fileURLToPath(new URL('..', import.meta.url));

export interface Leg {
  readonly name: string;
  readonly origin: string;
  readonly request: {
    method: 'GET' | 'POST';
    path: string;
    headers: Record<string, string>;
    /** A fixed body, or a function building a fresh one for every request. */
    body?: string | (() => string);
  };
  /** Throws when the response is not the success we expect, so errors never count as throughput. */
  readonly check: (status: number, body: string) => void;
}

export interface Result {
  readonly leg: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU milliseconds per call, by process (load generator, platform, MCP server). */
  readonly cpu: Record<string, number>;
}

/** A process (or group of processes) whose CPU time a leg reports per call. */
export interface Watched {
  readonly name: string;
  /** CPU milliseconds used so far; undefined when unknown. */
  readonly cpuMs: () => number | undefined;
}

export interface RunLegOptions {
  readonly concurrency: number;
  readonly watched?: readonly Watched[];
  /**
   * Connections to `leg.origin` kept open across legs (the caller closes it), for many short legs;
   * by default every leg opens and closes its own.
   */
  readonly pool?: Pool;
}

/** CPU time (ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function readCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) of a process and its direct children (a PostgreSQL postmaster and its backends),
 * from /proc (Linux); undefined elsewhere.
 */
export function readProcessGroupCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let total = readCpuMs(pid);
  if (total === undefined) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** CPU time (ms) all processes of the machine have used so far, from /proc/stat (Linux). */
export function readMachineBusyMs(): number | undefined {
  try {
    const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    const busy = ticks
      .slice(0, 8)
      .reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + Number(value)), 0);
    return Number.isFinite(busy) ? (busy * 1000) / 100 : undefined;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Runs a TypeScript entry point of this repository (through tsx) as a child process. */
export function startProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

/** Sends SIGTERM and resolves once the process exited (SIGKILL after `timeoutMs`). */
export async function stopProcess(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export async function runLeg(leg: Leg, durationMs: number, options: RunLegOptions): Promise<Result> {
  const watched = options.watched ?? [];
  const cpuBefore = watched.map((w) => w.cpuMs());
  const selfBefore = process.cpuUsage();
  const pool = options.pool ?? new Pool(leg.origin, { connections: options.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  const { body } = leg.request;
  const deadline = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const requestBody = typeof body === 'function' ? body() : body;
      const res = await pool.request({
        method: leg.request.method,
        path: leg.request.path,
        headers: leg.request.headers,
        ...(requestBody ? { body: requestBody } : {}),
      });
      const text = await res.body.text();
      leg.check(res.statusCode, text);
      latencies.push(performance.now() - started);
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - startedAt;
  if (options.pool === undefined) await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const selfUsed = process.cpuUsage(selfBefore);
  const cpu: Record<string, number> = {
    'load generator': (selfUsed.user + selfUsed.system) / 1000 / latencies.length,
  };
  watched.forEach((w, i) => {
    const before = cpuBefore[i];
    const after = w.cpuMs();
    if (before !== undefined && after !== undefined) cpu[w.name] = (after - before) / latencies.length;
  });
  return {
    leg: leg.name,
    requests: latencies.length,
    perSecond: (latencies.length / elapsed) * 1000,
    p50: at(0.5),
    p99: at(0.99),
    cpu,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The q-quantile of `values`, interpolating between the two nearest. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] ?? Number.NaN;
  const above = sorted[Math.ceil(position)] ?? Number.NaN;
  return below + (above - below) * (position - Math.floor(position));
}

/**
 * Measures how many CPUs processes other than this one and `children` used meanwhile (other
 * engineers' work on a shared machine), from /proc (Linux). `stop()` is undefined elsewhere.
 */
export function startOtherCpuMeter(children: () => readonly (number | undefined)[]): {
  stop: () => number | undefined;
} {
  const ownCpuMs = () => {
    const self = process.cpuUsage();
    return (
      (self.user + self.system) / 1000 +
      children().reduce<number>((sum, pid) => sum + (readCpuMs(pid) ?? 0), 0)
    );
  };
  const machineBefore = readMachineBusyMs();
  const ownBefore = ownCpuMs();
  const startedAt = performance.now();
  return {
    stop() {
      const machineAfter = readMachineBusyMs();
      if (machineBefore === undefined || machineAfter === undefined) return undefined;
      const other =
        (machineAfter - machineBefore - (ownCpuMs() - ownBefore)) / (performance.now() - startedAt);
      return Math.max(0, other);
    },
  };
}

/**
 * CPU time (ms) of this process's main thread and of its other threads (libuv's pool, where
 * WebCrypto and node:crypto's asynchronous calls run; V8's helpers), from /proc (Linux).
 */
export function readOwnThreadsCpuMs(): { main: number; other: number } | undefined {
  try {
    let main = 0;
    let other = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      let stat: string;
      try {
        // Per thread: /proc/<pid>/stat sums them all.
        stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      if (Number(tid) === process.pid) main += ms;
      else other += ms;
    }
    return { main, other };
  } catch {
    return undefined;
  }
}
