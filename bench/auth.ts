/**
 * `npm run bench:auth` (also part of `npm run bench`): what verifying the caller's token costs on the
 * tool-call path, for JWT access tokens (RS256 and ES256, verified against a JWKS), opaque tokens
 * (RFC 7662 introspection, answered from the cache after the first call) and API tokens (SQLite).
 *
 * Three measures:
 * - in process: tight loops of verify() through the verifier chain a server builds from the same
 *   settings (API-token prefix check first, as wire-default-authorization.ts orders it), CPU
 *   microseconds per call of all threads (WebCrypto verifies on libuv's pool), as a share of the
 *   baseline MCP server's CPU per tool call. The least noisy measure: the verdicts use it, with as
 *   many verifies in flight as the bench's callers keep in a server. With 1 in flight the main thread
 *   sleeps and is woken for every verify, which a busy server never does; that share is shown beside.
 *   Hot loops flatter small code (caches stay warm), so the next measure is shown beside too.
 * - in the server: every MCP server runs with V8's sampling profiler; the samples of each leg's
 *   rounds are sorted by whether token verification (the verifiers, jose) or the resource server's
 *   other work is on the stack: their share of the main thread's busy time (WebCrypto's work on
 *   libuv's pool is not in it).
 * - end to end: `get_workflow` (2025-11-25 JSON-RPC) through MCP servers with auth none, external
 *   JWT, external introspection and API tokens, each a separate process as deployed, in interleaved
 *   short rounds; the MCP server's CPU per call over that of the auth-none server, and throughput.
 *   A second auth-none process shows how far two identical servers differ: deltas within that are
 *   noise (syscall and wake-up costs differ between processes more than a verify costs).
 *
 * The JWKS and the introspection endpoint are served by this process (counted, to show caching).
 * Platform latency defaults to 0 ms: the tool-call path is then shortest, so the share is largest.
 *
 * Environment: BENCH_AUTH_LATENCY_MS (0), BENCH_CONCURRENCY (16), BENCH_AUTH_DURATION_MS (400 per
 * leg and round), BENCH_AUTH_ROUNDS (16), BENCH_AUTH_VERIFY_MS (200 per verifier, mode and round),
 * BENCH_PROFILE=<dir> (keeps the MCP servers' CPU profiles there, one folder each, sampled every 1 ms).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { Pool } from 'undici';
import { DEMO_API_KEY } from '../platform/conveyor/seed.js';
import { apiTokenPrefixOf } from '../runtime/auth/api-tokens/api-token-format.js';
import { createApiTokenVerifier } from '../runtime/auth/api-tokens/api-token-verifier.js';
import { createApiToken } from '../runtime/auth/api-tokens/create-api-token.js';
import { createConfiguredVerifiers, type ExternalAuthSettings } from '../runtime/auth/auth-settings.js';
import type { TokenVerifier } from '../runtime/auth/auth-types.js';
import { chainTokenVerifiers } from '../runtime/auth/verify-token-chain.js';
import { loadApi } from '../runtime/load-api.js';
import { SQLITE_FILE_NAME } from '../runtime/stores/create-store.js';
import { openMemoryStore } from '../runtime/stores/memory-store.js';
import { openSqliteStore } from '../runtime/stores/sqlite-store.js';
import type { Store } from '../runtime/stores/store-types.js';
import {
  freePort,
  type Leg,
  median,
  quantile,
  type Result,
  readCpuMs,
  readOwnThreadsCpuMs,
  root,
  runLeg,
  startOtherCpuMeter,
  startProcess,
  stopProcess,
  type Watched,
  waitFor,
} from './bench-kit.js';

const LATENCY_MS = Number(process.env['BENCH_AUTH_LATENCY_MS'] ?? 0);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const DURATION_MS = Number(process.env['BENCH_AUTH_DURATION_MS'] ?? 400);
const ROUNDS = Number(process.env['BENCH_AUTH_ROUNDS'] ?? 16);
const VERIFY_MS = Number(process.env['BENCH_AUTH_VERIFY_MS'] ?? 200);
const VERIFY_ROUNDS = 7;
const WARMUP_MS = 1000;
const TARGET_SHARE = 0.05;
const PROFILE_DIR = process.env['BENCH_PROFILE'] ? resolve(process.env['BENCH_PROFILE']) : undefined;
const API_DIR = 'generated/conveyor';
const TOOL = 'get_workflow';
const ARGUMENTS = { workspace_id: 'wsp_acme', workflow_id: 'wf_expense_approval' };
const SCOPE = 'mcp:read mcp:write';
const INTROSPECTION_CLIENT = { id: 'bench-resource', secret: randomBytes(16).toString('hex') };
const INHERITED_AUTH_VARIABLES = [
  'SPEC2MCP_TRUSTED_PRINCIPAL_HEADER',
  'SPEC2MCP_AUTH_ISSUER',
  'SPEC2MCP_AUTH_JWKS_URI',
  'SPEC2MCP_AUTH_AUDIENCE',
  'SPEC2MCP_AUTH_ALGORITHMS',
  'SPEC2MCP_AUTH_INTROSPECTION_URL',
  'SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID',
  'SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET',
  'SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS',
  'SPEC2MCP_LIST_TOOLS',
];
/** The runtime's default (SPEC2MCP_AUTH_INTROSPECTION_CACHE_SECONDS unset). */
const INTROSPECTION_CACHE_SECONDS = 60;

type LegKey = 'none' | 'none-control' | 'jwt-rs256' | 'jwt-es256' | 'opaque' | 'api-token';
const LABELS: Record<LegKey, string> = {
  none: 'auth none (baseline)',
  'none-control': 'auth none, another process',
  'jwt-rs256': 'JWT RS256',
  'jwt-es256': 'JWT ES256',
  opaque: 'opaque, introspection cached',
  'api-token': 'API token, SQLite',
};
/** Verdict lines: the issue's targets (JWT, opaque with cache); API tokens are reported beside. */
const TARGETED: readonly LegKey[] = ['jwt-rs256', 'jwt-es256', 'opaque'];

const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
const tmpRoot = join(root, '.tmp', `bench-auth-${runId}`);

/** The stand-in external authorization server: keys, a JWKS, an introspection endpoint, counters. */
interface Issuer {
  readonly url: string;
  readonly jwksUri: string;
  readonly introspectionUrl: string;
  readonly counts: { jwks: number; introspection: number };
  /** Active introspection answers by token; other tokens are inactive. */
  readonly answers: Map<string, Record<string, unknown>>;
  sign(alg: 'RS256' | 'ES256', audience: string): Promise<string>;
  close(): Promise<void>;
}

interface McpServer {
  readonly name: string;
  readonly origin: string;
  /** The resource URL: the tokens' audience. */
  readonly resource: string;
  readonly pid: number | undefined;
  /** Where its CPU profile (--cpu-prof) is written when it exits. */
  readonly profileDir: string;
  readonly settings?: ExternalAuthSettings;
}

interface LegEntry {
  readonly key: LegKey;
  readonly server: McpServer;
  readonly token: string | undefined;
  readonly leg: Leg;
  readonly watched: readonly Watched[];
  readonly pool: Pool;
  readonly results: Result[];
  /** When the rounds of this leg ran (monotonic µs, as V8's profiles count time). */
  readonly windows: [number, number][];
}

interface InProcessVerifier {
  readonly verifier: TokenVerifier;
  readonly resource: string;
}

interface VerifyTiming {
  /** CPU µs per verify() of this process, all threads. */
  readonly cpuUs: number;
  /** Of which the main thread (JavaScript); the rest ran on other threads (WebCrypto on libuv's pool). */
  readonly mainUs: number;
  readonly wallUs: number;
  readonly calls: number;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log(
    `spec2mcp auth bench: ${TOOL}, platform latency ${LATENCY_MS} ms (the shortest tool-call path, so the largest share), ` +
      `${CONCURRENCY} concurrent callers, ${ROUNDS} interleaved rounds x ${DURATION_MS} ms per leg\n`,
  );
  mkdirSync(tmpRoot, { recursive: true });
  const api = await loadApi(API_DIR);
  const prefix = apiTokenPrefixOf(api);
  const issuer = await startIssuer();
  const children: ReturnType<typeof startProcess>[] = [];
  const pools: Pool[] = [];
  const killAll = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  try {
    // An API token in the SQLite file the API-token server will open.
    const dataDir = join(tmpRoot, 'sqlite');
    const setupStore = await openSqliteStore({ file: join(dataDir, SQLITE_FILE_NAME) });
    const apiToken = await createApiToken(
      setupStore,
      { name: 'bench', scopes: SCOPE.split(' '), expiresIn: '1d' },
      { prefix },
    ).finally(() => setupStore.close());

    const platformPort = await freePort();
    const platform = startProcess('platform/conveyor/main.ts', [], {
      PLATFORM_PORT: String(platformPort),
      PLATFORM_LOG: 'off',
      PLATFORM_RATE_LIMIT: '100000000',
      PLATFORM_LATENCY_MS: String(LATENCY_MS),
    });
    children.push(platform);
    const platformOrigin = `http://127.0.0.1:${platformPort}`;

    const jwtSettings: ExternalAuthSettings = {
      mode: 'external',
      issuer: issuer.url,
      jwksUri: issuer.jwksUri,
    };
    const opaqueSettings: ExternalAuthSettings = {
      mode: 'external',
      issuer: issuer.url,
      introspection: {
        url: issuer.introspectionUrl,
        clientId: INTROSPECTION_CLIENT.id,
        clientSecret: INTROSPECTION_CLIENT.secret,
      },
    };
    const externalEnv = (settings: ExternalAuthSettings): Record<string, string> => ({
      SPEC2MCP_AUTH: 'external',
      SPEC2MCP_AUTH_ISSUER: settings.issuer,
      ...(settings.jwksUri !== undefined && { SPEC2MCP_AUTH_JWKS_URI: settings.jwksUri }),
      ...(settings.introspection !== undefined && {
        SPEC2MCP_AUTH_INTROSPECTION_URL: settings.introspection.url,
        SPEC2MCP_AUTH_INTROSPECTION_CLIENT_ID: settings.introspection.clientId,
        SPEC2MCP_AUTH_INTROSPECTION_CLIENT_SECRET: settings.introspection.clientSecret,
      }),
    });
    /** An MCP server with auth none, or external with `settings` (passed as the runtime reads them). */
    const startMcp = async (
      name: string,
      settings: ExternalAuthSettings | undefined,
      env: Record<string, string> = {},
    ): Promise<McpServer> => {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const profileDir = join(PROFILE_DIR ?? join(tmpRoot, 'profiles'), `auth-${name}`);
      const child = startProcess(
        'runtime/main.ts',
        [API_DIR],
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          SPEC2MCP_PUBLIC_URL: origin,
          SPEC2MCP_UPSTREAM_URL: `${platformOrigin}/v1`,
          SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY,
          SPEC2MCP_RATE_LIMITS: 'off',
          SPEC2MCP_STORE: 'memory',
          LOG_LEVEL: 'warn',
          // Authentication settings of the caller's shell must not leak into the servers ('' is unset).
          ...Object.fromEntries(INHERITED_AUTH_VARIABLES.map((name) => [name, ''])),
          ...(settings === undefined ? { SPEC2MCP_AUTH: 'none' } : externalEnv(settings)),
          ...env,
        },
        // Always profiled: where each server's main thread spends its time. Sampling every 5 ms
        // costs the server no measurable CPU (every 1 ms, ~10%); BENCH_PROFILE asks for 1 ms.
        ['--cpu-prof', `--cpu-prof-interval=${PROFILE_DIR ? 1000 : 5000}`, `--cpu-prof-dir=${profileDir}`],
      );
      children.push(child);
      const resource = `${origin}/mcp`;
      return {
        name,
        origin,
        resource,
        pid: child.pid,
        profileDir,
        ...(settings !== undefined && { settings }),
      };
    };
    const [none, noneControl, jwt, opaque, apiTokens] = await Promise.all([
      startMcp('none', undefined),
      // A second baseline process: how far two identical servers differ end to end.
      startMcp('none-control', undefined),
      startMcp('jwt', jwtSettings),
      startMcp('opaque', opaqueSettings),
      // External mode wires API tokens too (first in the chain); the JWKS only completes the settings.
      startMcp('api-token', jwtSettings, { SPEC2MCP_STORE: 'sqlite', SPEC2MCP_DATA_DIR: dataDir }),
    ]);
    if (
      none === undefined ||
      noneControl === undefined ||
      jwt === undefined ||
      opaque === undefined ||
      apiTokens === undefined
    ) {
      throw new Error('an MCP server did not start');
    }
    await Promise.all(
      [platformOrigin, none.origin, noneControl.origin, jwt.origin, opaque.origin, apiTokens.origin].map(
        (origin) => waitFor(`${origin}/healthz`),
      ),
    );

    const opaqueToken = `op${randomBytes(32).toString('base64url')}`;
    issuer.answers.set(opaqueToken, {
      active: true,
      iss: issuer.url,
      sub: 'bench-user',
      client_id: 'bench-client',
      scope: SCOPE,
      aud: opaque.resource,
      token_type: 'Bearer',
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
    const tokens: Record<LegKey, string | undefined> = {
      none: undefined,
      'none-control': undefined,
      'jwt-rs256': await issuer.sign('RS256', jwt.resource),
      'jwt-es256': await issuer.sign('ES256', jwt.resource),
      opaque: opaqueToken,
      'api-token': apiToken.token,
    };
    const serverOf: Record<LegKey, McpServer> = {
      none,
      'none-control': noneControl,
      'jwt-rs256': jwt,
      'jwt-es256': jwt,
      opaque,
      'api-token': apiTokens,
    };

    // The auth legs measure nothing unless their servers refuse what they should.
    await checkRefusals([
      { server: jwt, token: undefined, why: 'no token' },
      { server: jwt, token: await issuer.sign('RS256', opaque.resource), why: 'a JWT for another resource' },
      {
        server: opaque,
        token: `op${randomBytes(32).toString('base64url')}`,
        why: 'an inactive opaque token',
      },
      {
        server: apiTokens,
        token: `${prefix}${randomBytes(32).toString('base64url')}`,
        why: 'an unknown API token',
      },
    ]);
    issuer.counts.introspection = 0;

    const platformWatch: Watched = { name: 'platform', cpuMs: () => readCpuMs(platform.pid) };
    const entries: LegEntry[] = (Object.keys(LABELS) as LegKey[]).map((key) => {
      const server = serverOf[key];
      const pool = new Pool(server.origin, { connections: CONCURRENCY, pipelining: 1 });
      pools.push(pool);
      return {
        key,
        server,
        token: tokens[key],
        leg: toolCallLeg(LABELS[key], server.origin, tokens[key]),
        watched: [platformWatch, { name: 'MCP server', cpuMs: () => readCpuMs(server.pid) }],
        pool,
        results: [],
        windows: [],
      };
    });
    const run = (entry: LegEntry, durationMs: number) =>
      runLeg(entry.leg, durationMs, { concurrency: CONCURRENCY, watched: entry.watched, pool: entry.pool });
    for (const entry of entries) await run(entry, WARMUP_MS);

    const serverPids = () => [platform.pid, none.pid, noneControl.pid, jwt.pid, opaque.pid, apiTokens.pid];
    const meter = startOtherCpuMeter(serverPids);
    // Interleaved rounds, the order rotated every round, so drift and other load hit every leg alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[(round + i) % entries.length];
        if (entry === undefined) continue;
        const from = monotonicUs();
        entry.results.push(await run(entry, DURATION_MS));
        entry.windows.push([from, monotonicUs()]);
      }
    }
    const otherCpusEndToEnd = meter.stop();
    const opaqueCalls = entries
      .filter((e) => e.key === 'opaque')
      .flatMap((e) => e.results)
      .reduce((sum, r) => sum + r.requests, 0);
    const serverIntrospections = issuer.counts.introspection;
    await Promise.all(pools.map((pool) => pool.destroy()));
    pools.length = 0;

    // In process: the chains those servers built, each verifier in a tight loop, interleaved rounds.
    const memoryStore = openMemoryStore();
    const sqliteStore = await openSqliteStore({ file: join(dataDir, SQLITE_FILE_NAME) });
    // As build-server.ts chains them: API tokens (wire-default-authorization.ts), then the configured ones.
    const chainOf = (server: McpServer, store: Store): InProcessVerifier => ({
      verifier: chainTokenVerifiers([
        createApiTokenVerifier(store, { prefix }),
        ...createConfiguredVerifiers(server.settings ?? { mode: 'none' }),
      ]),
      resource: server.resource,
    });
    const inProcess: Partial<Record<LegKey, InProcessVerifier>> = {
      'jwt-rs256': chainOf(jwt, memoryStore),
      'jwt-es256': chainOf(jwt, memoryStore),
      opaque: chainOf(opaque, memoryStore),
      'api-token': chainOf(apiTokens, sqliteStore),
    };
    const introspectionsBefore = issuer.counts.introspection;
    const verifyMeter = startOtherCpuMeter(serverPids);
    const timings = new Map<LegKey, { serial: VerifyTiming[]; parallel: VerifyTiming[] }>();
    // Round -1 warms up (JIT, the JWKS fetch, the first introspection) and is not kept.
    for (let round = -1; round < VERIFY_ROUNDS; round++) {
      for (const [key, subject] of Object.entries(inProcess) as [LegKey, InProcessVerifier][]) {
        const token = tokens[key] ?? '';
        const kept = timings.get(key) ?? { serial: [], parallel: [] };
        timings.set(key, kept);
        const ms = round < 0 ? 2 * VERIFY_MS : VERIFY_MS;
        // 1 in flight, then as many as the bench's callers keep in the server (the verdicts use these).
        const serial = await timeVerify(subject, token, 1, ms);
        const parallel = await timeVerify(subject, token, CONCURRENCY, ms);
        if (round >= 0) {
          kept.serial.push(serial);
          kept.parallel.push(parallel);
        }
      }
    }
    const otherCpusVerify = verifyMeter.stop();
    const opaqueTimings = timings.get('opaque');
    const verifyCalls = [...(opaqueTimings?.serial ?? []), ...(opaqueTimings?.parallel ?? [])].reduce(
      (sum, t) => sum + t.calls,
      0,
    );
    const inProcessIntrospections = issuer.counts.introspection - introspectionsBefore;
    await sqliteStore.close();
    await memoryStore.close();
    // Graceful stops: the servers write their CPU profiles before exiting.
    await Promise.all(children.map((child) => stopProcess(child)));
    const inServer = new Map(
      entries.map((entry) => [
        entry.key,
        attributeProfile(entry.server.profileDir, entry.server.pid, entry.windows),
      ]),
    );

    report({
      entries,
      timings,
      inServer,
      serverIntrospections,
      opaqueCalls,
      inProcessIntrospections,
      verifyCalls,
      jwksFetches: issuer.counts.jwks,
      otherCpus: [otherCpusEndToEnd, otherCpusVerify],
    });
  } finally {
    await Promise.all(pools.map((pool) => pool.destroy()));
    await Promise.all(children.map((child) => stopProcess(child)));
    process.off('exit', killAll);
    await issuer.close();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  console.log(`\nauth bench took ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
}

/** CLOCK_MONOTONIC in µs: the clock of V8's CPU profiles. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function toolCallLeg(name: string, origin: string, token: string | undefined): Leg {
  return {
    name,
    origin,
    request: {
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'mcp-method': 'tools/call',
        'mcp-name': TOOL,
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: TOOL, arguments: ARGUMENTS },
      }),
    },
    check(status, body) {
      if (status !== 200 || !body.includes('"structuredContent"') || body.includes('"isError":true')) {
        throw new Error(`${name}: unexpected response ${status}: ${body.slice(0, 300)}`);
      }
    },
  };
}

async function checkRefusals(
  cases: readonly { server: McpServer; token: string | undefined; why: string }[],
): Promise<void> {
  for (const { server, token, why } of cases) {
    const leg = toolCallLeg('check', server.origin, token);
    const response = await fetch(`${server.origin}${leg.request.path}`, {
      method: 'POST',
      headers: leg.request.headers,
      body: typeof leg.request.body === 'string' ? leg.request.body : '',
    });
    await response.text();
    if (response.status !== 401) {
      throw new Error(`The ${server.name} server answered ${why} with HTTP ${response.status}, not 401.`);
    }
  }
}

/**
 * verify() in a tight loop for `ms`, `lanes` calls in flight: CPU (all threads of this process) and
 * wall time per call.
 */
async function timeVerify(
  { verifier, resource }: InProcessVerifier,
  token: string,
  lanes: number,
  ms: number,
): Promise<VerifyTiming> {
  const context = { resource };
  const grant = await verifier.verify(token, context);
  if (grant === undefined || !grant.scopes.includes('mcp:read')) {
    throw new Error(`${verifier.name} did not grant mcp:read`);
  }
  const cpuBefore = process.cpuUsage();
  const threadsBefore = readOwnThreadsCpuMs();
  const started = performance.now();
  const deadline = started + ms;
  let calls = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      for (let i = 0; i < 16; i++) await verifier.verify(token, context);
      calls += 16;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const threadsAfter = readOwnThreadsCpuMs();
  const cpuUs = (cpu.user + cpu.system) / calls;
  const mainUs =
    threadsBefore === undefined || threadsAfter === undefined
      ? Number.NaN
      : ((threadsAfter.main - threadsBefore.main) * 1000) / calls;
  return { cpuUs, mainUs, wallUs: (wall * 1000) / calls, calls };
}

/** What a server's main thread did during one leg's rounds, from its CPU profile. */
interface ProfileShares {
  /** Sampled busy (not idle) time, µs. */
  readonly busyUs: number;
  /** Shares of the busy time: samples with a verifier or jose frame on the stack... */
  readonly verify: number;
  /** ...and the resource server's other work (token parsing, grant checks, per-tool scopes). */
  readonly hooks: number;
}

// Frames that verify tokens: the verifiers, the chain, the API-token format, jose (which calls WebCrypto).
const VERIFY_FRAME =
  /\/runtime\/auth\/(?!read-bearer-token|bearer-challenge|check-tool-scopes)|\/node_modules\/jose\//;
const HOOK_FRAME =
  /\/runtime\/plugins\/resource-server\.ts$|\/runtime\/auth\/(read-bearer-token|bearer-challenge|check-tool-scopes)\.ts$/;

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The profile of process `pid`'s main thread in `dir`, its samples within `windows` sorted by which
 * auth code is on the stack. Undefined without a profile.
 */
function attributeProfile(
  dir: string,
  pid: number | undefined,
  windows: readonly [number, number][],
): ProfileShares | undefined {
  let file: string | undefined;
  try {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (1: tsx's loader).
    file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`) && name.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  if (file === undefined) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const kinds = new Map<number, 'verify' | 'hooks' | 'other' | 'idle'>();
  const kindOf = (id: number) => {
    let kind = kinds.get(id);
    if (kind !== undefined) return kind;
    kind = byId.get(id)?.callFrame.functionName === '(idle)' ? 'idle' : 'other';
    for (let at: number | undefined = id; at !== undefined && kind !== 'idle'; at = parentOf.get(at)) {
      const url = byId.get(at)?.callFrame.url ?? '';
      if (VERIFY_FRAME.test(url)) {
        kind = 'verify';
        break;
      }
      if (HOOK_FRAME.test(url)) kind = 'hooks';
    }
    kinds.set(id, kind);
    return kind;
  };
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  const totals = { verify: 0, hooks: 0, other: 0, idle: 0 };
  let time = profile.startTime;
  let w = 0;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    while (w < sorted.length && (sorted[w]?.[1] ?? 0) < time) w++;
    const window = sorted[w];
    if (window === undefined || time < window[0]) return;
    totals[kindOf(id)] += profile.timeDeltas[i + 1] ?? 0;
  });
  const busyUs = totals.verify + totals.hooks + totals.other;
  if (busyUs === 0) return undefined;
  return { busyUs, verify: totals.verify / busyUs, hooks: totals.hooks / busyUs };
}

interface ReportInput {
  readonly entries: readonly LegEntry[];
  readonly timings: ReadonlyMap<LegKey, { serial: VerifyTiming[]; parallel: VerifyTiming[] }>;
  readonly inServer: ReadonlyMap<LegKey, ProfileShares | undefined>;
  readonly serverIntrospections: number;
  readonly opaqueCalls: number;
  readonly inProcessIntrospections: number;
  readonly verifyCalls: number;
  readonly jwksFetches: number;
  readonly otherCpus: readonly (number | undefined)[];
}

function report(input: ReportInput): void {
  const { entries, timings } = input;
  const base = entries.find((e) => e.key === 'none');
  if (base === undefined) throw new Error('no baseline leg');
  const baseCpu = totalCpuPerCall(base.results, 'MCP server');
  const mcpCpu = (result: Result | undefined) => result?.cpu['MCP server'] ?? Number.NaN;

  console.log('end to end: CPU per call over all rounds; "vs baseline": median (middle half) of the rounds');
  console.log(
    `  ${'leg'.padEnd(28)}   req/s   p50 ms   p99 ms   MCP CPU ms/call   ${'MCP CPU vs baseline'.padEnd(31)}` +
      `  ${'req/s vs baseline'.padEnd(18)}  platform CPU ms/call`,
  );
  const endToEnd = new Map<LegKey, { cpuShare: number; throughput: number }>();
  for (const entry of entries) {
    const cpu = totalCpuPerCall(entry.results, 'MCP server');
    let cpuColumn = '';
    let throughputColumn = '';
    if (entry !== base) {
      const shares = entry.results.map((r, i) => mcpCpu(r) / mcpCpu(base.results[i]) - 1);
      const ratios = entry.results.map((r, i) => r.perSecond / (base.results[i]?.perSecond ?? Number.NaN));
      const deltas = entry.results.map((r, i) => mcpCpu(r) - mcpCpu(base.results[i]));
      const share = quantile(shares, 0.5);
      const throughput = quantile(ratios, 0.5);
      endToEnd.set(entry.key, { cpuShare: share, throughput });
      cpuColumn =
        `${signedMs(quantile(deltas, 0.5))} ms ${signedPercent(share)} ` +
        `(${signedPercent(quantile(shares, 0.25))}..${signedPercent(quantile(shares, 0.75))})`;
      throughputColumn = `${percent(throughput)} (${percent(quantile(ratios, 0.25))}..${percent(quantile(ratios, 0.75))})`;
    }
    const perSecond = entry.results.reduce((s, r) => s + r.perSecond, 0) / entry.results.length;
    const p50 = median(entry.results.map((r) => r.p50));
    const p99 = median(entry.results.map((r) => r.p99));
    console.log(
      `  ${LABELS[entry.key].padEnd(28)} ${perSecond.toFixed(0).padStart(7)}   ${p50.toFixed(2).padStart(6)}   ` +
        `${p99.toFixed(2).padStart(6)}   ${cpu.toFixed(3).padStart(15)}   ${cpuColumn.padEnd(31)}  ` +
        `${throughputColumn.padEnd(18)}  ${totalCpuPerCall(entry.results, 'platform').toFixed(3)}`,
    );
  }

  console.log(
    `\nin process: verify() of the verifier chain each server builds, tight loops; median of ${VERIFY_ROUNDS} rounds x ${VERIFY_MS} ms;\n` +
      `CPU of all threads per call (main thread: the JavaScript part), over the baseline MCP server's ` +
      `${(baseCpu * 1000).toFixed(0)} µs CPU per tool call`,
  );
  console.log(
    `  ${''.padEnd(28)}   ${`${CONCURRENCY} in flight, as in the server`.padEnd(33)}   1 in flight (the main thread sleeps and wakes every call)`,
  );
  console.log(
    `  ${'verifier'.padEnd(28)}   CPU µs/call   main thread   share     CPU µs/call   share   wall µs/call`,
  );
  const shares = new Map<LegKey, { parallel: number; serial: number }>();
  for (const [key, { serial, parallel }] of timings) {
    const parallelUs = median(parallel.map((t) => t.cpuUs));
    const serialUs = median(serial.map((t) => t.cpuUs));
    const share = { parallel: parallelUs / (baseCpu * 1000), serial: serialUs / (baseCpu * 1000) };
    shares.set(key, share);
    const mainUs = median(parallel.map((t) => t.mainUs));
    const wallUs = median(serial.map((t) => t.wallUs));
    console.log(
      `  ${LABELS[key].padEnd(28)} ${parallelUs.toFixed(1).padStart(13)}   ${mainUs.toFixed(1).padStart(11)}   ` +
        `${sharePercent(share.parallel).padStart(5)}   ${serialUs.toFixed(1).padStart(13)}   ` +
        `${sharePercent(share.serial).padStart(5)}   ${wallUs.toFixed(1).padStart(12)}`,
    );
  }

  console.log(
    `\nin the server: CPU profile of each MCP server's main thread (sampled every ${PROFILE_DIR ? 1 : 5} ms, in every run) ` +
      "during its legs' rounds;\nshare of its busy time with token verification on the stack (verifiers, jose), " +
      "and with the resource server's other work (token parsing, grant checks, per-tool scopes)",
  );
  console.log(
    `  ${'leg'.padEnd(28)}   main thread µs/call   token verification   other resource-server work`,
  );
  for (const entry of entries) {
    const shares = input.inServer.get(entry.key);
    const calls = entry.results.reduce((sum, r) => sum + r.requests, 0);
    console.log(
      shares === undefined
        ? `  ${LABELS[entry.key].padEnd(28)}   no CPU profile was written`
        : `  ${LABELS[entry.key].padEnd(28)} ${(shares.busyUs / calls).toFixed(0).padStart(21)}   ` +
            `${sharePercent(shares.verify).padStart(18)}   ${sharePercent(shares.hooks).padStart(26)}`,
    );
  }

  console.log(
    `\n  introspection requests: ${input.serverIntrospections} for ${input.opaqueCalls} opaque-token tool calls ` +
      `(cache ${INTROSPECTION_CACHE_SECONDS} s, the default), ${input.inProcessIntrospections} for ` +
      `${input.verifyCalls} in-process verifies\n  JWKS fetches: ${input.jwksFetches} ` +
      "(one per JWT verifier: the JWT server's and the 2 in-process ones)",
  );
  const [endToEndOther, verifyOther] = input.otherCpus;
  if (endToEndOther !== undefined && verifyOther !== undefined) {
    const noisy = Math.max(endToEndOther, verifyOther) >= 0.2;
    console.log(
      `  other processes used ${endToEndOther.toFixed(1)} of ${availableParallelism()} CPUs during the end-to-end rounds, ` +
        `${verifyOther.toFixed(1)} during the in-process loops` +
        (noisy ? ': numbers are noisy, see the middle-half ranges' : ''),
    );
  }
  console.log('');
  for (const key of TARGETED) {
    const share = shares.get(key);
    if (share === undefined) continue;
    const e2e = endToEnd.get(key);
    console.log(
      `${share.parallel < TARGET_SHARE ? 'MET    ' : 'NOT MET'} token verification, ${LABELS[key]}: ` +
        `${sharePercent(share.parallel)} of the tool-call path (target < ${TARGET_SHARE * 100}%; ` +
        `1 in flight ${sharePercent(share.serial)})` +
        inServerNote(input.inServer.get(key)) +
        (e2e === undefined
          ? ''
          : `; end to end ${signedPercent(e2e.cpuShare)} MCP server CPU per call, ` +
            `${percent(e2e.throughput)} of baseline throughput`),
    );
  }
}

function inServerNote(shares: ProfileShares | undefined): string {
  if (shares === undefined) return '';
  return `; in the server ${sharePercent(shares.verify)} of main-thread time, ${sharePercent(shares.verify + shares.hooks)} with the resource server's hooks`;
}

function sharePercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** CPU ms per call of one process over all rounds (the ticks of short rounds add up). */
function totalCpuPerCall(results: readonly Result[], process: string): number {
  let cpu = 0;
  let calls = 0;
  for (const result of results) {
    const perCall = result.cpu[process];
    if (perCall === undefined) continue;
    cpu += perCall * result.requests;
    calls += result.requests;
  }
  return calls === 0 ? Number.NaN : cpu / calls;
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

function signedPercent(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;
}

function signedMs(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}`;
}

async function startIssuer(): Promise<Issuer> {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const jwks: { keys: JWK[] } = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ],
  };
  const expectedAuthorization = `Basic ${Buffer.from(`${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`).toString('base64')}`;
  const counts = { jwks: 0, introspection: 0 };
  const answers = new Map<string, Record<string, unknown>>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/jwks') {
      counts.jwks += 1;
      return send(res, 200, jwks);
    }
    if (req.method === 'POST' && req.url === '/introspect') {
      counts.introspection += 1;
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        if (req.headers.authorization !== expectedAuthorization)
          return send(res, 401, { error: 'invalid_client' });
        const token = new URLSearchParams(body).get('token') ?? '';
        send(res, 200, answers.get(token) ?? { active: false });
      });
      return;
    }
    send(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUri: `${url}/jwks`,
    introspectionUrl: `${url}/introspect`,
    counts,
    answers,
    sign(alg, audience) {
      return new SignJWT({ scope: SCOPE, client_id: 'bench-client' })
        .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rs-1' : 'es-1', typ: 'at+jwt' })
        .setIssuer(url)
        .setSubject('bench-user')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(alg === 'RS256' ? rsa.privateKey : ec.privateKey);
    },
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

await main();
