/**
 * The Conveyor spec, its overlays and the platform agree: every operation is implemented, guarded and
 * answers with spec-valid bodies; every overlay target matches; the overlays produce the intended tools.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { jsonpath } from 'json-p3';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BLOCK_TYPES } from '../../platform/conveyor/api-types.js';
import { BLOCK_TYPE_DEFINITIONS } from '../../platform/conveyor/block-types.js';
import { DEMO_ADMIN_API_KEY, DEMO_OTHER_TENANT_API_KEY } from '../../platform/conveyor/build-platform.js';
import type { JsonObject, OperationSpec } from '../../platform/conveyor/load-openapi.js';
import {
  asObject,
  CONVEYOR_OPENAPI_PATH,
  dereference,
  loadOpenApi,
} from '../../platform/conveyor/load-openapi.js';
import { startTestPlatform } from './conveyor-test-kit.js';

const OVERLAY_DIR = join(CONVEYOR_OPENAPI_PATH, '..', 'overlays');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

const SAMPLE_PATH_VALUES: Record<string, string> = {
  workspaceId: 'wsp_acme',
  workflowId: 'wf_invoice_sync',
  executionId: 'exe_000001',
  scheduleId: 'sch_nightly_invoices',
  connectionId: 'con_smtp',
  blockType: 'http_request',
  keyId: 'key_ada_ro',
};

function buildSampleUrl(basePath: string, operation: OperationSpec): string {
  const path = operation.path.replace(
    /\{([^}]+)\}/g,
    (_match, name: string) => SAMPLE_PATH_VALUES[name] ?? 'x',
  );
  return `${basePath}${path}${operation.operationId === 'search' ? '?q=invoice' : ''}`;
}

describe('Conveyor OpenAPI document', () => {
  it('given every operation, want a camelCase operationId, one tag, a summary and a description', async () => {
    const { document } = await loadOpenApi();
    const operations = Object.values(asObject(document['paths'])).flatMap((item) =>
      METHODS.flatMap((method) =>
        asObject(item)[method] === undefined ? [] : [asObject(asObject(item)[method])],
      ),
    );
    expect(operations.length).toBeGreaterThanOrEqual(28);
    for (const operation of operations) {
      const id = String(operation['operationId']);
      expect(id).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(operation['tags'], id).toHaveLength(1);
      expect(String(operation['summary'] ?? ''), id).not.toBe('');
      expect(String(operation['description'] ?? ''), id).not.toBe('');
      const body = asObject(
        asObject(asObject(asObject(operation['requestBody'])['content'])['application/json'])['schema'],
      );
      if (operation['requestBody'] !== undefined) expect(Array.isArray(body['required']), id).toBe(true);
    }
  });

  it('given the BlockType enum, want it to list exactly the block types the platform implements', async () => {
    const { document } = await loadOpenApi();
    const schemas = asObject(asObject(document['components'])['schemas']);
    expect(asObject(schemas['BlockType'])['enum']).toEqual([...BLOCK_TYPES]);
    expect(BLOCK_TYPE_DEFINITIONS.map((definition) => definition.type)).toEqual([...BLOCK_TYPES]);
  });

  it('given the operations that create or run things, want an optional Idempotency-Key header', async () => {
    const { operations } = await loadOpenApi();
    const withKey = operations
      .filter((operation) => operation.parameters.some((parameter) => parameter.name === 'Idempotency-Key'))
      .map((operation) => operation.operationId)
      .sort();
    expect(withKey).toEqual([
      'createWorkflow',
      'duplicateWorkflow',
      'retryExecution',
      'startExecution',
      'submitHumanInput',
    ]);
    for (const operation of operations) {
      const header = operation.parameters.find((parameter) => parameter.name === 'Idempotency-Key');
      if (header !== undefined) expect(header).toMatchObject({ in: 'header', required: false });
    }
  });
});

describe('Conveyor platform covers every operation', () => {
  it('given no credential, want 401 from every operation', async () => {
    const platform = await startTestPlatform();
    const { basePath, operations } = await loadOpenApi();
    for (const operation of operations) {
      const response = await platform.call(
        operation.method.toUpperCase(),
        buildSampleUrl(basePath, operation),
        {
          key: null,
        },
      );
      expect(response.status, operation.operationId).toBe(401);
    }
  });

  it("given another tenant's key, want 403 from every workspace operation, whatever the body", async () => {
    const platform = await startTestPlatform();
    const { basePath, operations } = await loadOpenApi();
    const scoped = operations.filter(
      (operation) =>
        operation.path.startsWith('/workspaces/{workspaceId}') && !operation.tags.includes('admin'),
    );
    expect(scoped.length).toBeGreaterThan(20);
    for (const operation of scoped) {
      const response = await platform.call(
        operation.method.toUpperCase(),
        buildSampleUrl(basePath, operation),
        {
          key: DEMO_OTHER_TENANT_API_KEY,
          body: { unexpected: true },
        },
      );
      expect(response.status, operation.operationId).toBe(403);
    }
  });

  it('given seeded ids, want 200 and a spec-valid body from every GET operation', async () => {
    const platform = await startTestPlatform();
    const { basePath, operations } = await loadOpenApi();
    for (const operation of operations.filter((candidate) => candidate.method === 'get')) {
      const key = operation.tags.includes('admin') ? DEMO_ADMIN_API_KEY : undefined;
      const response = await platform.call(
        operation.method.toUpperCase(),
        buildSampleUrl(basePath, operation),
        {
          ...(key === undefined ? {} : { key }),
        },
      );
      expect(response.status, operation.operationId).toBe(200);
    }
  });

  it('given GET /healthz, want 200 without credentials', async () => {
    const platform = await startTestPlatform();
    const response = await platform.app.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

interface OverlayAction {
  target: string;
  update?: unknown;
  remove?: boolean;
}

function mergeUpdate(target: JsonObject, update: JsonObject): void {
  for (const [key, value] of Object.entries(update)) {
    const current = target[key];
    if (Array.isArray(current) && Array.isArray(value)) current.push(...value);
    else if (isPlainObject(current) && isPlainObject(value)) mergeUpdate(current, value);
    else target[key] = structuredClone(value);
  }
}

function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Applies the overlays the way the Overlay 1.1 spec says; records how many nodes each target matched. */
function applyOverlays(): {
  document: JsonObject;
  matches: { file: string; target: string; count: number }[];
} {
  const document = parse(readFileSync(CONVEYOR_OPENAPI_PATH, 'utf8')) as JsonObject;
  const matches: { file: string; target: string; count: number }[] = [];
  for (const file of readdirSync(OVERLAY_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()) {
    const overlay = parse(readFileSync(join(OVERLAY_DIR, file), 'utf8')) as JsonObject;
    expect(overlay['overlay'], file).toBe('1.1.0');
    expect(asObject(overlay['info'])['title'], file).toBeTypeOf('string');
    expect(asObject(overlay['info'])['version'], file).toBeTypeOf('string');
    for (const action of overlay['actions'] as OverlayAction[]) {
      const nodes = jsonpath.query(action.target, document as never).nodes;
      matches.push({ file, target: action.target, count: nodes.length });
      for (const node of nodes) {
        expect(isPlainObject(node.value), `${file} ${action.target} must select objects`).toBe(true);
        if (isPlainObject(action.update)) mergeUpdate(node.value as JsonObject, action.update);
      }
    }
  }
  return { document, matches };
}

interface ToolEntry {
  operationId: string;
  method: string;
  xMcp: JsonObject;
}

function collectTools(document: JsonObject): { tools: ToolEntry[]; excluded: string[] } {
  const tools: ToolEntry[] = [];
  const excluded: string[] = [];
  for (const item of Object.values(asObject(document['paths']))) {
    for (const method of METHODS) {
      const operation = asObject(item)[method];
      if (operation === undefined) continue;
      const xMcp = asObject(operation)['x-mcp'];
      const operationId = String(asObject(operation)['operationId']);
      if (xMcp === false) excluded.push(operationId);
      else tools.push({ operationId, method, xMcp: asObject(xMcp) });
    }
  }
  return { tools, excluded };
}

const EXPECTED_TOOLS = [
  'archive_workflow',
  'cancel_execution',
  'create_workflow',
  'delete_workflow',
  'duplicate_workflow',
  'execute_workflow',
  'get_connection',
  'get_current_user',
  'get_execution_logs',
  'get_execution_status',
  'get_schedule',
  'get_workflow',
  'get_workflow_block_schemas',
  'get_workspace',
  'list_block_types',
  'list_connections',
  'list_executions',
  'list_schedules',
  'list_workflows',
  'list_workspaces',
  'publish_workflow',
  'retry_execution',
  'search',
  'set_workflow_active',
  'submit_human_input',
  'test_connection',
  'toggle_schedule',
  'update_workflow',
];

describe('Conveyor overlays', () => {
  it('given every overlay action, want its RFC 9535 target to match at least one node', () => {
    const { matches } = applyOverlays();
    expect(matches.length).toBeGreaterThan(25);
    for (const match of matches) {
      expect(match.count, `${match.file}: ${match.target}`).toBeGreaterThan(0);
      // `$.x-mcp`-style dot names with dashes are not RFC 9535.
      expect(match.target, match.file).not.toMatch(/\.[A-Za-z_][A-Za-z0-9_]*-/);
    }
  });

  it('given the overlays, want exactly the intended tool names, valid and unique, and admin excluded', () => {
    const { tools, excluded } = collectTools(applyOverlays().document);
    const names = tools.map((tool) => String(tool.xMcp['name']));
    expect([...names].sort()).toEqual(EXPECTED_TOOLS);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    expect(excluded.sort()).toEqual(['listAllUsers', 'revokeAnyApiKey', 'suspendWorkspace']);
  });

  it('given each tool x-mcp, want known keys, consistent hints and arguments that exist', async () => {
    const { document } = applyOverlays();
    const resolved = dereference(document) as JsonObject;
    const { operations } = await loadOpenApi();
    const known = [
      'name',
      'title',
      'description',
      'hints',
      'scopes',
      'idempotency',
      'arguments',
      'response',
      'toolsets',
      'wait',
    ];
    for (const tool of collectTools(resolved).tools) {
      const name = String(tool.xMcp['name']);
      for (const key of Object.keys(tool.xMcp)) expect(known, `${name}.${key}`).toContain(key);
      const hints = asObject(tool.xMcp['hints']);
      if (hints['readOnly'] === true) {
        expect(tool.method, name).not.toBe('delete');
        expect(hints['destructive'], name).not.toBe(true);
      }
      if (tool.method === 'get') expect(hints['destructive'], name).not.toBe(true);
      if (tool.xMcp['idempotency'] !== undefined)
        expect(['required', 'optional', 'none']).toContain(tool.xMcp['idempotency']);
      const operation = operations.find((candidate) => candidate.operationId === tool.operationId);
      const bodyProperties = Object.keys(asObject(operation?.requestBody?.schema['properties']));
      const argumentNames = [
        ...(operation?.parameters.map((parameter) => parameter.name) ?? []),
        ...bodyProperties,
      ];
      for (const argument of Object.keys(asObject(tool.xMcp['arguments']))) {
        expect(argumentNames, `${name} argument ${argument}`).toContain(argument);
      }
      for (const path of (asObject(tool.xMcp['response'])['redact'] as string[] | undefined) ?? []) {
        expect(() => jsonpath.compile(path), `${name} redact ${path}`).not.toThrow();
      }
      if (tool.xMcp['idempotency'] === 'required') {
        expect(
          operation?.parameters.map((parameter) => parameter.name),
          name,
        ).toContain('Idempotency-Key');
      }
    }
  });

  it('given the root x-mcp, want a server, a real whoami operation and upstream scheme, and prompts that render', async () => {
    const { document } = applyOverlays();
    const root = asObject(document['x-mcp']);
    const { operations } = await loadOpenApi();
    expect(asObject(root['server'])['name']).toBe('conveyor');
    expect(operations.map((operation) => operation.operationId)).toContain(root['whoami']);
    const schemes = asObject(asObject(document['components'])['securitySchemes']);
    expect(Object.keys(schemes)).toContain(asObject(asObject(root['upstream'])['auth'])['scheme']);
    const prompts = root['prompts'] as {
      name: string;
      arguments: { name: string; required: boolean }[];
      template: string;
    }[];
    expect(prompts.map((prompt) => prompt.name)).toEqual([
      'workflow_health_report',
      'guided_workflow_run',
      'build_workflow',
    ]);
    for (const prompt of prompts) {
      const declared = new Set(prompt.arguments.map((argument) => argument.name));
      const used = [...prompt.template.matchAll(/\{\{\{?(?:#if\s+)?([a-z_]+)\}?\}\}/g)].map(
        (match) => match[1],
      );
      for (const name of used)
        if (name !== 'else') expect([...declared], `${prompt.name} uses ${name}`).toContain(name);
      const values = Object.fromEntries(
        prompt.arguments.map((argument) => [argument.name, `[${argument.name}]`]),
      );
      const rendered = Handlebars.compile(prompt.template, { strict: true })(values);
      for (const argument of prompt.arguments.filter((candidate) => candidate.required)) {
        expect(rendered, prompt.name).toContain(`[${argument.name}]`);
      }
      // Free text (goal, input_json) uses triple braces so quotes survive HTML-escaping renderers.
      const quoted = Handlebars.compile(prompt.template)({
        ...values,
        goal: '"a" & b',
        input_json: '{"x": 1}',
      });
      if (declared.has('goal')) expect(quoted).toContain('"a" & b');
      if (declared.has('input_json')) expect(quoted).toContain('{"x": 1}');
    }
  });
});
