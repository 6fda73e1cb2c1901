/**
 * x-mcp `whoami`, `tokens` and `tenancy`: each value's shape is checked when the root x-mcp is read,
 * what it names (operations, path parameters, arguments) once tools are built and named. Given: a
 * small spec and an overlay that sets them, written to a real spec folder and loaded as generate()
 * loads it, so every position is the overlay's own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink, type Diagnostic } from '../../generator/diagnostics/diagnostic.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import type { ToolIR } from '../../generator/ir/types.js';
import { loadSpec } from '../../generator/load/load-spec.js';

const SPEC = `openapi: 3.1.0
info: {title: Access, version: 1.0.0}
servers: [{url: 'https://api.example.com'}]
paths:
  /me:
    get:
      operationId: getCurrentUser
      summary: Who am I
      responses: {'200': {description: OK}}
  /workspaces:
    get:
      operationId: listWorkspaces
      summary: List workspaces
      responses: {'200': {description: OK}}
    post:
      operationId: createWorkspace
      summary: Create a workspace
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses: {'201': {description: Created}}
  /accounts/{accountId}/workflows:
    parameters:
      - {name: accountId, in: path, required: true, description: The account., schema: {type: string}}
    get:
      operationId: listWorkflows
      summary: List workflows
      parameters:
        - {name: workspace_id, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      responses: {'200': {description: OK}}
    post:
      operationId: createWorkflow
      summary: Create a workflow
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses: {'201': {description: Created}}
  /accounts/{accountId}/workflows/{workflow_id}:
    get:
      operationId: getWorkflow
      summary: Get a workflow
      parameters:
        - {name: accountId, in: path, required: true, schema: {type: string}}
        - {name: workflow_id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: OK}}
  /admin/users:
    get:
      operationId: listUsers
      summary: List every user
      x-mcp: false
      responses: {'200': {description: OK}}
  /admin/orgs/{org_id}:
    get:
      operationId: getOrg
      summary: Get an organization
      x-mcp: false
      parameters:
        - {name: org_id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: OK}}
`;

/** The x-mcp body starts on line 7 of the overlay, each line indented under `x-mcp:` (column 9). */
const overlay = (body: string) =>
  `overlay: 1.1.0
info: {title: Access, version: 1.0.0}
actions:
  - target: $
    update:
      x-mcp:
${body
  .trim()
  .split('\n')
  .map((line) => `        ${line}`)
  .join('\n')}
`;

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'spec2mcp-access-'));
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
    { id: 'access', generatorVersion: '0.0.0', strict },
    sink,
  );
  return { api, diagnostics: sink.diagnostics };
}

/** `CODE (warning)? file:line:col` */
const where = (d: Diagnostic) =>
  `${d.code}${d.severity === 'warning' ? ' (warning)' : ''} ${d.source.file}:${d.source.line}:${d.source.column}`;
const NAME = '10-access.yaml';
const FILE = `overlays/${NAME}`;
const tool = (tools: readonly ToolIR[], name: string) => tools.find((t) => t.name === name)!;
const schemaOf = (t: ToolIR) => t.inputSchema as { properties: Record<string, unknown>; required?: string[] };

describe('valid settings', () => {
  it('resolve operationIds to tool names and reach the IR, not extensions', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay(`
whoami: getCurrentUser
tokens: {prefix: capi_, queryParameter: true}
tenancy: {argument: workspace_id, list: listWorkspaces}
toolsets: {default: [list_workflows]}
`),
    });
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.access).toEqual({
      whoamiTool: 'get_current_user',
      tokenPrefix: 'capi_',
      allowQueryToken: true,
      tenantArgument: 'workspace_id',
      tenantListTool: 'list_workspaces',
    });
    // Only keys the generator does not check still pass through.
    expect(api.settings.extensions).toEqual({ toolsets: { default: ['list_workflows'] } });
  });

  it('resolve to the tool name an x-mcp.name gives the operation', async () => {
    const rename = `overlay: 1.1.0
info: {title: Rename, version: 1.0.0}
actions:
  - target: $.paths['/me'].get
    update: {x-mcp: {name: whoami}}
`;
    const { api, diagnostics } = await build({
      [NAME]: overlay('whoami: getCurrentUser'),
      '20-rename.yaml': rename,
    });
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.access).toEqual({ whoamiTool: 'whoami' });
  });

  it('queryParameter false (the default) is left out', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay('tokens: {prefix: capi_, queryParameter: false}'),
    });
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.access).toEqual({ tokenPrefix: 'capi_' });
  });

  it('none set: access is empty and the tools keep every argument', async () => {
    const { api, diagnostics } = await build({});
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.access).toEqual({});
    expect(api.settings.extensions).toEqual({});
    expect(tool(api.tools, 'get_workflow').params.map((p) => p.argument)).toEqual([
      'accountId',
      'workflow_id',
    ]);
  });

  it('the last overlay wins, and is where a problem is reported', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay('whoami: getCurrentUser'),
      '20-later.yaml': overlay('whoami: getCurrentUsr'),
    });
    expect(diagnostics.map(where)).toEqual(['MCPGEN_ACCESS_UNKNOWN_OPERATION overlays/20-later.yaml:7:9']);
  });
});

describe('tenancy.pathParam: the tenant fills the path parameter in every tool that has it', () => {
  it('the binding is fromTenant with no argument, and the argument leaves inputSchema and required', async () => {
    const { api, diagnostics } = await build({ [NAME]: overlay('tenancy: {pathParam: accountId}') });
    expect(diagnostics.map(where)).toEqual([]);
    expect(api.settings.access).toEqual({ tenantPathParam: 'accountId' });

    const get = tool(api.tools, 'get_workflow');
    expect(get.params).toEqual([
      { name: 'accountId', in: 'path', style: 'simple', explode: false, required: true, fromTenant: true },
      {
        name: 'workflow_id',
        in: 'path',
        style: 'simple',
        explode: false,
        required: true,
        argument: 'workflow_id',
      },
    ]);
    expect(schemaOf(get)).toEqual({
      type: 'object',
      properties: { workflow_id: { type: 'string' } },
      required: ['workflow_id'],
      additionalProperties: false,
    });

    // A path-level parameter, in both operations under the path; the body and the query stay.
    const create = tool(api.tools, 'create_workflow');
    expect(create.params.find((p) => p.name === 'accountId')).toMatchObject({ fromTenant: true });
    expect(create.params.find((p) => p.name === 'accountId')).not.toHaveProperty('argument');
    expect(Object.keys(schemaOf(create).properties)).toEqual(['idempotency_key', 'name']);
    expect(schemaOf(create).required).toEqual(['idempotency_key', 'name']);
    const list = tool(api.tools, 'list_workflows');
    expect(Object.keys(schemaOf(list).properties)).toEqual(['limit', 'workspace_id']);
    expect(schemaOf(list)).not.toHaveProperty('required');
  });

  it('tools without the parameter are untouched', async () => {
    const without = await build({});
    const withTenancy = await build({ [NAME]: overlay('tenancy: {pathParam: accountId}') });
    for (const name of ['get_current_user', 'list_workspaces', 'create_workspace']) {
      const { source: _a, nameSource: _b, ...before } = tool(without.api.tools, name);
      const { source: _c, nameSource: _d, ...after } = tool(withTenancy.api.tools, name);
      expect(after).toEqual(before);
    }
  });

  it('matches the name the document spells, whatever naming.arguments makes of the argument', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay('naming: {arguments: snake_case}\ntenancy: {pathParam: accountId}'),
    });
    expect(diagnostics.map(where)).toEqual([]);
    expect(Object.keys(schemaOf(tool(api.tools, 'get_workflow')).properties)).toEqual(['workflow_id']);
  });

  it('wins over an x-mcp.arguments override of the parameter, without an unknown-argument error', async () => {
    const args = `overlay: 1.1.0
info: {title: Arguments, version: 1.0.0}
actions:
  - target: $.paths['/accounts/{accountId}/workflows/{workflow_id}'].get
    update:
      x-mcp:
        arguments:
          accountId: {name: account, description: The account to read.}
  - target: $.paths['/accounts/{accountId}/workflows'].get
    update:
      x-mcp:
        arguments:
          accountId: {hidden: true, value: acc_1}
`;
    const { api, diagnostics } = await build({
      [NAME]: overlay('tenancy: {pathParam: accountId}'),
      '20-arguments.yaml': args,
    });
    expect(diagnostics.map(where)).toEqual([]);
    const get = tool(api.tools, 'get_workflow');
    expect(get.params[0]).toEqual({
      name: 'accountId',
      in: 'path',
      style: 'simple',
      explode: false,
      required: true,
      fromTenant: true,
    });
    expect(schemaOf(get).properties).not.toHaveProperty('account');
    // A fixed value would send one tenant for every caller: the endpoint's tenant replaces it.
    expect(tool(api.tools, 'list_workflows').params[0]).not.toHaveProperty('value');
    expect(tool(api.tools, 'list_workflows').params[0]).toMatchObject({ fromTenant: true });
  });

  it('with tenancy.argument too, both are emitted; without it, tenantArgument stays absent', async () => {
    const both = await build({
      [NAME]: overlay('tenancy: {pathParam: accountId, argument: workspace_id, list: listWorkspaces}'),
    });
    expect(both.diagnostics.map(where)).toEqual([]);
    expect(both.api.settings.access).toEqual({
      tenantPathParam: 'accountId',
      tenantArgument: 'workspace_id',
      tenantListTool: 'list_workspaces',
    });
  });

  it('an argument that the path parameter took away is no argument any more', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay('tenancy: {pathParam: accountId, argument: accountId}'),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_TENANCY_ARGUMENT_UNKNOWN ${FILE}:7:41`]);
    expect(api.settings.access).toEqual({ tenantPathParam: 'accountId' });
  });
});

describe('invalid values: code and position of the offending value', () => {
  it.each([
    // [what, given x-mcp body (from line 7, column 9), want diagnostics]
    ['whoami as a number', 'whoami: 42', ['MCPGEN_XMCP_INVALID 7:9']],
    ['whoami as an empty string', "whoami: ''", ['MCPGEN_XMCP_INVALID 7:9']],
    ['whoami as a list', 'whoami: [getCurrentUser]', ['MCPGEN_XMCP_INVALID 7:9']],
    ['tokens as a string', 'tokens: capi_', ['MCPGEN_XMCP_INVALID 7:9']],
    ['tokens.prefix in capitals', 'tokens:\n  prefix: CAPI_', ['MCPGEN_XMCP_INVALID 8:11']],
    ['tokens.prefix without the underscore', 'tokens: {prefix: capi}', ['MCPGEN_XMCP_INVALID 7:18']],
    ['tokens.prefix with one character before `_`', 'tokens: {prefix: c_}', ['MCPGEN_XMCP_INVALID 7:18']],
    ['tokens.prefix starting with a digit', 'tokens: {prefix: 9api_}', ['MCPGEN_XMCP_INVALID 7:18']],
    ['tokens.prefix of 17 characters', 'tokens: {prefix: abcdefghijklmnopq_}', ['MCPGEN_XMCP_INVALID 7:18']],
    ['tokens.prefix with a dash', 'tokens: {prefix: c-api_}', ['MCPGEN_XMCP_INVALID 7:18']],
    ['tokens.prefix as a number', 'tokens: {prefix: 12}', ['MCPGEN_XMCP_INVALID 7:18']],
    [
      'tokens.queryParameter as a string',
      'tokens:\n  prefix: capi_\n  queryParameter: "yes"',
      ['MCPGEN_XMCP_INVALID 9:11'],
    ],
    [
      'an unknown key in tokens',
      'tokens: {prefix: capi_, query: true}',
      ['MCPGEN_XMCP_UNKNOWN_KEY (warning) 7:33'],
    ],
    ['tenancy as a string', 'tenancy: workspace_id', ['MCPGEN_XMCP_INVALID 7:9']],
    ['tenancy.pathParam as a number', 'tenancy:\n  pathParam: 3', ['MCPGEN_XMCP_INVALID 8:11']],
    ['tenancy.argument as a mapping', 'tenancy:\n  argument: {name: x}', ['MCPGEN_XMCP_INVALID 8:11']],
    ['tenancy.list as an empty string', "tenancy:\n  list: ''", ['MCPGEN_XMCP_INVALID 8:11']],
    [
      'an unknown key in tenancy',
      'tenancy:\n  argument: workspace_id\n  path_param: accountId',
      ['MCPGEN_XMCP_UNKNOWN_KEY (warning) 9:11'],
    ],
  ])('%s', async (_what, body, want) => {
    const { api, diagnostics } = await build({ [NAME]: overlay(body) });
    expect(diagnostics.map((d) => where(d).replace(`${FILE}:`, ''))).toEqual(want);
    expect(diagnostics.every((d) => d.source.file === FILE && d.fix.length > 0)).toBe(true);
    // An invalid value is left out; a valid one beside it (after an unknown key) is kept.
    expect(api.settings.access).not.toHaveProperty('whoamiTool');
    expect(api.settings.access).not.toHaveProperty('allowQueryToken');
    expect(api.settings.access).not.toHaveProperty('tenantPathParam');
  });

  it('says what is wrong with a token prefix, and guesses the prefix that was meant', async () => {
    const { diagnostics } = await build({ [NAME]: overlay('tokens: {prefix: CAPI}') });
    expect(diagnostics.map((d) => [d.message, d.fix])).toEqual([
      [
        'tokens.prefix must be 2 to 16 lowercase letters or digits, starting with a letter, then `_`; found string "CAPI"',
        'Did you mean `capi_`? Write a prefix such as `capi_`: a lowercase letter, 1 to 15 lowercase letters or digits, then `_`.',
      ],
    ]);
  });

  it('an unknown key is an error with --strict, like every unknown x-mcp key', async () => {
    const { diagnostics } = await build(
      { [NAME]: overlay('tenancy: {argument: workspace_id, lists: listWorkspaces}') },
      { strict: true },
    );
    expect(diagnostics.map(where)).toEqual([`MCPGEN_XMCP_UNKNOWN_KEY ${FILE}:7:43`]);
    expect(diagnostics[0]!.message).toContain('unknown key `lists`');
  });
});

describe('whoami and tenancy.list: a generated GET operation', () => {
  it('a misspelt operationId suggests the one it probably means', async () => {
    const { api, diagnostics } = await build({ [NAME]: overlay('whoami: getCurentUser') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_ACCESS_UNKNOWN_OPERATION ${FILE}:7:9`]);
    expect(diagnostics[0]!.message).toBe(
      '`whoami` names the operationId `getCurentUser`, which no operation has',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Did you mean `getCurrentUser`? `whoami` takes the operationId of the GET operation that returns the signed-in user.',
    );
    expect(api.settings.access).toEqual({});
  });

  it('a tool name instead of an operationId: no near guess, the fix lists the generated GET operations', async () => {
    const { diagnostics } = await build({ [NAME]: overlay('tenancy:\n  list: list_workspaces_page') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_ACCESS_UNKNOWN_OPERATION ${FILE}:8:11`]);
    expect(diagnostics[0]!.fix).toBe(
      'Set `tenancy.list` to the operationId of the GET operation that returns the tenants a user can grant ' +
        '(generated GET operations: `getCurrentUser`, `getWorkflow`, `listWorkflows`, `listWorkspaces`).',
    );
  });

  it('an operation that is not a GET', async () => {
    const { api, diagnostics } = await build({
      [NAME]: overlay('tenancy: {argument: workspace_id, list: createWorkspace}'),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_ACCESS_OPERATION_NOT_GET ${FILE}:7:43`]);
    expect(diagnostics[0]!.message).toBe(
      '`tenancy.list` names `createWorkspace`, which is POST /workspaces, not a GET',
    );
    expect(diagnostics[0]!.fix).toBe(
      'The runtime calls it to read the tenants a user can grant, so it must only read: name the operationId of a GET operation ' +
        '(generated GET operations: `getCurrentUser`, `getWorkflow`, `listWorkflows`, `listWorkspaces`).',
    );
    // The valid half of tenancy is kept.
    expect(api.settings.access).toEqual({ tenantArgument: 'workspace_id' });
  });

  it('an operation excluded with x-mcp: false: the fix points at the exclusion', async () => {
    const { diagnostics } = await build({ [NAME]: overlay('whoami: listUsers') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_ACCESS_OPERATION_EXCLUDED ${FILE}:7:9`]);
    expect(diagnostics[0]!.message).toBe(
      '`whoami` names `listUsers` (GET /admin/users), which is excluded with `x-mcp: false`, so it is no tool the runtime can call',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Remove `x-mcp: false` from GET /admin/users (set at openapi.yaml:52:7), or name another generated GET operation.',
    );
  });

  it('an operation excluded in an overlay: the fix names that overlay', async () => {
    const exclude = `overlay: 1.1.0
info: {title: Exclude, version: 1.0.0}
actions:
  - target: $.paths['/me'].get
    update: {x-mcp: false}
`;
    const { diagnostics } = await build({
      [NAME]: overlay('whoami: getCurrentUser'),
      '30-exclude.yaml': exclude,
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_ACCESS_OPERATION_EXCLUDED ${FILE}:7:9`]);
    expect(diagnostics[0]!.fix).toMatch(
      /^Remove `x-mcp: false` from GET \/me \(set at overlays\/30-exclude\.yaml:5:/,
    );
  });
});

describe('tenancy.pathParam and tenancy.argument name what the tools have', () => {
  it('a path parameter no tool has: the fix suggests the near one and lists those that exist', async () => {
    const { api, diagnostics } = await build({ [NAME]: overlay('tenancy:\n  pathParam: account_id') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_TENANCY_PATH_PARAM_UNKNOWN ${FILE}:8:11`]);
    expect(diagnostics[0]!.message).toBe(
      'tenancy.pathParam `account_id` is not a path parameter of any generated operation',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Did you mean `accountId`? Name a path parameter as the document spells it: `accountId`, `workflow_id`.',
    );
    expect(api.settings.access).toEqual({});
  });

  it('a query parameter is not a path parameter', async () => {
    const { diagnostics } = await build({ [NAME]: overlay('tenancy:\n  pathParam: workspace_id') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_TENANCY_PATH_PARAM_UNKNOWN ${FILE}:8:11`]);
  });

  it('a path parameter only an excluded operation has does not count', async () => {
    const { diagnostics } = await build({ [NAME]: overlay('tenancy:\n  pathParam: org_id') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_TENANCY_PATH_PARAM_UNKNOWN ${FILE}:8:11`]);
    expect(diagnostics[0]!.fix).toBe(
      'Name a path parameter as the document spells it: `accountId`, `workflow_id`.',
    );
  });

  it('an argument no tool has: the fix suggests the near one and lists the arguments', async () => {
    const { api, diagnostics } = await build({ [NAME]: overlay('tenancy:\n  argument: workspace') });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_TENANCY_ARGUMENT_UNKNOWN ${FILE}:8:11`]);
    expect(diagnostics[0]!.message).toBe(
      'tenancy.argument `workspace` is not an argument of any generated tool',
    );
    expect(diagnostics[0]!.fix).toBe(
      'Did you mean `workspace_id`? Name a tool argument as the model sends it (after `naming.arguments`): ' +
        '`accountId`, `idempotency_key`, `limit`, `name`, `workflow_id`, `workspace_id`.',
    );
    expect(api.settings.access).toEqual({});
  });

  it('the argument is the name after naming.arguments, not the document name', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay('naming: {arguments: snake_case}\ntenancy:\n  argument: accountId'),
    });
    expect(diagnostics.map(where)).toEqual([`MCPGEN_TENANCY_ARGUMENT_UNKNOWN ${FILE}:9:11`]);
    expect(diagnostics[0]!.fix).toMatch(/^Did you mean `account_id`\?/);
  });

  it('every problem at once, each at its own value', async () => {
    const { diagnostics } = await build({
      [NAME]: overlay(`
whoami: createWorkflow
tokens: {prefix: Capi_}
tenancy:
  pathParam: tenant
  argument: tenant_id
  list: listTenants
`),
    });
    expect(diagnostics.map(where)).toEqual([
      `MCPGEN_XMCP_INVALID ${FILE}:8:18`,
      `MCPGEN_ACCESS_OPERATION_NOT_GET ${FILE}:7:9`,
      `MCPGEN_ACCESS_UNKNOWN_OPERATION ${FILE}:12:11`,
      `MCPGEN_TENANCY_PATH_PARAM_UNKNOWN ${FILE}:10:11`,
      `MCPGEN_TENANCY_ARGUMENT_UNKNOWN ${FILE}:11:11`,
    ]);
  });
});
