/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
 * scripts/install-mcp-clients.sh, run on the Node.js 22 binary installed there) against the
 * generated Conveyor server, without authentication, for both protocol revisions the server speaks.
 *
 * Given: every server scenario that applies to a generated server (README, "Conformance" lists
 * the ones left out and why). Want: every check of each passes. The only tolerated failures are
 * the named checks below that the suite itself reports as "Not testable" because they need its
 * reference server's diagnostic tools; anything else fails naming revision, scenario and check.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConveyorStack, startConveyorStack } from './start-conveyor-stack.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SUITE = join(ROOT, '.tmp/mcp-clients/node_modules/@modelcontextprotocol/conformance/dist/index.js');
const run = promisify(execFile);

const SCENARIOS = {
  '2025-11-25': [
    'server-initialize',
    'server-session-lifecycle',
    'ping',
    'tools-list',
    'dns-rebinding-protection',
    'server-sse-multiple-streams',
  ],
  '2026-07-28': [
    'server-stateless',
    'tools-list',
    'dns-rebinding-protection',
    'caching',
    'http-header-validation',
    'server-sse-multiple-streams',
    'sep-2164-resource-not-found',
  ],
} as const;

/** Checks that need the suite's reference tools (test_missing_capability, …): reported "Not testable". */
const NEEDS_REFERENCE_TOOLS: Readonly<Record<string, readonly string[]>> = {
  'server-stateless': [
    'sep-2575-server-rejects-undeclared-capability',
    'sep-2575-missing-capability-http-400',
    'sep-2575-http-server-no-independent-requests-on-stream',
    'sep-2575-server-no-log-without-loglevel',
  ],
};

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  readonly errorMessage?: string;
}

let node22 = '';
let stack: ConveyorStack;
let outDir = '';

beforeAll(async () => {
  const installed = await run('bash', [join(ROOT, 'scripts/install-mcp-clients.sh')], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  node22 = installed.stdout.trim().split('\n').at(-1) ?? '';
  stack = await startConveyorStack();
  outDir = await mkdtemp(join(tmpdir(), 'spec2mcp-conformance-'));
}, 300_000);

afterAll(async () => {
  await stack?.close();
  if (outDir !== '') await rm(outDir, { recursive: true, force: true });
});

/** Runs one scenario at one revision and returns the checks it recorded. */
async function runScenario(revision: string, scenario: string): Promise<Check[]> {
  const dir = join(outDir, `${revision}-${scenario}`);
  // The suite exits non-zero on failed checks; the checks file says which.
  await run(
    node22,
    [SUITE, 'server', '--url', stack.mcpUrl, '--scenario', scenario, '--spec-version', revision, '-o', dir],
    { cwd: outDir, env: suiteEnv(), timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { code?: unknown; stderr?: string }) => {
    if (typeof error.code !== 'number') throw error;
  });
  const [runDir] = await readdir(dir);
  if (runDir === undefined) throw new Error(`conformance wrote no results for ${revision} ${scenario}`);
  return JSON.parse(await readFile(join(dir, runDir, 'checks.json'), 'utf8')) as Check[];
}

/** The failures of a scenario's checks, each naming revision, scenario and check. */
function problemsOf(revision: string, scenario: string, checks: readonly Check[]): string[] {
  const tolerated = new Set(NEEDS_REFERENCE_TOOLS[scenario] ?? []);
  const problems: string[] = [];
  for (const check of checks) {
    const where = `${revision} ${scenario} ${check.id}`;
    if (tolerated.has(check.id)) {
      if (check.status !== 'SUCCESS' && !check.errorMessage?.startsWith('Not testable')) {
        problems.push(`${where}: ${check.status} ${check.errorMessage ?? ''}`);
      }
      continue;
    }
    if (check.status === 'FAILURE' || check.status === 'WARNING') {
      problems.push(`${where}: ${check.status} ${check.errorMessage ?? ''}`);
    }
    // e.g. server-session-lifecycle-skipped: the scenario found nothing to test.
    if (check.id.endsWith('-skipped')) problems.push(`${where}: the scenario skipped its checks`);
  }
  if (!checks.some((check) => check.status === 'SUCCESS'))
    problems.push(`${revision} ${scenario}: no check passed`);
  return problems;
}

/** The environment of the suite: the test runner's own settings left out. */
function suiteEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TINYPOOL') continue;
    env[key] = value;
  }
  return env;
}

for (const [revision, scenarios] of Object.entries(SCENARIOS)) {
  describe(`conformance at ${revision}`, () => {
    test.each(scenarios)('%s passes every check', { timeout: 120_000 }, async (scenario) => {
      const checks = await runScenario(revision, scenario);
      expect(problemsOf(revision, scenario, checks)).toEqual([]);
    });
  });
}
