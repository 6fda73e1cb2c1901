import { describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { convertSwagger2 } from '../../generator/load/convert-swagger2.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { SourceMap } from '../../generator/load/source-map.js';
import { repoRoot } from './helpers.js';

const sink = createDiagnosticSink();
const loaded = await loadSpec({ path: 'test/fixtures/load/swagger2', cwd: repoRoot }, sink);

function at(pointer: string): unknown {
  let node: unknown = loaded?.document;
  for (const token of pointer.split('/').slice(1)) {
    node = (node as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

describe('swagger 2.0 -> OpenAPI 3.0 (test/fixtures/load/swagger2)', () => {
  it('loads without diagnostics, reports 2.0 and returns the 3.0 document', () => {
    expect(sink.diagnostics).toEqual([]);
    expect(loaded?.version).toBe('2.0');
    expect(loaded?.document).toMatchObject({ openapi: '3.0.3' });
    expect(loaded?.document).not.toHaveProperty('definitions');
    expect(loaded?.document).not.toHaveProperty('swagger');
  });

  it.each([
    // given pointer into the converted document -> want value
    ['/servers', [{ url: 'https://api.example.com/v2' }, { url: 'http://api.example.com/v2' }]],
    // definitions -> components/schemas, with refs rewritten; refs in examples are data and stay.
    ['/components/schemas/Pet/properties/owner', { $ref: '#/components/schemas/Owner' }],
    ['/components/schemas/Owner/properties/pets/items', { $ref: '#/components/schemas/Pet' }],
    ['/components/schemas/Pet/example', { name: 'Rex', $ref: '#/definitions/NotARef' }],
    ['/components/schemas/Pet/discriminator', { propertyName: 'kind' }],
    ['/components/schemas/Pet/properties/nickname', { type: 'string', nullable: true }],
    // parameters: type/format/items -> schema; collectionFormat -> style + explode.
    ['/paths/~1pets/get/parameters/0', { $ref: '#/components/parameters/limitParam' }],
    [
      '/components/parameters/limitParam',
      { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } },
    ],
    [
      '/paths/~1pets/get/parameters/1',
      {
        name: 'tags',
        in: 'query',
        style: 'form',
        explode: false,
        schema: { type: 'array', items: { type: 'string' } },
      },
    ],
    ['/paths/~1pets/get/parameters/2/explode', true],
    ['/paths/~1pets/get/parameters/3/style', 'pipeDelimited'],
    [
      '/paths/~1pets/get/parameters/4',
      { name: 'X-Trace', in: 'header', schema: { type: 'string', nullable: true } },
    ],
    ['/paths/~1pets~1{petId}~1photo/parameters/0/schema', { type: 'string' }],
    // body -> requestBody per consumes; a shared body parameter is a requestBodies component...
    [
      '/components/requestBodies/petBody',
      {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
        'x-codegen-request-body-name': 'pet',
      },
    ],
    // ...inlined when the operation consumes other media types.
    ['/paths/~1pets/post/requestBody/content/application~1xml/schema', { $ref: '#/components/schemas/Pet' }],
    ['/paths/~1pets~1{petId}~1photo/put/requestBody/content/application~1json/schema/type', 'object'],
    // formData -> multipart (a file) with type file -> binary string.
    [
      '/paths/~1pets~1{petId}~1photo/post/requestBody',
      {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: { file: { type: 'string', format: 'binary' }, caption: { type: 'string' } },
              required: ['file'],
            },
          },
        },
      },
    ],
    // produces -> response content types; examples by media type.
    [
      '/paths/~1pets~1{petId}~1photo/post/responses/200/content/text~1plain',
      { schema: { type: 'string' }, example: 'done' },
    ],
    ['/paths/~1pets/get/responses/200/headers/X-Rate-Limit', { schema: { type: 'integer' } }],
    ['/paths/~1pets/get/responses/404', { $ref: '#/components/responses/NotFound' }],
    [
      '/components/responses/NotFound/content/application~1json/schema',
      { $ref: '#/components/schemas/Error' },
    ],
    // securityDefinitions -> securitySchemes.
    ['/components/securitySchemes/basicAuth', { type: 'http', scheme: 'basic' }],
    ['/components/securitySchemes/apiKey', { type: 'apiKey', name: 'X-API-Key', in: 'header' }],
    [
      '/components/securitySchemes/oauth/flows',
      {
        authorizationCode: {
          authorizationUrl: 'https://example.com/authorize',
          tokenUrl: 'https://example.com/token',
          scopes: { read: 'Read things' },
        },
      },
    ],
  ])('%s', (pointer, want) => {
    expect(at(pointer)).toEqual(want);
  });

  it('resolveRef accepts 2.0 refs too', () => {
    expect(loaded?.resolveRef('#/definitions/Error')).toBe(loaded?.resolveRef('#/components/schemas/Error'));
    expect(loaded?.resolveRef('#/parameters/petBody')).toBe(at('/components/requestBodies/petBody'));
  });

  it.each([
    // given 2.0 fragment -> want 3.0 fragment
    [{ host: 'h.io' }, [{ url: 'https://h.io' }]],
    [{ basePath: '/v1' }, [{ url: '/v1' }]],
    [{}, undefined],
  ])('servers from host/basePath/schemes: %j', (given, want) => {
    const converted = convertSwagger2({ swagger: '2.0', info: {}, paths: {}, ...given }, new SourceMap());
    expect(converted['servers']).toEqual(want);
  });

  it('does not change its input', () => {
    const input = { swagger: '2.0', info: {}, paths: {}, definitions: { A: { 'x-nullable': true } } };
    const before = structuredClone(input);
    convertSwagger2(input, new SourceMap());
    expect(input).toEqual(before);
  });
});
