/**
 * Request bodies -> arguments and binding: media types, multipart file arguments, the Encoding
 * Object, allOf bodies, argument text budgets and name collisions.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { schemaToType } from '../../generator/emit/schema-to-type.js';
import { type BuildInputArgs, buildInput, fileArgumentSchema } from '../../generator/ir/build-input.js';
import type { OperationXMcp } from '../../generator/ir/read-x-mcp.js';

const schemas: Record<string, unknown> = {
  Upload: {
    type: 'object',
    required: ['file'],
    properties: {
      file: { type: 'string', format: 'binary', description: 'The document.' },
      purpose: { type: 'string' },
    },
  },
  Owned: { type: 'object', required: ['owner'], properties: { owner: { type: 'string' } } },
};
const noXMcp: OperationXMcp = { excluded: false, hints: {}, arguments: {}, response: {} };
const locate = (pointer: string) => ({ file: 'openapi.yaml', pointer, line: 1, column: 1 });

function build(overrides: Partial<BuildInputArgs>) {
  const sink = createDiagnosticSink();
  const result = buildInput({
    toolName: 't',
    method: 'post',
    parameters: [],
    xmcp: noXMcp,
    operationPointer: '/paths/~1x/post',
    idempotency: 'none',
    dialect: '3.0',
    argumentStyle: 'preserve',
    resolveRef: (ref) => schemas[ref.replace('#/components/schemas/', '')],
    sink,
    locate,
    ...overrides,
  });
  return { ...result, diagnostics: sink.diagnostics };
}

const body = (content: Record<string, unknown>, required = true) => ({
  value: { required, content },
  pointer: '/paths/~1x/post/requestBody',
});
const props = (schema: unknown) => (schema as { properties: Record<string, unknown> }).properties;
const param = (value: Record<string, unknown>, i = 0) => ({
  value,
  pointer: `/paths/~1x/post/parameters/${i}`,
});

describe('buildInput: body media types', () => {
  it.each([
    // given media type -> want binding mode and argument schema
    {
      given: 'application/octet-stream',
      content: { 'application/octet-stream': {} },
      want: { type: 'string', contentEncoding: 'base64', description: 'The content, base64-encoded.' },
    },
    {
      given: 'image/png (any other bytes)',
      content: { 'image/png': {} },
      want: { type: 'string', contentEncoding: 'base64', description: 'The content, base64-encoded.' },
    },
    { given: 'text/csv', content: { 'text/csv': { schema: { type: 'string' } } }, want: { type: 'string' } },
    { given: 'application/xml', content: { 'application/xml': {} }, want: { type: 'string' } },
    { given: 'application/sdp (text)', content: { 'application/sdp': {} }, want: { type: 'string' } },
  ])('$given -> one `body` argument', ({ content, want }) => {
    const built = build({ requestBody: body(content) });
    expect(built.body).toMatchObject({ mode: 'value', argument: 'body' });
    expect(props(built.inputSchema)['body']).toEqual(want);
  });

  it('prefers JSON, then forms, then multipart when several are offered', () => {
    const built = build({
      requestBody: body({
        'application/xml': { schema: { $ref: '#/components/schemas/Owned' } },
        'application/x-www-form-urlencoded': { schema: { $ref: '#/components/schemas/Owned' } },
        'application/json; charset=utf-8': { schema: { $ref: '#/components/schemas/Owned' } },
      }),
    });
    expect(built.body?.mediaType).toBe('application/json');
  });

  it('an allOf body of plain objects is spread into arguments too', () => {
    const built = build({
      requestBody: body({
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Owned' }, { properties: { note: { type: 'string' } } }],
          },
        },
      }),
    });
    expect(built.body).toMatchObject({ mode: 'properties' });
    expect(Object.keys(props(built.inputSchema))).toEqual(['note', 'owner']);
    expect((built.inputSchema as { required: string[] }).required).toEqual(['owner']);
  });
});

describe('buildInput: required body fields the schema does not describe', () => {
  it('a required name without a property (Box oauth2 revoke grant_type) becomes a required argument', () => {
    // Given a form body that requires `grant_type` but lists only `token`.
    const schema = { type: 'object', required: ['grant_type'], properties: { token: { type: 'string' } } };
    const built = build({ requestBody: body({ 'application/x-www-form-urlencoded': { schema } }) });
    // Want: an argument bound to the field, required, of any type.
    expect(built.body?.properties).toContainEqual({ argument: 'grant_type', property: 'grant_type' });
    expect(built.inputSchema).toMatchObject({ required: ['grant_type'] });
    expect(props(built.inputSchema)['grant_type']).toEqual({
      description: 'Required by the API; the document does not describe `grant_type`.',
    });
  });

  it('not when additionalProperties is false: the document forbids the field it requires', () => {
    const schema = {
      type: 'object',
      required: ['grant_type'],
      additionalProperties: false,
      properties: { token: { type: 'string' } },
    };
    const built = build({ requestBody: body({ 'application/json': { schema } }) });
    expect(Object.keys(props(built.inputSchema))).toEqual(['token']);
  });
});

describe('buildInput: an optional body with required properties', () => {
  // Given: Box's upload body, optional, requiring `attributes` and `file`, with an optional `note`.
  const upload = {
    type: 'object',
    required: ['attributes', 'file'],
    properties: {
      attributes: { type: 'object', properties: { name: { type: 'string' } } },
      file: { type: 'string', format: 'binary' },
      note: { type: 'string' },
    },
  };

  it('each body argument requires the required ones (dependentRequired), none is required alone', () => {
    const built = build({
      parameters: [param({ name: 'fields', in: 'query', schema: { type: 'string' } })],
      requestBody: body({ 'multipart/form-data': { schema: upload } }, false),
    });
    const schema = built.inputSchema as Record<string, unknown>;
    expect(schema['required']).toBeUndefined();
    expect(schema['dependentRequired']).toEqual({
      attributes: ['file'],
      file: ['attributes'],
      note: ['attributes', 'file'],
    });
    // Want: Ajv reads it so: no body, or the whole required part of it.
    const validate = new Ajv2020({ strict: false }).compile(schema);
    const file = { content_base64: 'AA==' };
    expect(validate({ fields: 'id' })).toBe(true);
    expect(validate({ attributes: { name: 'a' }, file })).toBe(true);
    expect(validate({ attributes: { name: 'a' } })).toBe(false);
    expect(validate({ note: 'n', file })).toBe(false);
  });

  it('not for a required body: its required properties are required arguments', () => {
    const built = build({ requestBody: body({ 'multipart/form-data': { schema: upload } }, true) });
    const schema = built.inputSchema as Record<string, unknown>;
    expect(schema['required']).toEqual(['attributes', 'file']);
    expect(schema['dependentRequired']).toBeUndefined();
  });
});

describe('buildInput: required objects a form body would send as nothing when empty', () => {
  it('a required deepObject field (Stripe billing portal features) says minProperties: 1', () => {
    // Given: a form body requiring `features` (deepObject) and `profile` (sent as JSON text), with an
    // optional deepObject `metadata`.
    const object = { type: 'object', properties: { enabled: { type: 'boolean' } } };
    const built = build({
      requestBody: body({
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            required: ['features', 'profile'],
            properties: {
              features: { anyOf: [object, { type: 'string', enum: [''] }] },
              metadata: object,
              profile: object,
            },
          },
          encoding: {
            features: { style: 'deepObject', explode: true },
            metadata: { style: 'deepObject', explode: true },
          },
        },
      }),
    });
    // Want: only the required field whose encoding drops an empty object is marked.
    const arguments_ = props(built.inputSchema) as Record<string, Record<string, unknown>>;
    expect(arguments_['features']?.['minProperties']).toBe(1);
    expect(arguments_['metadata']?.['minProperties']).toBeUndefined();
    expect(arguments_['profile']?.['minProperties']).toBeUndefined();
  });
});

describe('buildInput: a multipart body that is not an object', () => {
  it('a bare binary string (Jira add_attachment) is one file argument sent as the part `file`', () => {
    const built = build({
      requestBody: body({ 'multipart/form-data': { schema: { type: 'string', format: 'binary' } } }),
    });
    expect(props(built.inputSchema)).toEqual({ file: fileArgumentSchema(undefined) });
    expect((built.inputSchema as { required: string[] }).required).toEqual(['file']);
    expect(built.body).toEqual({
      mediaType: 'multipart/form-data',
      required: true,
      mode: 'properties',
      properties: [{ argument: 'file', property: 'file' }],
      files: ['file'],
    });
  });
});

describe('buildInput: schemas no value can satisfy', () => {
  const screens = (extra: Record<string, unknown>) =>
    build({
      requestBody: body({
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              screens: {
                type: 'object',
                required: ['defaultScreen'],
                properties: { default: { type: 'integer' } },
                ...extra,
              },
            },
          },
        },
      }),
    });

  it('a required name not listed while additionalProperties is false (Jira ScreenTypes) is a warning there', () => {
    const built = screens({ additionalProperties: false });
    expect(built.diagnostics.map((d) => [d.code, d.severity, d.source.pointer])).toEqual([
      [
        'MCPGEN_UNSATISFIABLE_SCHEMA',
        'warning',
        '/paths/~1x/post/requestBody/content/application~1json/schema/properties/screens',
      ],
    ]);
    expect(built.diagnostics[0]?.message).toMatch(/requires `defaultScreen` but lists no such property/);
    // The tool schema still leaves the impossible requirement out, so a model can call the tool.
    expect(props(built.inputSchema)['screens']).not.toHaveProperty('required');
  });

  it.each([
    { given: 'additionalProperties allowed', extra: {} },
    {
      given: 'a patternProperties that matches the name',
      extra: { additionalProperties: false, patternProperties: { Screen$: {} } },
    },
  ])('not with $given', ({ extra }) => {
    expect(screens(extra).diagnostics).toEqual([]);
  });
});

describe('buildInput: multipart file arguments', () => {
  it.each([
    {
      given: '3.0 format: binary',
      dialect: '3.0' as const,
      field: { type: 'string', format: 'binary' },
      want: fileArgumentSchema(undefined),
    },
    {
      given: '3.1 contentMediaType',
      dialect: '3.1' as const,
      field: { type: 'string', contentMediaType: 'image/png', description: 'Avatar' },
      want: fileArgumentSchema('Avatar'),
    },
    {
      given: '3.1 contentEncoding base64',
      dialect: '3.1' as const,
      field: { type: 'string', contentEncoding: 'base64' },
      want: fileArgumentSchema(undefined),
    },
    {
      given: 'an array of files',
      dialect: '3.0' as const,
      field: { type: 'array', maxItems: 3, items: { type: 'string', format: 'binary' } },
      want: { type: 'array', items: fileArgumentSchema(undefined), maxItems: 3 },
    },
    {
      given: 'a text field with a text media type is not a file',
      dialect: '3.1' as const,
      field: { type: 'string', contentMediaType: 'text/markdown' },
      want: { type: 'string', contentMediaType: 'text/markdown' },
    },
  ])('$given', ({ dialect, field, want }) => {
    const built = build({
      dialect,
      requestBody: body({ 'multipart/form-data': { schema: { type: 'object', properties: { f: field } } } }),
    });
    expect(props(built.inputSchema)['f']).toEqual(want);
    expect(built.body?.files).toEqual(JSON.stringify(want).includes('content_base64') ? ['f'] : undefined);
  });

  it('the file argument takes a URL or base64 content, never both or neither', () => {
    const schema = fileArgumentSchema('The document.') as Record<string, unknown>;
    expect(schema['description']).toBe('The document. A file: give `url` or `content_base64`.');
    expect(schema['oneOf']).toEqual([{ required: ['url'] }, { required: ['content_base64'] }]);
    expect(Object.keys(schema['properties'] as object)).toEqual([
      'url',
      'content_base64',
      'filename',
      'content_type',
    ]);
  });

  it('reads as a plain object type in the generated TypeScript (the oneOf only constrains)', () => {
    const type = schemaToType(fileArgumentSchema(undefined), { defType: (name) => name });
    expect(type).toBe('{ url?: string; content_base64?: string; filename?: string; content_type?: string }');
  });

  it('a referenced multipart body: file binding, encoding kept as declared, required kept', () => {
    const built = build({
      requestBody: body({
        'multipart/form-data': {
          schema: { $ref: '#/components/schemas/Upload' },
          encoding: {
            file: { contentType: 'application/pdf, image/png' },
            purpose: { style: 'form', explode: true, headers: { 'X-Ignored': {} } },
          },
        },
      }),
    });
    expect(built.body).toEqual({
      mediaType: 'multipart/form-data',
      required: true,
      mode: 'properties',
      properties: [
        { argument: 'file', property: 'file' },
        { argument: 'purpose', property: 'purpose' },
      ],
      files: ['file'],
      encoding: {
        file: { contentType: 'application/pdf, image/png' },
        purpose: { style: 'form', explode: true },
      },
    });
    expect((built.inputSchema as { required: string[] }).required).toEqual(['file']);
  });

  it('form-urlencoded (Stripe style): deepObject encoding recorded per property, no file arguments', () => {
    const built = build({
      requestBody: body({
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            properties: {
              expand: { type: 'array', items: { type: 'string' } },
              metadata: {
                anyOf: [{ type: 'object', additionalProperties: { type: 'string' } }, { enum: [''] }],
              },
              name: { type: 'string' },
            },
          },
          encoding: {
            expand: { explode: true, style: 'deepObject' },
            metadata: { explode: true, style: 'deepObject' },
          },
        },
      }),
    });
    expect(built.body?.encoding).toEqual({
      expand: { style: 'deepObject', explode: true },
      metadata: { style: 'deepObject', explode: true },
    });
    expect(built.body?.files).toBeUndefined();
  });
});

describe('buildInput: argument names and text', () => {
  it.each([
    {
      given: 'path id and query id',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'id', in: 'query', schema: { type: 'string' } },
      ],
      bodyProps: {},
      want: ['id', 'query_id'],
    },
    {
      given: 'path id, query id and body id',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'id', in: 'query', schema: { type: 'string' } },
      ],
      bodyProps: { id: { type: 'string' } },
      want: ['body_id', 'id', 'query_id'],
    },
    {
      given: 'header and cookie named alike',
      parameters: [
        { name: 'session', in: 'header', schema: { type: 'string' } },
        { name: 'session', in: 'cookie', schema: { type: 'string' } },
      ],
      bodyProps: {},
      want: ['cookie_session', 'session'],
    },
    {
      given: 'a body property named like the prefixed fallback',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      bodyProps: { body_id: { type: 'string' }, id: { type: 'string' } },
      want: ['body_id', 'body_id_2', 'id'],
    },
    {
      given: 'a body property named idempotency_key on a write tool',
      parameters: [],
      bodyProps: { idempotency_key: { type: 'string' } },
      want: ['body_idempotency_key', 'idempotency_key'],
      idempotency: 'required' as const,
    },
  ])('$given -> $want', ({ parameters, bodyProps, want, idempotency }) => {
    const built = build({
      parameters: parameters.map((p, i) => param(p, i)),
      idempotency: idempotency ?? 'none',
      ...(Object.keys(bodyProps).length > 0 && {
        requestBody: body({ 'application/json': { schema: { type: 'object', properties: bodyProps } } }),
      }),
    });
    expect(Object.keys(props(built.inputSchema)).sort()).toEqual(want);
    // Every argument maps back to exactly one place in the request.
    const bound = [
      ...built.params.map((p) => p.argument),
      ...(built.body?.properties ?? []).map((p) => p.argument),
      ...(idempotency ? ['idempotency_key'] : []),
    ];
    expect(bound.sort()).toEqual(want);
  });

  it('an argument description is trimmed to its budget; an overlay description is kept whole', () => {
    const text = `${'A long sentence about the parameter. '.repeat(40)}`;
    const built = build({
      parameters: [
        param({ name: 'a', in: 'query', description: text, schema: { type: 'string' } }, 0),
        param({ name: 'b', in: 'query', description: text, schema: { type: 'string' } }, 1),
      ],
      xmcp: { ...noXMcp, arguments: { b: { description: text, schema: {} } } },
    });
    const a = props(built.inputSchema)['a'] as { description: string };
    const b = props(built.inputSchema)['b'] as { description: string };
    expect(a.description.length).toBeLessThanOrEqual(600);
    expect(a.description.endsWith('parameter.…')).toBe(true);
    expect(b.description).toBe(text);
  });

  it('an input over the byte budget keeps every argument and its structure, with less nested text', () => {
    const wordy = (i: number) => ({
      type: 'string',
      description: `Field ${i}. ${'More detail here. '.repeat(20)}`,
    });
    const nested = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, wordy(i)]));
    const built = build({
      requestBody: body({
        'application/json': {
          schema: {
            type: 'object',
            properties: { config: { type: 'object', properties: nested }, name: wordy(0) },
          },
        },
      }),
    });
    const config = props(built.inputSchema)['config'] as {
      properties: Record<string, { description?: string }>;
    };
    expect(Object.keys(config.properties)).toHaveLength(200);
    expect(JSON.stringify(built.inputSchema).length).toBeLessThanOrEqual(32_768);
    expect((props(built.inputSchema)['name'] as { description: string }).description).toMatch(/^Field 0\./);
  });
});
