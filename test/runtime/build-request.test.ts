import { describe, expect, it } from 'vitest';
import type {
  JsonSchema,
  ToolBodyBinding,
  ToolDefinition,
  ToolParamBinding,
} from '../../runtime/define-tool.js';
import { BuildRequestError, buildUpstreamRequest, joinUrl } from '../../runtime/upstream/build-request.js';
import { resolveCredentialPlacement } from '../../runtime/upstream/resolve-credential.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

const BASE = 'http://api.test/v1';

function makeTool(input: {
  method?: ToolDefinition['http']['method'];
  path?: string;
  params?: ToolParamBinding[];
  body?: ToolBodyBinding;
  inputSchema?: JsonSchema;
  responseMediaType?: string;
}): ToolDefinition {
  return {
    name: 'probe',
    title: 'Probe',
    description: 'Probe',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    scopes: [],
    idempotency: 'none',
    toolsets: [],
    http: {
      method: input.method ?? 'get',
      path: input.path ?? '/items',
      params: input.params ?? [],
      ...(input.body !== undefined && { body: input.body }),
      ...(input.responseMediaType !== undefined && { responseMediaType: input.responseMediaType }),
    },
    inputSchema: input.inputSchema ?? { type: 'object' },
    response: { redact: [], maxBytes: 1000, maxItems: 10 },
  };
}

function param(
  name: string,
  location: ToolParamBinding['in'],
  style: ToolParamBinding['style'],
  explode: boolean,
  extra: Partial<ToolParamBinding> = {},
): ToolParamBinding {
  return { name, in: location, style, explode, required: location === 'path', argument: name, ...extra };
}

const primitive = 5;
const array = [3, 4, 5];
const object = { role: 'admin', firstName: 'Alex' };

interface UrlRow {
  readonly given: string;
  readonly binding: ToolParamBinding;
  readonly path?: string;
  readonly value: unknown;
  readonly want: string;
}

// The OpenAPI style table (id = 5 | [3,4,5] | {role: admin, firstName: Alex}).
const urlRows: UrlRow[] = [
  {
    given: 'path simple primitive',
    binding: param('id', 'path', 'simple', false),
    path: '/u/{id}',
    value: primitive,
    want: '/u/5',
  },
  {
    given: 'path simple array',
    binding: param('id', 'path', 'simple', false),
    path: '/u/{id}',
    value: array,
    want: '/u/3,4,5',
  },
  {
    given: 'path simple object',
    binding: param('id', 'path', 'simple', false),
    path: '/u/{id}',
    value: object,
    want: '/u/role,admin,firstName,Alex',
  },
  {
    given: 'path simple explode object',
    binding: param('id', 'path', 'simple', true),
    path: '/u/{id}',
    value: object,
    want: '/u/role=admin,firstName=Alex',
  },
  {
    given: 'path label primitive',
    binding: param('id', 'path', 'label', false),
    path: '/u/{id}',
    value: primitive,
    want: '/u/.5',
  },
  {
    given: 'path label array',
    binding: param('id', 'path', 'label', false),
    path: '/u/{id}',
    value: array,
    want: '/u/.3,4,5',
  },
  {
    given: 'path label explode array',
    binding: param('id', 'path', 'label', true),
    path: '/u/{id}',
    value: array,
    want: '/u/.3.4.5',
  },
  {
    given: 'path label object',
    binding: param('id', 'path', 'label', false),
    path: '/u/{id}',
    value: object,
    want: '/u/.role,admin,firstName,Alex',
  },
  {
    given: 'path label explode object',
    binding: param('id', 'path', 'label', true),
    path: '/u/{id}',
    value: object,
    want: '/u/.role=admin.firstName=Alex',
  },
  {
    given: 'path matrix primitive',
    binding: param('id', 'path', 'matrix', false),
    path: '/u/{id}',
    value: primitive,
    want: '/u/;id=5',
  },
  {
    given: 'path matrix array',
    binding: param('id', 'path', 'matrix', false),
    path: '/u/{id}',
    value: array,
    want: '/u/;id=3,4,5',
  },
  {
    given: 'path matrix explode array',
    binding: param('id', 'path', 'matrix', true),
    path: '/u/{id}',
    value: array,
    want: '/u/;id=3;id=4;id=5',
  },
  {
    given: 'path matrix object',
    binding: param('id', 'path', 'matrix', false),
    path: '/u/{id}',
    value: object,
    want: '/u/;id=role,admin,firstName,Alex',
  },
  {
    given: 'path matrix explode object',
    binding: param('id', 'path', 'matrix', true),
    path: '/u/{id}',
    value: object,
    want: '/u/;role=admin;firstName=Alex',
  },
  {
    given: 'path segment is percent-encoded',
    binding: param('id', 'path', 'simple', false),
    path: '/u/{id}',
    value: 'a/b c?#é',
    want: '/u/a%2Fb%20c%3F%23%C3%A9',
  },
  {
    given: 'query form primitive',
    binding: param('id', 'query', 'form', true),
    value: primitive,
    want: '/items?id=5',
  },
  {
    given: 'query form array',
    binding: param('id', 'query', 'form', false),
    value: array,
    want: '/items?id=3,4,5',
  },
  {
    given: 'query form explode array',
    binding: param('id', 'query', 'form', true),
    value: array,
    want: '/items?id=3&id=4&id=5',
  },
  {
    given: 'query form object',
    binding: param('id', 'query', 'form', false),
    value: object,
    want: '/items?id=role,admin,firstName,Alex',
  },
  {
    given: 'query form explode object',
    binding: param('id', 'query', 'form', true),
    value: object,
    want: '/items?role=admin&firstName=Alex',
  },
  {
    given: 'query spaceDelimited array',
    binding: param('id', 'query', 'spaceDelimited', false),
    value: array,
    want: '/items?id=3%204%205',
  },
  {
    given: 'query spaceDelimited explode array',
    binding: param('id', 'query', 'spaceDelimited', true),
    value: array,
    want: '/items?id=3&id=4&id=5',
  },
  {
    given: 'query pipeDelimited array',
    binding: param('id', 'query', 'pipeDelimited', false),
    value: array,
    want: '/items?id=3%7C4%7C5',
  },
  {
    given: 'query pipeDelimited object',
    binding: param('id', 'query', 'pipeDelimited', false),
    value: object,
    want: '/items?id=role%7Cadmin%7CfirstName%7CAlex',
  },
  {
    given: 'query deepObject',
    binding: param('id', 'query', 'deepObject', true),
    value: object,
    want: '/items?id%5Brole%5D=admin&id%5BfirstName%5D=Alex',
  },
  {
    given: 'query deepObject nested',
    binding: param('f', 'query', 'deepObject', true),
    value: { a: { b: 1 } },
    want: '/items?f%5Ba%5D%5Bb%5D=1',
  },
  {
    // Stripe's customer_details[tax_ids][0][type]: repeated keys cannot say which item a field is in.
    given: 'query deepObject with a nested array of objects gets indices',
    binding: param('c', 'query', 'deepObject', true),
    value: {
      tax_ids: [
        { type: 'eu_vat', value: 'x' },
        { type: 'gb_vat', value: 'y' },
      ],
    },
    want: '/items?c%5Btax_ids%5D%5B0%5D%5Btype%5D=eu_vat&c%5Btax_ids%5D%5B0%5D%5Bvalue%5D=x&c%5Btax_ids%5D%5B1%5D%5Btype%5D=gb_vat&c%5Btax_ids%5D%5B1%5D%5Bvalue%5D=y',
  },
  {
    given: 'query value is RFC 3986 encoded',
    binding: param('q', 'query', 'form', true),
    value: 'a b&c=d/é',
    want: '/items?q=a%20b%26c%3Dd%2F%C3%A9',
  },
  {
    given: 'query allowReserved keeps reserved',
    binding: param('q', 'query', 'form', true, { allowReserved: true }),
    value: 'a/b?c:d,e [x]#f',
    want: '/items?q=a/b?c:d,e%20[x]%23f',
  },
  {
    given: 'query boolean',
    binding: param('flag', 'query', 'form', true),
    value: false,
    want: '/items?flag=false',
  },
  {
    given: 'hidden query sends its value',
    binding: { name: 'v', in: 'query', style: 'form', explode: true, required: false, value: 2 },
    value: undefined,
    want: '/items?v=2',
  },
];

describe('buildUpstreamRequest: parameter styles', () => {
  it.each(urlRows)('$given', ({ binding, path, value, want }) => {
    const tool = makeTool({ params: [binding], ...(path !== undefined && { path }) });
    const args = value === undefined || binding.argument === undefined ? {} : { [binding.argument]: value };
    const request = buildUpstreamRequest({ tool, args, baseUrl: BASE });
    expect(request.url).toBe(`${BASE}${want}`);
  });
});

interface HeaderRow {
  readonly given: string;
  readonly binding: ToolParamBinding;
  readonly value: unknown;
  readonly want: Record<string, string>;
}

const headerRows: HeaderRow[] = [
  {
    given: 'header simple primitive',
    binding: param('X-Id', 'header', 'simple', false),
    value: 5,
    want: { 'x-id': '5' },
  },
  {
    given: 'header simple array',
    binding: param('X-Id', 'header', 'simple', false),
    value: array,
    want: { 'x-id': '3,4,5' },
  },
  {
    given: 'header simple object',
    binding: param('X-Id', 'header', 'simple', false),
    value: object,
    want: { 'x-id': 'role,admin,firstName,Alex' },
  },
  {
    given: 'header simple explode object',
    binding: param('X-Id', 'header', 'simple', true),
    value: object,
    want: { 'x-id': 'role=admin,firstName=Alex' },
  },
  {
    given: 'cookie form primitive',
    binding: param('sid', 'cookie', 'form', true),
    value: 'a b',
    want: { cookie: 'sid=a%20b' },
  },
  {
    given: 'cookie form array',
    binding: param('ids', 'cookie', 'form', false),
    value: array,
    want: { cookie: 'ids=3,4,5' },
  },
  {
    given: 'cookie form explode array',
    binding: param('ids', 'cookie', 'form', true),
    value: array,
    want: { cookie: 'ids=3; ids=4; ids=5' },
  },
];

describe('buildUpstreamRequest: headers and cookies', () => {
  it.each(headerRows)('$given', ({ binding, value, want }) => {
    const tool = makeTool({ params: [binding] });
    const request = buildUpstreamRequest({ tool, args: { [binding.argument ?? '']: value }, baseUrl: BASE });
    expect(request.headers).toMatchObject(want);
  });

  it('ignores header parameters named Accept, Content-Type or Authorization', () => {
    const tool = makeTool({ params: [param('Authorization', 'header', 'simple', false)] });
    const request = buildUpstreamRequest({
      tool,
      args: { Authorization: 'Bearer model-chosen' },
      baseUrl: BASE,
    });
    expect(request.headers['authorization']).toBeUndefined();
  });
});

interface BodyRow {
  readonly given: string;
  readonly body: ToolBodyBinding;
  readonly args: Record<string, unknown>;
  readonly inputSchema?: JsonSchema;
  readonly wantContentType: string | undefined;
  readonly wantBody: string | undefined;
}

const bodyRows: BodyRow[] = [
  {
    given: 'json properties collects mapped args, skips absent ones',
    body: {
      mediaType: 'application/json',
      required: true,
      mode: 'properties',
      properties: [
        { argument: 'note_title', property: 'title' },
        { argument: 'body', property: 'body' },
      ],
    },
    args: { note_title: 'Hi' },
    wantContentType: 'application/json',
    wantBody: '{"title":"Hi"}',
  },
  {
    given: 'json properties with a hidden property',
    body: {
      mediaType: 'application/json',
      required: false,
      mode: 'properties',
      properties: [
        { argument: 'title', property: 'title' },
        { argument: 'source', property: 'source', hidden: true, value: 'mcp' },
      ],
    },
    args: { title: 'Hi' },
    wantContentType: 'application/json',
    wantBody: '{"title":"Hi","source":"mcp"}',
  },
  {
    given: 'json properties, optional body, nothing given: no body',
    body: {
      mediaType: 'application/json',
      required: false,
      mode: 'properties',
      properties: [{ argument: 'title', property: 'title' }],
    },
    args: {},
    wantContentType: undefined,
    wantBody: undefined,
  },
  {
    given: 'json properties, required body, nothing given: empty object',
    body: {
      mediaType: 'application/json',
      required: true,
      mode: 'properties',
      properties: [{ argument: 'title', property: 'title' }],
    },
    args: {},
    wantContentType: 'application/json',
    wantBody: '{}',
  },
  {
    given: 'json value: the whole argument is the body',
    body: { mediaType: 'application/merge-patch+json', required: true, mode: 'value', argument: 'patch' },
    args: { patch: [{ op: 'x' }] },
    wantContentType: 'application/merge-patch+json',
    wantBody: '[{"op":"x"}]',
  },
  {
    given: 'form-urlencoded without encoding: objects as JSON, arrays repeated (OpenAPI 3.1.1)',
    body: { mediaType: 'application/x-www-form-urlencoded', required: true, mode: 'value', argument: 'form' },
    args: { form: { name: 'a b', meta: { k: 'v' }, tags: ['x', 'y'] } },
    wantContentType: 'application/x-www-form-urlencoded',
    wantBody: 'name=a+b&meta=%7B%22k%22%3A%22v%22%7D&tags=x&tags=y',
  },
  {
    given: 'text/plain string',
    body: { mediaType: 'text/plain', required: true, mode: 'value', argument: 'text' },
    args: { text: 'hello\nworld' },
    wantContentType: 'text/plain',
    wantBody: 'hello\nworld',
  },
  {
    given: 'octet-stream from base64',
    body: { mediaType: 'application/octet-stream', required: true, mode: 'value', argument: 'data' },
    args: { data: Buffer.from('raw bytes').toString('base64') },
    wantContentType: 'application/octet-stream',
    wantBody: 'raw bytes',
  },
];

describe('buildUpstreamRequest: bodies', () => {
  it.each(bodyRows)('$given', ({ body, args, inputSchema, wantContentType, wantBody }) => {
    const tool = makeTool({ method: 'post', body, ...(inputSchema !== undefined && { inputSchema }) });
    const request = buildUpstreamRequest({ tool, args, baseUrl: BASE });
    expect(request.headers['content-type']).toBe(wantContentType);
    const text =
      request.body === undefined ? undefined : Buffer.from(request.body as string | Uint8Array).toString();
    expect(text).toBe(wantBody);
  });

  it('multipart without `files`: a base64 field (format binary) is still sent as a file, files last', () => {
    const tool = makeTool({
      method: 'post',
      body: {
        mediaType: 'multipart/form-data',
        required: true,
        mode: 'properties',
        properties: [
          { argument: 'file', property: 'file' },
          { argument: 'title', property: 'title' },
          { argument: 'tags', property: 'tags' },
        ],
      },
      inputSchema: {
        type: 'object',
        properties: {
          file: { type: 'string', format: 'binary', contentMediaType: 'image/png' },
          title: { type: 'string' },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
    });
    const request = buildUpstreamRequest({
      tool,
      args: { file: Buffer.from('PNGDATA').toString('base64'), title: 'Photo', tags: ['a', 'b'] },
      baseUrl: BASE,
      boundary: 'B',
    });
    expect(request.headers['content-type']).toBe('multipart/form-data; boundary=B');
    expect(Buffer.from(request.body as Uint8Array).toString()).toBe(
      [
        '--B',
        'Content-Disposition: form-data; name="title"',
        '',
        'Photo',
        '--B',
        'Content-Disposition: form-data; name="tags"',
        '',
        'a',
        '--B',
        'Content-Disposition: form-data; name="tags"',
        '',
        'b',
        '--B',
        'Content-Disposition: form-data; name="file"; filename="file"',
        'Content-Type: image/png',
        '',
        'PNGDATA',
        '--B--',
        '',
      ].join('\r\n'),
    );
  });

  it('binary body that is not a string is an argument error', () => {
    const tool = makeTool({
      method: 'post',
      body: { mediaType: 'image/png', required: true, mode: 'value', argument: 'data' },
    });
    expect(() => buildUpstreamRequest({ tool, args: { data: 5 }, baseUrl: BASE })).toThrow(BuildRequestError);
  });
});

describe('buildUpstreamRequest: URL, defaults, headers', () => {
  it.each([
    { given: 'base path kept', base: 'http://host/v1', path: '/me', want: 'http://host/v1/me' },
    { given: 'base with trailing slash', base: 'http://host/v1/', path: '/me', want: 'http://host/v1/me' },
    { given: 'base without path', base: 'http://host', path: '/me', want: 'http://host/me' },
    {
      given: 'base query kept first',
      base: 'http://host/v1?api-version=2',
      path: '/me',
      want: 'http://host/v1/me?api-version=2',
    },
  ])('joinUrl: $given', ({ base, path, want }) => {
    expect(joinUrl(base, path)).toBe(want);
  });

  it('does not send input-schema defaults the model did not pass', () => {
    const tool = makeTool({
      params: [param('limit', 'query', 'form', true)],
      inputSchema: { type: 'object', properties: { limit: { type: 'integer', default: 20 } } },
    });
    expect(buildUpstreamRequest({ tool, args: {}, baseUrl: BASE }).url).toBe(`${BASE}/items`);
  });

  it('a #fragment in the path (Box: /files/{file_id}#get_shared_link) is not sent and keeps the query', () => {
    // Given a path that a fragment tells apart from GET /files/{file_id}, and a required query parameter.
    const tool = makeTool({
      path: '/files/{file_id}#get_shared_link',
      params: [param('file_id', 'path', 'simple', false), param('fields', 'query', 'form', true)],
    });
    // Want: the fragment dropped, the query after the path.
    expect(
      buildUpstreamRequest({ tool, args: { file_id: '12', fields: 'shared_link' }, baseUrl: BASE }).url,
    ).toBe(`${BASE}/files/12?fields=shared_link`);
  });

  it('missing path argument is an argument error', () => {
    const tool = makeTool({ path: '/u/{id}', params: [param('id', 'path', 'simple', false)] });
    expect(() => buildUpstreamRequest({ tool, args: {}, baseUrl: BASE })).toThrow(
      /Missing path parameter "id"/,
    );
  });

  it('adds Accept, User-Agent, Idempotency-Key and the method', () => {
    const tool = makeTool({ method: 'post', responseMediaType: 'application/json' });
    const request = buildUpstreamRequest({
      tool,
      args: {},
      baseUrl: BASE,
      userAgent: 'spec2mcp/0.1.0',
      idempotencyKey: 'key-123',
    });
    expect(request.method).toBe('POST');
    expect(request.headers).toMatchObject({
      accept: 'application/json',
      'user-agent': 'spec2mcp/0.1.0',
      'idempotency-key': 'key-123',
    });
  });
});

describe('resolveCredentialPlacement + buildUpstreamRequest: credential per security scheme', () => {
  const schemes = [
    { name: 'headerKey', type: 'apiKey', in: 'header', paramName: 'X-API-Key' },
    { name: 'queryKey', type: 'apiKey', in: 'query', paramName: 'api_key' },
    { name: 'cookieKey', type: 'apiKey', in: 'cookie', paramName: 'session' },
    { name: 'bearer', type: 'http', scheme: 'bearer' },
    { name: 'basic', type: 'http', scheme: 'basic' },
    { name: 'oauth', type: 'oauth2' },
    { name: 'oidc', type: 'openIdConnect' },
  ];
  const rows = [
    {
      scheme: 'headerKey',
      credential: 's3cr3t',
      wantHeaders: { 'x-api-key': 's3cr3t' },
      wantUrl: `${BASE}/items`,
    },
    {
      scheme: 'queryKey',
      credential: 's3 cr3t',
      wantHeaders: {},
      wantUrl: `${BASE}/items?api_key=s3%20cr3t`,
    },
    {
      scheme: 'cookieKey',
      credential: 'abc',
      wantHeaders: { cookie: 'session=abc' },
      wantUrl: `${BASE}/items`,
    },
    {
      scheme: 'bearer',
      credential: 'tok',
      wantHeaders: { authorization: 'Bearer tok' },
      wantUrl: `${BASE}/items`,
    },
    {
      scheme: 'basic',
      credential: 'user:pass',
      wantHeaders: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
      wantUrl: `${BASE}/items`,
    },
    {
      scheme: 'oauth',
      credential: 'tok',
      wantHeaders: { authorization: 'Bearer tok' },
      wantUrl: `${BASE}/items`,
    },
    {
      scheme: 'oidc',
      credential: 'tok',
      wantHeaders: { authorization: 'Bearer tok' },
      wantUrl: `${BASE}/items`,
    },
  ];

  it.each(rows)('$scheme', ({ scheme, credential, wantHeaders, wantUrl }) => {
    const api = {
      ...notesApi,
      securitySchemes: schemes,
      upstream: { ...notesApi.upstream, auth: { scheme } },
    };
    const placement = resolveCredentialPlacement(api, credential);
    const request = buildUpstreamRequest({
      tool: makeTool({}),
      args: {},
      baseUrl: BASE,
      credential: placement,
    });
    expect(request.headers).toMatchObject(wantHeaders);
    expect(request.url).toBe(wantUrl);
  });

  it('cookie credential joins cookie parameters', () => {
    const api = {
      ...notesApi,
      securitySchemes: schemes,
      upstream: { ...notesApi.upstream, auth: { scheme: 'cookieKey' } },
    };
    const placement = resolveCredentialPlacement(api, 'abc');
    const tool = makeTool({ params: [param('theme', 'cookie', 'form', true)] });
    const request = buildUpstreamRequest({
      tool,
      args: { theme: 'dark' },
      baseUrl: BASE,
      credential: placement,
    });
    expect(request.headers['cookie']).toBe('theme=dark; session=abc');
  });

  it('an unknown scheme name fails at startup', () => {
    const api = { ...notesApi, upstream: { ...notesApi.upstream, auth: { scheme: 'nope' } } };
    expect(() => resolveCredentialPlacement(api, 'x')).toThrow(/not one of the API's security schemes/);
  });
});
