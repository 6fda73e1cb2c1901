/**
 * x-mcp.rateLimits: each rule's fields are checked when the root x-mcp is read, its tool names and
 * key once tools are named. Given: a small spec and an overlay that sets the rules, written to a
 * real spec folder and loaded as generate() loads it, so every position is the overlay's own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink, type Diagnostic } from '../../generator/diagnostics/diagnostic.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import { loadSpec } from '../../generator/load/load-spec.js';

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
        - {name: limit, in: query, schema: {type: integer}}
      responses: {'200': {description: OK}}
    post:
      operationId: createWorkflow
      summary: Create a workflow
      parameters:
        - {name: workspace_id, in: path, required: true, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses: {'201': {description: Created}}
  /me:
    get:
      operationId: getCurrentUser
      summary: Who am I
      responses: {'200': {description: OK}}
`;

/** The rules start on line 8 of the overlay, each line indented under `rateLimits:` (column 11). */
const overlay = (rules: string) =>
  `overlay: 1.1.0
info: {title: Rate limits, version: 1.0.0}
actions:
  - target: $
    update:
      x-mcp:
        rateLimits:
${rules
  .trim()
  .split('\n')
  .map((line) => `          ${line}`)
  .join('\n')}
`;

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'spec2mcp-rate-limits-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Loads SPEC with the given overlay files (name -> text) and builds the IR. */
async function build(overlays: Record<string, string>, options: { strict?: boolean } = {}) {
  const dir = path.join(root, `spec-${++counter}`);
  await mkdir(path.join(dir, 'overlays'), { recursive: true });
  await writeFile(path.join(dir, 'openapi.yaml'), SPEC);
  for (const [name, text] of Object.entries(overlays))
    await writeFile(path.join(dir, 'overlays', name), text);
  const strict = options.strict ?? false;
  const sink = createDiagnosticSink({ strict });
  const spec = await loadSpec({ path: dir, cwd: dir, strict }, sink);
  if (!spec) throw new Error(sink.diagnostics.map((d) => d.message).join('\n'));
  const api = buildApiIR(
    {
      document: spec.document,
      version: spec.version,
      specName: spec.specName,
      specSha256: spec.specSha256,
      overlays: spec.overlays.map((o) => ({ file: o.name, sha256: o.sha256 })),
      locate: (p) => spec.locate(p),
      resolveRef: (r) => spec.resolveRef(r),
    },
    { id: 'limits', generatorVersion: '0.0.0', strict },
    sink,
  );
  return { api, diagnostics: sink.diagnostics };
}

/** `CODE (warning)? file:line:col` */
const where = (d: Diagnostic) =>
  `${d.code}${d.severity === 'warning' ? ' (warning)' : ''} ${d.source.file}:${d.source.line}:${d.source.column}`;
const NAME = '10-limits.yaml';
const FILE = `overlays/${NAME}`;

describe('valid rules', () => {
  it('reach the IR in the overlay order, window defaulted to fixed, tools only when given', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay(`
- key: workspace_id
  limit: 300
  windowSeconds: 60
  window: sliding
  tools: [list_workflows, create_workflow]
- {key: principal, limit: 600, windowSeconds: 60}
- {key: limit, limit: 5, windowSeconds: 1, tools: [list_workflows]}
`),
    });
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.rateLimits.map(({ source, ...rule }) => rule)).toEqual([
      {
        key: 'workspace_id',
        limit: 300,
        windowSeconds: 60,
        window: 'sliding',
        tools: ['list_workflows', 'create_workflow'],
      },
      { key: 'principal', limit: 600, windowSeconds: 60, window: 'fixed' },
      { key: 'limit', limit: 5, windowSeconds: 1, window: 'fixed', tools: ['list_workflows'] },
    ]);
    expect(api.settings.rateLimits.map((r) => `${r.source.file}:${r.source.line}`)).toEqual([
      `${FILE}:8`,
      `${FILE}:13`,
      `${FILE}:14`,
    ]);
    expect(api.settings.extensions).not.toHaveProperty('rateLimits');
    expect(Object.isFrozen(api.settings.rateLimits[0])).toBe(true);
  });

  it('are empty when the overlay sets none', async () => {
    const { api, diagnostics } = await build({});
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.rateLimits).toEqual([]);
  });

  it('from two overlays are appended, each located in the overlay that set it', async () => {
    const { api, diagnostics } = await build({
      '10-a.yaml': overlay('- {key: principal, limit: 600, windowSeconds: 60}'),
      '20-b.yaml': overlay('- {key: workspace, limit: 300, windowSeconds: 60}'),
    });
    expect(api.settings.rateLimits.map((r) => r.key)).toEqual(['principal']);
    expect(diagnostics.map(where)).toEqual(['MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT overlays/20-b.yaml:8:14']);
  });
});

describe('invalid rules: code and position of the offending element', () => {
  it.each([
    // [what, given rules (from line 8, column 11), want diagnostics]
    [
      'a mapping instead of a list',
      '{key: principal, limit: 1, windowSeconds: 1}',
      ['MCPGEN_XMCP_INVALID 7:9'],
    ],
    ['a rule that is not a mapping', '- principal', ['MCPGEN_XMCP_INVALID 8:13']],
    [
      'an unknown key (and so a missing windowSeconds)',
      '- key: principal\n  limit: 10\n  windowSecs: 60',
      ['MCPGEN_XMCP_UNKNOWN_KEY (warning) 10:13', 'MCPGEN_XMCP_INVALID 8:13'],
    ],
    ['no key', '- {limit: 10, windowSeconds: 60}', ['MCPGEN_XMCP_INVALID 8:13']],
    ['an empty key', "- {key: '', limit: 10, windowSeconds: 60}", ['MCPGEN_XMCP_INVALID 8:14']],
    ['a key that is a number', '- {key: 7, limit: 10, windowSeconds: 60}', ['MCPGEN_XMCP_INVALID 8:14']],
    ['limit 0', '- key: principal\n  limit: 0\n  windowSeconds: 60', ['MCPGEN_XMCP_INVALID 9:13']],
    ['limit 1.5', '- key: principal\n  limit: 1.5\n  windowSeconds: 60', ['MCPGEN_XMCP_INVALID 9:13']],
    ["limit '10'", "- key: principal\n  limit: '10'\n  windowSeconds: 60", ['MCPGEN_XMCP_INVALID 9:13']],
    ['no windowSeconds', '- {key: principal, limit: 10}', ['MCPGEN_XMCP_INVALID 8:13']],
    ['windowSeconds -5', '- key: principal\n  limit: 10\n  windowSeconds: -5', ['MCPGEN_XMCP_INVALID 10:13']],
    [
      'an unknown window',
      '- key: principal\n  limit: 10\n  windowSeconds: 60\n  window: rolling',
      ['MCPGEN_XMCP_INVALID 11:13'],
    ],
    [
      'tools as a string',
      '- key: principal\n  limit: 10\n  windowSeconds: 60\n  tools: list_workflows',
      ['MCPGEN_XMCP_INVALID 11:13'],
    ],
    [
      'tools as an empty list',
      '- key: principal\n  limit: 10\n  windowSeconds: 60\n  tools: []',
      ['MCPGEN_XMCP_INVALID 11:13'],
    ],
    [
      'a tool name that is a number',
      '- key: principal\n  limit: 10\n  windowSeconds: 60\n  tools:\n    - list_workflows\n    - 3',
      ['MCPGEN_XMCP_INVALID 13:17'],
    ],
  ])('%s', async (_what, rules, want) => {
    const { api, diagnostics } = await build({ [NAME]: overlay(rules) });
    expect(diagnostics.map((d) => where(d).replace(`${FILE}:`, ''))).toEqual(want);
    expect(diagnostics.every((d) => d.source.file === FILE && d.fix.length > 0)).toBe(true);
    expect(api.settings.rateLimits).toEqual([]);
  });

  it('an unknown key is an error with --strict, like every unknown x-mcp key', async () => {
    const { diagnostics } = await build(
      { [NAME]: overlay('- {key: principal, limit: 10, windowSeconds: 60, burst: 5}') },
      { strict: true },
    );
    expect(diagnostics.map(where)).toEqual([`MCPGEN_XMCP_UNKNOWN_KEY ${FILE}:8:60`]);
    expect(diagnostics[0]!.message).toContain('unknown key `burst`');
  });

  it('says what is wrong and how to fix it', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay("- {key: principal, limit: 0, windowSeconds: 60, window: 'rolling'}"),
    });
    expect(diagnostics.map((d) => [d.message, d.fix])).toEqual([
      [
        'x-mcp.rateLimits[0]: limit must be a positive integer, found number 0',
        'Set `limit` to a whole number of calls per window of at least 1.',
      ],
      [
        'x-mcp.rateLimits[0]: window must be fixed or sliding, found string "rolling"',
        'Set `window: fixed` (the default) or `window: sliding`.',
      ],
    ]);
  });
});

describe('tools: every name is a generated tool', () => {
  it('a near miss suggests the tool it probably means', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay(
        '- key: principal\n  limit: 10\n  windowSeconds: 60\n  tools: [create_workflow, list_workflow]',
      ),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_UNKNOWN_TOOL ${FILE}:11:38`]);
    expect(diagnostics[0]!.message).toBe(
      'rate-limit rule names the tool `list_workflow`, which is not generated',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Did you mean `list_workflows`? Otherwise remove `list_workflow` from `tools`.',
    );
    expect(api.settings.rateLimits).toEqual([]);
  });

  it('a name far from every tool gets no guess', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay(
        '- key: principal\n  limit: 10\n  windowSeconds: 60\n  tools:\n    - delete_everything',
      ),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_UNKNOWN_TOOL ${FILE}:12:17`]);
    expect(diagnostics[0]!.fix).toBe(
      'Name a generated tool (see catalog.md), or remove `delete_everything` from `tools`.',
    );
  });

  it('an operation excluded with x-mcp: false is not a generated tool', async () => {
    const exclude = `overlay: 1.1.0
info: {title: Exclude, version: 1.0.0}
actions:
  - target: $.paths['/me'].get
    update: {x-mcp: false}
`;
    const { diagnostics } = await build({
      [NAME]: overlay('- {key: principal, limit: 10, windowSeconds: 60, tools: [get_current_user]}'),
      '20-exclude.yaml': exclude,
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_UNKNOWN_TOOL ${FILE}:8:68`]);
  });
});

describe('key: principal, or an argument of a tool the rule applies to', () => {
  it('a key no tool has: the fix suggests the near argument and lists the ones that exist', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay('- key: workspace\n  limit: 10\n  windowSeconds: 60'),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT ${FILE}:8:13`]);
    expect(diagnostics[0]!.message).toBe(
      'rate-limit key `workspace` is neither `principal` nor an argument of any tool',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Did you mean `workspace_id`? Use `principal` or one of the arguments those tools have: ' +
        '`idempotency_key`, `limit`, `name`, `workspace_id`.',
    );
    expect(api.settings.rateLimits).toEqual([]);
  });

  it('an argument of another tool than the ones named does not count', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay('- {key: limit, limit: 10, windowSeconds: 60, tools: [create_workflow]}'),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT ${FILE}:8:14`]);
    expect(diagnostics[0]!.message).toBe(
      'rate-limit key `limit` is neither `principal` nor an argument of the tool `create_workflow`',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Use `principal` or one of the arguments those tools have: `idempotency_key`, `name`, `workspace_id`.',
    );
  });

  it('tools without arguments: the fix says so', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay('- {key: workspace_id, limit: 10, windowSeconds: 60, tools: [get_current_user]}'),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT ${FILE}:8:14`]);
    expect(diagnostics[0]!.fix).toBe(
      'The tools the rule applies to take no arguments: use `key: principal`, or name tools that have the argument.',
    );
  });

  it('principal needs no argument; an unknown tool is reported once, not as a key error too', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay(`
- {key: principal, limit: 10, windowSeconds: 60, tools: [get_current_user]}
- {key: workspace_id, limit: 10, windowSeconds: 60, tools: [no_such_tool]}
`),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_RATE_LIMIT_UNKNOWN_TOOL ${FILE}:9:71`]);
  });
});
