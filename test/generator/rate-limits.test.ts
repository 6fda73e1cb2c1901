/**
 * x-mcp.rateLimits through generate(): checked rules become the typed `rateLimits` of the
 * ApiDefinition in index.ts (not an untouched extension), and a bad rule stops the run with a
 * located diagnostic and nothing written. The per-field checks are in test/ir/rate-limits.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../generator/diagnostics/diagnostic.js';
import { generate } from '../../generator/generate.js';

const SPEC = `openapi: 3.1.0
info: {title: Limits, version: 1.0.0}
servers: [{url: 'https://api.example.com'}]
paths:
  /workspaces/{workspace_id}/workflows:
    get:
      operationId: listWorkflows
      summary: List workflows
      parameters:
        - {name: workspace_id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: OK}}
x-mcp:
  tokens: {prefix: lim_}
`;

const overlay = (rules: string) => `overlay: 1.1.0
info: {title: Rate limits, version: 1.0.0}
actions:
  - target: $
    update:
      x-mcp:
        rateLimits:
${rules}
`;

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spec2mcp-rate-limits-gen-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(rules: string | undefined, options: { dryRun: boolean }) {
  const specDir = path.join(dir, `spec-${++counter}`);
  await mkdir(path.join(specDir, 'overlays'), { recursive: true });
  await writeFile(path.join(specDir, 'openapi.yaml'), SPEC);
  if (rules !== undefined) await writeFile(path.join(specDir, 'overlays/10-limits.yaml'), overlay(rules));
  const outDir = path.join(dir, `out-${counter}`);
  const result = await generate({ specPath: specDir, outDir, cwd: specDir, cache: false, ...options });
  return { result, outDir };
}

describe('rateLimits in the generated index.ts', () => {
  it('are emitted on the ApiDefinition in the overlay order: window always, tools only when given', async () => {
    const { result } = await run(
      [
        '          - {key: workspace_id, limit: 300, windowSeconds: 60, tools: [list_workflows]}',
        '          - {key: principal, limit: 600, windowSeconds: 60, window: sliding}',
      ].join('\n'),
      { dryRun: true },
    );
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const index = result.files!.get('index.ts')!;
    expect(index).toContain(`  rateLimits: [
    {
      key: "workspace_id",
      limit: 300,
      windowSeconds: 60,
      window: "fixed",
      tools: ["list_workflows"],
    },
    {
      key: "principal",
      limit: 600,
      windowSeconds: 60,
      window: "sliding",
    },
  ],
  extensions: {},
`);
    expect(index.match(/rateLimits/g)).toHaveLength(1);
  });

  it('are absent when the overlay sets none', async () => {
    const { result } = await run(undefined, { dryRun: true });
    expect(result.ok).toBe(true);
    expect(result.files!.get('index.ts')).not.toContain('rateLimits');
  });

  it('a rule naming an unknown tool fails the run at its overlay position and writes nothing', async () => {
    const { result, outDir } = await run(
      '          - {key: principal, limit: 600, windowSeconds: 60, tools: [list_workflow]}',
      { dryRun: false },
    );
    expect(result.ok).toBe(false);
    expect(existsSync(outDir)).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'overlays/10-limits.yaml:8:69  MCPGEN_RATE_LIMIT_UNKNOWN_TOOL  rate-limit rule names the tool `list_workflow`, which is not generated (at /x-mcp/rateLimits/0/tools/0)\n' +
        '    fix: Did you mean `list_workflows`? Otherwise remove `list_workflow` from `tools`.',
    ]);
  });

  it('a key that is no argument fails the run, the fix naming the arguments that exist', async () => {
    const { result } = await run('          - {key: account_id, limit: 600, windowSeconds: 60}', {
      dryRun: true,
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'overlays/10-limits.yaml:8:14  MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT  rate-limit key `account_id` is neither `principal` nor an argument of any tool (at /x-mcp/rateLimits/0/key)\n' +
        '    fix: Use `principal` or one of the arguments those tools have: `workspace_id`.',
    ]);
  });
});
