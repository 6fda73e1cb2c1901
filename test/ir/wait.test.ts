/**
 * x-mcp `wait` on an operation: the declaration becomes the tool's WaitIR (poll resolved to its
 * tool, expressions to argument / result pointers) plus the `wait` / `wait_seconds` arguments, and
 * each mistake is a coded diagnostic at the overlay's own line. Given: a small spec (start a run,
 * read a run) and an overlay that sets `wait` on the start, loaded as generate() loads it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink, type Diagnostic } from '../../generator/diagnostics/diagnostic.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import { loadSpec } from '../../generator/load/load-spec.js';

const SPEC = `openapi: 3.1.0
info: {title: Runs, version: 1.0.0}
servers: [{url: 'https://api.example.com'}]
paths:
  /projects/{projectId}/runs:
    post:
      operationId: startRun
      summary: Start a run
      parameters:
        - {name: projectId, in: path, required: true, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {label: {type: string}, wait: {type: boolean}}}}}
      responses: {'202': {description: Started, content: {application/json: {schema: {type: object, properties: {id: {type: string}, state: {type: string}}}}}}}
  /projects/{projectId}/runs/{runId}:
    get:
      operationId: getRun
      summary: Read a run
      parameters:
        - {name: projectId, in: path, required: true, schema: {type: string}}
        - {name: runId, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: OK, content: {application/json: {schema: {type: object, properties: {id: {type: string}, state: {type: string}, step: {type: string}}}}}}}
    delete:
      operationId: deleteRun
      summary: Delete a run
      parameters:
        - {name: projectId, in: path, required: true, schema: {type: string}}
        - {name: runId, in: path, required: true, schema: {type: string}}
      responses: {'204': {description: Deleted}}
  /health:
    get:
      operationId: getHealth
      summary: Health
      x-mcp: false
      responses: {'200': {description: OK}}
x-mcp:
  naming: {arguments: snake_case}
`;

/** `wait:` is on line 7 of the overlay (column 9), its keys from line 8 at column 11. */
const overlay = (wait: string) => `overlay: 1.1.0
info: {title: Wait, version: 1.0.0}
actions:
  - target: $.paths['/projects/{projectId}/runs'].post
    update:
      x-mcp:
        wait:
${wait
  .trim()
  .split('\n')
  .map((line) => `          ${line}`)
  .join('\n')}
`;

const VALID = `
poll: getRun
arguments: {project_id: $request.path.projectId, run_id: $response.body#/id}
status: $response.body#/state
until: [DONE, FAILED]
progress: {message: $response.body#/step}
intervalSeconds: 0.5
timeoutSeconds: 20
argument: wait_for_run
`;

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'spec2mcp-wait-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function build(wait: string) {
  const dir = path.join(root, `spec-${++counter}`);
  await mkdir(path.join(dir, 'overlays'), { recursive: true });
  await writeFile(path.join(dir, 'openapi.yaml'), SPEC);
  await writeFile(path.join(dir, 'overlays', '10-wait.yaml'), overlay(wait));
  const sink = createDiagnosticSink();
  const spec = await loadSpec({ path: dir, cwd: dir }, sink);
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
    { id: 'runs', generatorVersion: '0.0.0' },
    sink,
  );
  return { api, diagnostics: sink.diagnostics, start: api.tools.find((t) => t.name === 'start_run') };
}

/** `CODE file:line:col` */
const where = (d: Diagnostic) => `${d.code} ${d.source.file}:${d.source.line}:${d.source.column}`;
const FILE = 'overlays/10-wait.yaml';

describe('a valid wait declaration', () => {
  it('resolves poll to its tool and expressions to pointers; defaults fill the rest', async () => {
    const { diagnostics, start } = await build(VALID);
    expect(diagnostics.map(where)).toEqual([]);
    const { pointer, ...wait } = start?.wait ?? ({} as never);
    expect(wait).toEqual({
      pollReference: 'getRun',
      pollTool: 'get_run',
      arguments: {
        project_id: { from: 'arguments', pointer: '/project_id' },
        run_id: { from: 'response', pointer: '/id' },
      },
      status: '/state',
      until: ['DONE', 'FAILED'],
      progressMessage: '/step',
      intervalSeconds: 0.5,
      maxIntervalSeconds: 10,
      timeoutSeconds: 20,
      maxTimeoutSeconds: 600,
      argument: 'wait_for_run',
      secondsArgument: 'wait_seconds',
      default: false,
    });
    expect(pointer).toBe('/paths/~1projects~1{projectId}~1runs/post/x-mcp/wait');
  });

  it('adds the wait flag and duration to the input schema, sorted in, neither required', async () => {
    const { start } = await build(VALID);
    const schema = start?.inputSchema as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(schema.properties)).toEqual([
      'idempotency_key',
      'label',
      'project_id',
      'wait',
      'wait_for_run',
      'wait_seconds',
    ]);
    expect(schema.properties['wait_for_run']).toMatchObject({ type: 'boolean', default: false });
    expect(schema.properties['wait_seconds']).toMatchObject({ type: 'integer', minimum: 1, maximum: 600 });
    expect(schema.required ?? []).not.toContain('wait_for_run');
  });

  it('takes the poll tool by its generated name, literals as values, body and argument expressions', async () => {
    const { diagnostics, start } = await build(`
poll: get_run
arguments: {project_id: $request.project_id, run_id: $request.body#/label}
status: $response.body#/state
until: [DONE]
argument: block
`);
    expect(diagnostics.map(where)).toEqual([]);
    expect(start?.wait?.pollTool).toBe('get_run');
    expect(start?.wait?.arguments).toEqual({
      project_id: { from: 'arguments', pointer: '/project_id' },
      run_id: { from: 'arguments', pointer: '/label' },
    });
  });
});

describe('diagnostics, each at the overlay position of what is wrong', () => {
  const cases: { name: string; wait: string; want: string[]; message?: RegExp; fix?: RegExp }[] = [
    {
      name: 'an unknown poll operation, with the nearest operationId as the fix',
      wait: VALID.replace('poll: getRun', 'poll: getRn'),
      want: [`MCPGEN_WAIT_UNKNOWN_POLL ${FILE}:8:11`],
      message: /`getRn` is neither an operationId nor a generated tool name/,
      fix: /Did you mean `getRun`\?/,
    },
    {
      name: 'a poll operation that is not a GET',
      wait: VALID.replace('poll: getRun', 'poll: deleteRun'),
      want: [`MCPGEN_WAIT_POLL_UNUSABLE ${FILE}:8:11`],
      message: /DELETE .* not a GET/,
    },
    {
      name: 'a poll operation excluded with x-mcp: false',
      wait: VALID.replace('poll: getRun', 'poll: getHealth'),
      want: [`MCPGEN_WAIT_POLL_UNUSABLE ${FILE}:8:11`],
      message: /excluded with `x-mcp: false`/,
    },
    {
      name: 'a malformed runtime expression',
      wait: VALID.replace('$response.body#/id', '$response.bdy#/id'),
      want: [`MCPGEN_WAIT_BAD_EXPRESSION ${FILE}:9:60`],
      message: /not a runtime expression spec2mcp knows/,
    },
    {
      name: 'an expression naming no argument of the tool',
      wait: VALID.replace('$request.path.projectId', '$request.path.project'),
      want: [`MCPGEN_WAIT_BAD_EXPRESSION ${FILE}:9:23`],
      message: /names no path parameter of start_run/,
    },
    {
      name: 'a status that is not a pointer into the poll result',
      wait: VALID.replace('status: $response.body#/state', 'status: $request.path.projectId'),
      want: [`MCPGEN_WAIT_BAD_EXPRESSION ${FILE}:10:11`],
      message: /only the poll result/,
    },
    {
      name: 'an empty until',
      wait: VALID.replace('until: [DONE, FAILED]', 'until: []'),
      want: [`MCPGEN_WAIT_EMPTY_UNTIL ${FILE}:11:11`],
      message: /would never end before its timeout/,
    },
    {
      name: 'a poll argument the poll tool does not have, and a required one missing',
      wait: VALID.replace('run_id: $response.body#/id', 'run: $response.body#/id'),
      want: [`MCPGEN_WAIT_POLL_ARGUMENTS ${FILE}:9:11`, `MCPGEN_WAIT_POLL_ARGUMENTS ${FILE}:9:60`],
    },
    {
      name: 'a wait argument that collides with an existing argument',
      wait: VALID.replace('argument: wait_for_run', 'argument: wait'),
      want: [`MCPGEN_WAIT_ARGUMENT_COLLISION ${FILE}:15:11`],
      message: /already has an argument `wait`/,
      fix: /`wait\.argument`/,
    },
    {
      name: 'an interval that is not a positive number of seconds',
      wait: VALID.replace('intervalSeconds: 0.5', 'intervalSeconds: 0'),
      want: [`MCPGEN_WAIT_INVALID ${FILE}:13:11`],
      message: /positive number of seconds/,
    },
    {
      name: 'a maximum interval below the interval',
      wait: `${VALID}\nmaxIntervalSeconds: 0.1`,
      want: [`MCPGEN_WAIT_INVALID ${FILE}:17:11`],
      message: /below intervalSeconds/,
    },
    {
      name: 'a wait without poll',
      wait: VALID.replace('poll: getRun\n', ''),
      want: [`MCPGEN_WAIT_INVALID ${FILE}:7:9`],
      message: /has no `poll`/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { diagnostics, start } = await build(c.wait);
      expect(diagnostics.map(where).sort()).toEqual(c.want.sort());
      if (c.message) expect(diagnostics.map((d) => d.message).join('\n')).toMatch(c.message);
      if (c.fix) expect(diagnostics.map((d) => d.fix).join('\n')).toMatch(c.fix);
      // A tool whose wait is wrong never carries a half-checked one.
      expect(start?.wait?.pollTool).toBeUndefined();
    });
  }
});
