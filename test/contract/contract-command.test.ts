/**
 * The `contract` command line and its report formats. Given options, want the documented exit codes
 * (0 passed, 1 failed, 2 usage) and messages; given a report, want JUnit XML a CI system reads
 * (failures, skipped tools, escaped text) and samples that match their patterns.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_USAGE, runContractCommand } from '../../cli/contract-command.js';
import { formatJunit } from '../../contract/format-junit.js';
import type { ContractReport } from '../../contract/run-contract.js';
import { samplePattern } from '../../contract/sample-pattern.js';
import { repoRoot } from '../load/helpers.js';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runContractCommand(args, {
    cwd: repoRoot,
    env: {},
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

describe('spec2mcp contract (command line)', () => {
  it.each([
    { args: ['--help'], code: 0, stream: 'out' as const, want: /Usage: spec2mcp contract/ },
    { args: [], code: 2, stream: 'err' as const, want: /takes one spec folder or OpenAPI file \(got 0\)/ },
    {
      args: ['specs/conveyor', '--bogus'],
      code: 2,
      stream: 'err' as const,
      want: /Unknown option '--bogus'/,
    },
    {
      args: ['specs/conveyor', '--concurrency', '0'],
      code: 2,
      stream: 'err' as const,
      want: /positive whole/,
    },
    {
      args: ['specs/conveyor', '--read-only'],
      code: 2,
      stream: 'err' as const,
      want: /apply to --upstream URL only/,
    },
    {
      args: ['specs/conveyor', '--upstream', 'ftp://staging'],
      code: 2,
      stream: 'err' as const,
      want: /only http and https/,
    },
    {
      args: ['specs/conveyor', '--upstream', 'http://127.0.0.1:9/v1'],
      code: 2,
      stream: 'err' as const,
      want: /Refusing to call \d+ write tool\(s\) \(.*\) against http:\/\/127\.0\.0\.1:9\/v1.*--read-only.*--allow-writes/s,
    },
    {
      args: ['specs/conveyor', '--tools', 'get_workflow,nope'],
      code: 2,
      stream: 'err' as const,
      want: /--tools names `nope`, which conveyor does not have/,
    },
  ])('$args -> exit $code', { timeout: 60_000 }, async ({ args, code, stream, want }) => {
    const result = await run(args);
    expect(result[stream]).toMatch(want);
    expect(result.code).toBe(code);
  });

  it('checks the chosen tools against the mock, prints one line per tool and writes JUnit', {
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'contract-junit-'));
    try {
      const junit = path.join(dir, 'report.xml');
      const result = await run([
        'specs/conveyor',
        '--tools',
        'get_workflow,list_workflows',
        '--junit',
        junit,
      ]);
      expect(result.err).toBe('');
      expect(result.out).toMatch(
        /^✓ contract conveyor \(specs\/conveyor\) against the mock upstream: 2 tools, 2 passed/,
      );
      expect(result.out).toMatch(
        /\n✓ get_workflow\s+GET \/workspaces\/\{workspaceId\}\/workflows\/\{workflowId\}\s+2 calls/,
      );
      expect(result.code).toBe(0);
      const xml = await readFile(junit, 'utf8');
      expect(xml).toMatch(/<testsuite name="conveyor against mock" tests="2" failures="0"/);
      expect(xml).toMatch(/<testcase classname="conveyor" name="list_workflows"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents its options', () => {
    for (const option of ['--upstream', '--read-only', '--allow-writes', '--junit', '--tools']) {
      expect(CONTRACT_USAGE).toContain(option);
    }
  });
});

describe('formatJunit', () => {
  it('gives a failed tool a <failure>, an uncalled one <skipped>, and escapes text', () => {
    const report: ContractReport = {
      api: 'demo',
      specPath: 'specs/demo',
      upstream: 'mock',
      failures: [],
      warnings: [],
      diagnostics: [],
      ms: 1500,
      ok: false,
      tools: [
        {
          tool: 'get_thing',
          operation: 'GET /things/{id}',
          outcome: 'failed',
          failures: [],
          warnings: [],
          ms: 10,
          cases: [
            {
              label: 'required arguments',
              outcome: 'failed',
              failures: ['response: status 202 is not documented (200, <404>) & "more"'],
              warnings: [],
              exchanges: ['GET /things/a -> 202'],
            },
          ],
        },
        {
          tool: 'make_thing',
          operation: 'POST /things',
          outcome: 'warning',
          failures: [],
          ms: 1,
          cases: [],
          warnings: ['no valid required arguments could be made'],
        },
        {
          tool: 'drop_thing',
          operation: 'DELETE /things/{id}',
          outcome: 'skipped',
          failures: [],
          ms: 0,
          cases: [],
          warnings: ['not called: a write tool, and --read-only is set'],
        },
      ],
    };
    const xml = formatJunit([report]);
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="spec2mcp contract" tests="3" failures="1" errors="0" skipped="2" time="1.500">/,
    );
    expect(xml).toContain(
      '<failure message="required arguments: response: status 202 is not documented (200, &lt;404&gt;) &amp; &quot;more&quot;">',
    );
    expect(xml).toContain(
      '<testcase classname="demo" name="make_thing" time="0.001">\n      <skipped message="no valid required arguments could be made"/>',
    );
    expect(xml).toContain('<skipped message="not called: a write tool, and --read-only is set"/>');
  });
});

describe('samplePattern', () => {
  it.each([
    ['^wf_[A-Za-z0-9_]{1,64}$', 'wf_A'],
    ['^[0-9a-f]{4}$', '0000'],
    ['^([A-Z]{2}|C2)$', 'AA'],
    ['^(?![0-9]+$)[a-z0-9_\\-]+$', 'a'],
    ['^[^/%&><]+$', 'a'],
  ])('%s -> %s', (pattern, want) => {
    expect(samplePattern(pattern)).toBe(want);
    expect(new RegExp(pattern, 'u').test(want)).toBe(true);
  });

  it('gives up (undefined) on a backreference it cannot satisfy', () => {
    expect(samplePattern('^(a)b\\1$')).toBeUndefined();
  });
});
