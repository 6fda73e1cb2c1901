import { describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { type BuildInputArgs, buildInput } from '../../generator/ir/build-input.js';
import type { OperationXMcp } from '../../generator/ir/read-x-mcp.js';

const schemas: Record<string, unknown> = {
  NewWorkflow: {
    type: 'object',
    required: ['name'],
    properties: {
      id: { type: 'string', readOnly: true },
      name: { type: 'string' },
      workspaceId: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
    },
  },
};
const noXMcp: OperationXMcp = { excluded: false, hints: {}, arguments: {}, response: {} };
const locate = (pointer: string) => ({ file: 'openapi.yaml', pointer, line: 1, column: 1 });

function build(overrides: Partial<BuildInputArgs>) {
  const sink = createDiagnosticSink();
  const result = buildInput({
    toolName: 't',
    method: 'get',
    parameters: [],
    xmcp: noXMcp,
    operationPointer: '/paths/~1x/get',
    idempotency: 'none',
    dialect: '3.1',
    argumentStyle: 'snake_case',
    resolveRef: (ref) => schemas[ref.replace('#/components/schemas/', '')],
    sink,
    locate,
    ...overrides,
  });
  return { ...result, diagnostics: sink.diagnostics };
}

const param = (value: Record<string, unknown>, i = 0) => ({
  value,
  pointer: `/paths/~1x/get/parameters/${i}`,
});

describe('buildInput: parameter binding', () => {
  it.each([
    // given parameter -> want binding (style, explode, argument, required)
    [
      { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string' } },
      {
        name: 'workspaceId',
        in: 'path',
        style: 'simple',
        explode: false,
        required: true,
        argument: 'workspace_id',
      },
    ],
    [
      { name: 'status', in: 'query', schema: { type: 'string' } },
      { name: 'status', in: 'query', style: 'form', explode: true, required: false, argument: 'status' },
    ],
    [
      { name: 'types', in: 'query', style: 'form', explode: false, schema: { type: 'array' } },
      { name: 'types', in: 'query', style: 'form', explode: false, required: false, argument: 'types' },
    ],
    [
      { name: 'ids', in: 'query', style: 'pipeDelimited', schema: { type: 'array' } },
      { name: 'ids', in: 'query', style: 'pipeDelimited', explode: false, required: false, argument: 'ids' },
    ],
    [
      { name: 'filter', in: 'query', style: 'deepObject', explode: true, schema: { type: 'object' } },
      {
        name: 'filter',
        in: 'query',
        style: 'deepObject',
        explode: true,
        required: false,
        argument: 'filter',
      },
    ],
    [
      { name: 'X-Request-Id', in: 'header', schema: { type: 'string' } },
      {
        name: 'X-Request-Id',
        in: 'header',
        style: 'simple',
        explode: false,
        required: false,
        argument: 'x_request_id',
      },
    ],
    [
      { name: 'session', in: 'cookie', schema: { type: 'string' } },
      { name: 'session', in: 'cookie', style: 'form', explode: true, required: false, argument: 'session' },
    ],
    [
      { name: 'id', in: 'path', style: 'matrix', explode: true, schema: { type: 'string' } },
      { name: 'id', in: 'path', style: 'matrix', explode: true, required: true, argument: 'id' },
    ],
    [
      { name: 'q', in: 'query', allowReserved: true, schema: { type: 'string' } },
      {
        name: 'q',
        in: 'query',
        style: 'form',
        explode: true,
        required: false,
        argument: 'q',
        allowReserved: true,
      },
    ],
  ])('%j', (given, want) => {
    const { params, diagnostics } = build({ parameters: [param(given)] });
    expect(params).toEqual([want]);
    expect(diagnostics).toEqual([]);
  });

  it('ignores Accept, Content-Type and Authorization header parameters', () => {
    const { params } = build({
      parameters: ['Accept', 'Content-Type', 'Authorization'].map((name, i) =>
        param({ name, in: 'header', schema: { type: 'string' } }, i),
      ),
    });
    expect(params).toEqual([]);
  });

  it('an invalid style falls back to the location default with a warning at the style', () => {
    const { params, diagnostics } = build({
      parameters: [param({ name: 'id', in: 'path', style: 'form', schema: { type: 'string' } })],
    });
    expect(params[0]?.style).toBe('simple');
    expect(diagnostics.map((d) => [d.code, d.source.pointer])).toEqual([
      ['MCPGEN_UNSUPPORTED_PARAMETER', '/paths/~1x/get/parameters/0/style'],
    ]);
  });
});

describe('buildInput: arguments and schema', () => {
  it('spreads an object JSON body into arguments, drops readOnly properties, keeps required', () => {
    const { inputSchema, body } = build({
      method: 'post',
      idempotency: 'required',
      parameters: [param({ name: 'workspaceId', in: 'path', required: true, schema: { type: 'string' } })],
      requestBody: {
        value: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/NewWorkflow' } } },
        },
        pointer: '/paths/~1x/post/requestBody',
      },
    });
    expect(body).toEqual({
      mediaType: 'application/json',
      required: true,
      mode: 'properties',
      properties: [
        { argument: 'body_workspace_id', property: 'workspaceId' },
        { argument: 'name', property: 'name' },
        { argument: 'tags', property: 'tags' },
      ],
    });
    expect(Object.keys((inputSchema as { properties: object }).properties)).toEqual([
      'body_workspace_id',
      'idempotency_key',
      'name',
      'tags',
      'workspace_id',
    ]);
    expect((inputSchema as { required: string[] }).required).toEqual([
      'idempotency_key',
      'name',
      'workspace_id',
    ]);
    expect((inputSchema as { additionalProperties: boolean }).additionalProperties).toBe(false);
  });

  it('a non-object body becomes one `body` argument', () => {
    const { body, inputSchema } = build({
      method: 'put',
      requestBody: {
        value: { content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } } },
        pointer: '/rb',
      },
    });
    expect(body).toEqual({ mediaType: 'application/json', required: false, mode: 'value', argument: 'body' });
    expect((inputSchema as { properties: Record<string, unknown> }).properties['body']).toEqual({
      type: 'array',
      items: { type: 'string' },
    });
  });

  it('applies x-mcp.arguments: rename, limits, default, hidden with value', () => {
    const xmcp: OperationXMcp = {
      ...noXMcp,
      arguments: {
        logTailLines: { name: 'tail', schema: { default: 20, maximum: 200 } },
        internal: { hidden: true, value: false, schema: {} },
      },
    };
    const { params, inputSchema } = build({
      xmcp,
      parameters: [
        param({ name: 'logTailLines', in: 'query', schema: { type: 'integer', minimum: 1 } }, 0),
        param({ name: 'internal', in: 'query', schema: { type: 'boolean' } }, 1),
      ],
    });
    expect(params).toEqual([
      { name: 'internal', in: 'query', style: 'form', explode: true, required: false, value: false },
      { name: 'logTailLines', in: 'query', style: 'form', explode: true, required: false, argument: 'tail' },
    ]);
    expect(inputSchema).toEqual({
      type: 'object',
      properties: { tail: { type: 'integer', minimum: 1, default: 20, maximum: 200 } },
      additionalProperties: false,
    });
  });

  it('reports an x-mcp.arguments key that names nothing, with the candidates', () => {
    const { diagnostics } = build({
      xmcp: { ...noXMcp, arguments: { logTail: { schema: { maximum: 2 } } } },
      parameters: [param({ name: 'logTailLines', in: 'query', schema: { type: 'integer' } })],
    });
    expect(diagnostics.map((d) => d.code)).toEqual(['MCPGEN_UNKNOWN_ARGUMENT']);
    expect(diagnostics[0]?.message).toContain('logTailLines');
    expect(diagnostics[0]?.source.pointer).toBe('/paths/~1x/get/x-mcp/arguments/logTail');
  });

  it('the Idempotency-Key header becomes the idempotency_key argument, not a second one', () => {
    const { params, inputSchema } = build({
      method: 'post',
      idempotency: 'optional',
      parameters: [param({ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } })],
    });
    expect(params).toEqual([]);
    expect(Object.keys((inputSchema as { properties: object }).properties)).toEqual(['idempotency_key']);
    expect((inputSchema as { required?: string[] }).required).toBeUndefined();
  });

  it('an unsupported body media type is reported and produces no body binding', () => {
    const { body, diagnostics } = build({
      method: 'post',
      requestBody: {
        value: { content: { 'multipart/mixed': { schema: { type: 'object' } } } },
        pointer: '/rb',
      },
    });
    expect(body).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(['MCPGEN_UNSUPPORTED_MEDIA_TYPE']);
  });
});
