/**
 * `contract` on Conveyor (specs/conveyor), through the real runtime and the SDK client.
 * Given the mock upstream: want every tool passing (warnings allowed), each with its calls.
 * Given the reference implementation (platform/conveyor, its own request/response validation):
 * want a pass. Given the reference deliberately broken (buildPlatform's breakContract): want a
 * failure that names the tool and the reason, for a renamed response field, a wrong status and a
 * parameter the platform requires although the document says it is optional.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { formatReport } from '../../contract/format-report.js';
import { type ContractReport, runContract } from '../../contract/run-contract.js';
import type { ContractBreak } from '../../platform/conveyor/break-contract.js';
import { buildPlatform, DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import { repoRoot } from '../load/helpers.js';

const specPath = path.join(repoRoot, 'specs/conveyor');
let platform: FastifyInstance | undefined;

afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

async function startPlatform(breakContract?: ContractBreak): Promise<string> {
  platform = await buildPlatform({
    tickMs: 20,
    rateLimit: { max: 100_000 },
    ...(breakContract !== undefined && { breakContract }),
  });
  return `${await platform.listen({ port: 0, host: '127.0.0.1' })}/v1`;
}

function failuresOf(report: ContractReport, tool: string): string[] {
  const result = report.tools.find((t) => t.tool === tool);
  return [...(result?.failures ?? []), ...(result?.cases.flatMap((c) => c.failures) ?? [])];
}

describe('contract on Conveyor', () => {
  it('passes against the mock upstream built from the document', { timeout: 120_000 }, async () => {
    const report = await runContract({ specPath, cwd: repoRoot });
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.tools).toHaveLength(28);
    expect(report.tools.filter((t) => t.outcome === 'failed')).toEqual([]);
    // Every tool was called: required arguments, and a documented error the tool mapped to isError.
    for (const tool of report.tools) {
      expect(tool.cases.map((c) => c.label)[0], tool.tool).toBe('required arguments');
      expect(
        tool.cases.some((c) => c.label.startsWith('documented error')),
        tool.tool,
      ).toBe(true);
    }
    const listWorkflows = report.tools.find((t) => t.tool === 'list_workflows')!;
    expect(listWorkflows.cases.map((c) => c.label)).toEqual([
      'required arguments',
      'all arguments',
      'documented error 400',
    ]);
    expect(listWorkflows.cases[1]!.exchanges[0]).toMatch(/^GET \/workspaces\/wsp_acme\/workflows\?.*limit=/);
  });

  it('passes against the reference implementation', { timeout: 120_000 }, async () => {
    const upstream = await startPlatform();
    const report = await runContract({
      specPath,
      cwd: repoRoot,
      upstream,
      allowWrites: true,
      upstreamCredential: DEMO_API_KEY,
    });
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.tools.filter((t) => t.outcome === 'skipped')).toEqual([]);
  });

  it('against a URL, refuses write tools without --read-only or --allow-writes, and skips them with --read-only', async () => {
    const upstream = await startPlatform();
    await expect(runContract({ specPath, cwd: repoRoot, upstream })).rejects.toThrow(
      /Refusing to call \d+ write tool\(s\).*--read-only.*--allow-writes/s,
    );
    const report = await runContract({
      specPath,
      cwd: repoRoot,
      upstream,
      readOnly: true,
      upstreamCredential: DEMO_API_KEY,
      tools: ['get_workflow', 'create_workflow'],
    });
    expect(report.tools.map((t) => [t.tool, t.outcome])).toEqual([
      ['create_workflow', 'skipped'],
      ['get_workflow', 'passed'],
    ]);
    expect(formatReport(report)).toMatch(
      /- create_workflow .*\n {4}! not called: a write tool, and --read-only is set/,
    );
  });

  it.each([
    {
      breakage: 'renamed-field' as const,
      tool: 'get_workflow',
      reason: /status 200 body \(root\) must have property 'updatedAt'/,
    },
    {
      breakage: 'wrong-status' as const,
      tool: 'create_workflow',
      reason: /status 200 is not documented for POST \/workspaces\/\{workspaceId\}\/workflows \(201, /,
    },
    {
      breakage: 'required-parameter' as const,
      tool: 'list_executions',
      reason:
        /refused a request that conforms to GET \/workspaces\/\{workspaceId\}\/executions \(HTTP 400\).*workflowId/,
    },
  ])(
    'fails naming $tool when the platform breaks its contract: $breakage',
    { timeout: 120_000 },
    async ({ breakage, tool, reason }) => {
      const upstream = await startPlatform(breakage);
      const report = await runContract({
        specPath,
        cwd: repoRoot,
        upstream,
        allowWrites: true,
        upstreamCredential: DEMO_API_KEY,
      });
      expect(report.ok).toBe(false);
      const failed = report.tools.filter((t) => t.outcome === 'failed').map((t) => t.tool);
      expect(failed).toEqual([tool]);
      expect(failuresOf(report, tool).join('\n')).toMatch(reason);
      expect(formatReport(report)).toMatch(new RegExp(`✗ ${tool}\\s`));
    },
  );
});
