/**
 * Request building against the OpenAPI 3.1.1 "Style Examples" table (color = "" | "blue" |
 * ["blue","black","brown"] | {R:100, G:200, B:150}), and the Encoding Object rules for form and
 * multipart bodies.
 */
import { describe, expect, it } from 'vitest';
import type { ToolBodyBinding, ToolDefinition, ToolParamBinding } from '../../runtime/define-tool.js';
import { BuildRequestError, buildUpstreamRequest } from '../../runtime/upstream/build-request.js';
import { parseMultipart } from '../fixtures/schemas/recording-upstream.js';

const BASE = 'http://api.test';
const VALUES = {
  empty: '',
  string: 'blue',
  array: ['blue', 'black', 'brown'],
  object: { R: 100, G: 200, B: 150 },
};
type Kind = keyof typeof VALUES;

function makeTool(params: ToolParamBinding[], path = '/c', body?: ToolBodyBinding): ToolDefinition {
  return {
    name: 'probe',
    title: 'Probe',
    description: 'Probe',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    scopes: [],
    idempotency: 'none',
    toolsets: [],
    http: { method: 'post', path, params, ...(body !== undefined && { body }) },
    inputSchema: { type: 'object' },
    response: { redact: [], maxBytes: 1000, maxItems: 10 },
  };
}

const binding = (
  location: ToolParamBinding['in'],
  style: ToolParamBinding['style'],
  explode: boolean,
): ToolParamBinding => ({ name: 'color', in: location, style, explode, required: false, argument: 'color' });

/** The serialized value: the path segment, the query string, or the header. */
function serialize(b: ToolParamBinding, value: unknown): string {
  const tool = makeTool([b], b.in === 'path' ? '/c/{color}' : '/c');
  const request = buildUpstreamRequest({ tool, args: { color: value }, baseUrl: BASE });
  if (b.in === 'path') return request.url.slice(`${BASE}/c/`.length);
  if (b.in === 'header') return request.headers['color'] ?? '';
  if (b.in === 'cookie') return request.headers['cookie'] ?? '';
  return request.url.slice(`${BASE}/c`.length);
}

// [style, in, explode, kind, want] — the table's cells, n/a cells left out.
const table: [ToolParamBinding['style'], ToolParamBinding['in'], boolean, Kind, string][] = [
  ['matrix', 'path', false, 'empty', ';color'],
  ['matrix', 'path', false, 'string', ';color=blue'],
  ['matrix', 'path', false, 'array', ';color=blue,black,brown'],
  ['matrix', 'path', false, 'object', ';color=R,100,G,200,B,150'],
  ['matrix', 'path', true, 'empty', ';color'],
  ['matrix', 'path', true, 'string', ';color=blue'],
  ['matrix', 'path', true, 'array', ';color=blue;color=black;color=brown'],
  ['matrix', 'path', true, 'object', ';R=100;G=200;B=150'],
  ['label', 'path', false, 'empty', '.'],
  ['label', 'path', false, 'string', '.blue'],
  ['label', 'path', false, 'array', '.blue,black,brown'],
  ['label', 'path', false, 'object', '.R,100,G,200,B,150'],
  ['label', 'path', true, 'empty', '.'],
  ['label', 'path', true, 'string', '.blue'],
  ['label', 'path', true, 'array', '.blue.black.brown'],
  ['label', 'path', true, 'object', '.R=100.G=200.B=150'],
  ['simple', 'path', false, 'string', 'blue'],
  ['simple', 'path', false, 'array', 'blue,black,brown'],
  ['simple', 'path', false, 'object', 'R,100,G,200,B,150'],
  ['simple', 'path', true, 'string', 'blue'],
  ['simple', 'path', true, 'array', 'blue,black,brown'],
  ['simple', 'path', true, 'object', 'R=100,G=200,B=150'],
  ['simple', 'header', false, 'empty', ''],
  ['simple', 'header', false, 'array', 'blue,black,brown'],
  ['simple', 'header', true, 'object', 'R=100,G=200,B=150'],
  ['form', 'query', false, 'empty', '?color='],
  ['form', 'query', false, 'string', '?color=blue'],
  ['form', 'query', false, 'array', '?color=blue,black,brown'],
  ['form', 'query', false, 'object', '?color=R,100,G,200,B,150'],
  ['form', 'query', true, 'empty', '?color='],
  ['form', 'query', true, 'string', '?color=blue'],
  ['form', 'query', true, 'array', '?color=blue&color=black&color=brown'],
  ['form', 'query', true, 'object', '?R=100&G=200&B=150'],
  ['spaceDelimited', 'query', false, 'array', '?color=blue%20black%20brown'],
  ['spaceDelimited', 'query', false, 'object', '?color=R%20100%20G%20200%20B%20150'],
  ['pipeDelimited', 'query', false, 'array', '?color=blue%7Cblack%7Cbrown'],
  ['pipeDelimited', 'query', false, 'object', '?color=R%7C100%7CG%7C200%7CB%7C150'],
  ['deepObject', 'query', true, 'object', '?color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150'],
  ['form', 'cookie', false, 'string', 'color=blue'],
  ['form', 'cookie', false, 'array', 'color=blue,black,brown'],
  ['form', 'cookie', true, 'object', 'R=100; G=200; B=150'],
];

describe('parameters: the OpenAPI 3.1.1 style examples', () => {
  it.each(table)('%s in %s, explode %s, %s -> %s', (style, location, explode, kind, want) => {
    expect(serialize(binding(location, style, explode), VALUES[kind])).toBe(want);
  });
});

const formBody = (encoding?: ToolBodyBinding['encoding']): ToolBodyBinding => ({
  mediaType: 'application/x-www-form-urlencoded',
  required: true,
  mode: 'value',
  argument: 'form',
  ...(encoding !== undefined && { encoding }),
});

interface FormRow {
  readonly given: string;
  readonly encoding: ToolBodyBinding['encoding'];
  readonly form: Record<string, unknown>;
  readonly want: string;
}

describe('form-urlencoded bodies: the Encoding Object', () => {
  it.each<FormRow>([
    {
      given: 'Stripe: deepObject + explode on objects and arrays -> brackets, arrays indexed',
      encoding: {
        metadata: { style: 'deepObject', explode: true },
        expand: { style: 'deepObject', explode: true },
        items: { style: 'deepObject', explode: true },
      },
      form: {
        customer: 'cus_1',
        metadata: { order: '42', note: 'a b' },
        expand: ['customer', 'invoice'],
        items: [{ price: 'p_1', quantity: 2 }],
      },
      want: 'customer=cus_1&metadata%5Border%5D=42&metadata%5Bnote%5D=a+b&expand%5B0%5D=customer&expand%5B1%5D=invoice&items%5B0%5D%5Bprice%5D=p_1&items%5B0%5D%5Bquantity%5D=2',
    },
    {
      given: 'no encoding: scalars as text, objects as JSON, arrays repeated',
      encoding: undefined,
      form: { id: 'f81d4fae', address: { city: 'Somewhere', zip: '99999+1234' }, tags: ['a', 'b'], ok: true },
      want: 'id=f81d4fae&address=%7B%22city%22%3A%22Somewhere%22%2C%22zip%22%3A%2299999%2B1234%22%7D&tags=a&tags=b&ok=true',
    },
    {
      given: 'form style, explode false -> comma-joined',
      encoding: { ids: { style: 'form', explode: false } },
      form: { ids: [1, 2, 3] },
      want: 'ids=1%2C2%2C3',
    },
    {
      given: 'explode true alone means style form -> repeated',
      encoding: { ids: { explode: true } },
      form: { ids: [1, 2] },
      want: 'ids=1&ids=2',
    },
    {
      given: 'pipeDelimited (Swagger 2.0 collectionFormat pipes)',
      encoding: { ids: { style: 'pipeDelimited', explode: false } },
      form: { ids: ['a', 'b'] },
      want: 'ids=a%7Cb',
    },
    {
      given: 'contentType application/json on a scalar -> JSON text',
      encoding: { id: { contentType: 'application/json' } },
      form: { id: 'x' },
      want: 'id=%22x%22',
    },
    {
      given: 'Stripe empty string to unset',
      encoding: { metadata: { style: 'deepObject', explode: true } },
      form: { metadata: '' },
      want: 'metadata=',
    },
  ])('$given', ({ encoding, form, want }) => {
    const request = buildUpstreamRequest({
      tool: makeTool([], '/c', formBody(encoding)),
      args: { form },
      baseUrl: BASE,
    });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.body).toBe(want);
  });
});

describe('multipart bodies: parts by the Encoding Object and the file binding', () => {
  const multipart = (extra: Partial<ToolBodyBinding> = {}): ToolBodyBinding => ({
    mediaType: 'multipart/form-data',
    required: true,
    mode: 'properties',
    properties: [
      { argument: 'attributes', property: 'attributes' },
      { argument: 'file', property: 'file' },
      { argument: 'link', property: 'file_link_data' },
      { argument: 'purpose', property: 'purpose' },
      { argument: 'tags', property: 'tags' },
    ],
    files: ['file'],
    ...extra,
  });

  function send(args: Record<string, unknown>, extra: Partial<ToolBodyBinding> = {}) {
    const request = buildUpstreamRequest({
      tool: makeTool([], '/upload', multipart(extra)),
      args,
      baseUrl: BASE,
      boundary: 'xYz',
    });
    return {
      request,
      parts: parseMultipart(request.headers['content-type'], Buffer.from(request.body as Uint8Array)),
    };
  }

  it('scalars as text, objects as JSON parts, arrays one part each, the file last with its name and type', () => {
    const { request, parts } = send({
      file: {
        content_base64: Buffer.from('%PDF-1.7').toString('base64'),
        filename: 'report "Q1".pdf',
        content_type: 'application/pdf',
      },
      attributes: { name: 'report.pdf', parent: { id: '0' } },
      purpose: 'assistants',
      tags: ['a', 'b'],
    });
    expect(request.headers['content-type']).toBe('multipart/form-data; boundary=xYz');
    expect(parts).toEqual([
      {
        name: 'attributes',
        contentType: 'application/json',
        data: Buffer.from('{"name":"report.pdf","parent":{"id":"0"}}'),
      },
      { name: 'purpose', data: Buffer.from('assistants') },
      { name: 'tags', data: Buffer.from('a') },
      { name: 'tags', data: Buffer.from('b') },
      {
        name: 'file',
        filename: 'report %22Q1%22.pdf',
        contentType: 'application/pdf',
        data: Buffer.from('%PDF-1.7'),
      },
    ]);
  });

  it('a file without a name or type: the field name and the encoding contentType, when it names one type', () => {
    const { parts } = send(
      { file: { content_base64: Buffer.from([0, 1, 2, 255]).toString('base64') } },
      { encoding: { file: { contentType: 'image/png' } } },
    );
    expect(parts).toEqual([
      { name: 'file', filename: 'file', contentType: 'image/png', data: Buffer.from([0, 1, 2, 255]) },
    ]);
    const wildcard = send(
      { file: { content_base64: 'AA==' } },
      { encoding: { file: { contentType: 'image/*' } } },
    ).parts;
    expect(wildcard[0]?.contentType).toBe('application/octet-stream');
  });

  it('deepObject-encoded fields become bracketed text parts (Stripe file links)', () => {
    const { parts } = send(
      { purpose: 'dispute_evidence', link: { create: true, metadata: { k: 'v' } } },
      { encoding: { file_link_data: { style: 'deepObject', explode: true } } },
    );
    expect(parts.map((p) => [p.name, p.data.toString()])).toEqual([
      ['file_link_data[create]', 'true'],
      ['file_link_data[metadata][k]', 'v'],
      ['purpose', 'dispute_evidence'],
    ]);
  });

  it('a file argument that was not resolved (a bare URL) is an argument error', () => {
    expect(() => send({ file: { url: 'https://example.com/a.png' } })).toThrow(BuildRequestError);
  });
});
