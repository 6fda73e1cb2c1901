import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { selectSchemaErrors } from '../../generator/load/select-schema-errors.js';
import { MAX_SPEC_FINDINGS } from '../../generator/load/validate-openapi.js';
import { summarize } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spec2mcp-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadText(name: string, text: string, options: { strict?: boolean } = {}) {
  await writeFile(path.join(dir, name), text);
  const sink = createDiagnosticSink();
  const spec = await loadSpec({ path: path.join(dir, name), cwd: dir, ...options }, sink);
  return { spec, diagnostics: sink.diagnostics };
}

const head = 'openapi: 3.0.3\ninfo: {title: t, version: v}\n';

describe('schema validation (swagger-parser) gives located warnings, errors with strict', () => {
  const text = `${head}paths:\n  /a:\n    get:\n      responses:\n        '200': {content: {}}\n`;

  it('reports at the node the schema error is about', async () => {
    const { spec, diagnostics } = await loadText('missing-description.yaml', text);
    expect(spec).toBeDefined();
    expect(summarize(diagnostics)).toEqual(['MCPGEN_SPEC_INVALID (warning) missing-description.yaml:7:9']);
    expect(diagnostics[0]?.message).toBe(
      "/paths/~1a/get/responses/200 must have required property 'description'",
    );
  });

  it('is an error with strict', async () => {
    const { diagnostics } = await loadText('missing-description-strict.yaml', text, { strict: true });
    expect(summarize(diagnostics)).toEqual(['MCPGEN_SPEC_INVALID missing-description-strict.yaml:7:9']);
  });

  it(`reports at most ${MAX_SPEC_FINDINGS}, then a count`, async () => {
    const paths = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`/p${i}`, { get: { responses: { '200': { content: {} } } } }]),
    );
    const { diagnostics } = await loadText(
      'many.yaml',
      stringify({ openapi: '3.0.3', info: { title: 't', version: 'v' }, paths }),
    );
    expect(diagnostics).toHaveLength(MAX_SPEC_FINDINGS + 1);
    expect(diagnostics.at(-1)?.message).toBe('5 more schema problems not shown (25 in all)');
  });

  it('does not stop at (or repeat) a broken $ref, and never fetches external ones', async () => {
    const { diagnostics } = await loadText(
      'refs.yaml',
      `${head}paths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/Nope'\n        - $ref: 'https://example.invalid/p.yaml'\n      responses:\n        '200': {content: {}}\n`,
    );
    expect(summarize(diagnostics)).toEqual([
      'MCPGEN_REF_NOT_FOUND refs.yaml:7:11',
      'MCPGEN_REF_EXTERNAL refs.yaml:8:11',
      'MCPGEN_SPEC_INVALID (warning) refs.yaml:10:9',
    ]);
  });

  it('a 2.0 document is dereferenced to validate, past broken refs and refs in examples', async () => {
    const { diagnostics } = await loadText(
      'swagger.yaml',
      "swagger: '2.0'\ninfo: {title: t, version: v}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          schema: {$ref: '#/definitions/Nope'}\n          examples: {application/json: {$ref: '#/definitions/AlsoNope'}}\n        '201': {}\n",
    );
    expect(summarize(diagnostics)).toEqual([
      'MCPGEN_REF_NOT_FOUND (warning) swagger.yaml:9:20',
      'MCPGEN_SPEC_INVALID (warning) swagger.yaml:11:9',
    ]);
  });

  it('validates a newer 3.0 patch version than swagger-parser knows', async () => {
    const { spec, diagnostics } = await loadText(
      'patch.yaml',
      'openapi: 3.0.9\ninfo: {title: t, version: v}\npaths: {}\n',
    );
    expect(spec?.version).toBe('3.0');
    expect(diagnostics).toEqual([]);
  });
});

describe('selectSchemaErrors keeps what says what is wrong', () => {
  const parameterErrors = [
    // What ajv reports for `- {name: p, in: querry}` against the OpenAPI 3.0 schema.
    {
      instancePath: '/p/1',
      keyword: 'required',
      schemaPath: '#/definitions/SchemaXORContent/oneOf/0/required',
      params: { missingProperty: 'schema' },
    },
    {
      instancePath: '/p/1',
      keyword: 'required',
      schemaPath: '#/definitions/SchemaXORContent/oneOf/1/required',
      params: { missingProperty: 'content' },
    },
    { instancePath: '/p/1', keyword: 'oneOf', schemaPath: '#/definitions/SchemaXORContent/oneOf' },
    {
      instancePath: '/p/1',
      keyword: 'required',
      schemaPath: '#/definitions/ParameterLocation/oneOf/0/required',
      params: { missingProperty: 'required' },
    },
    ...['path', 'query', 'header', 'cookie'].map((value, index) => ({
      instancePath: '/p/1/in',
      keyword: 'enum',
      schemaPath: `#/definitions/ParameterLocation/oneOf/${index}/properties/in/enum`,
      params: { allowedValues: [value] },
    })),
    {
      instancePath: '/p/1',
      keyword: 'required',
      schemaPath: '#/definitions/Reference/required',
      params: { missingProperty: '$ref' },
    },
  ];

  it.each([
    // given ajv errors -> want findings
    [
      'alternatives merge; a deeper error beats its branch at the parent; the Reference branch goes',
      parameterErrors,
      [
        "/p/1 must have one of the properties 'schema', 'content'",
        '/p/1/in must be one of "path", "query", "header", "cookie"',
      ],
    ],
    [
      'a plain error beats branch errors at the same node',
      [
        {
          instancePath: '/p/0',
          keyword: 'required',
          schemaPath: '#/definitions/ParameterLocation/oneOf/0/required',
          params: { missingProperty: 'required' },
        },
        {
          instancePath: '/p/0',
          keyword: 'required',
          schemaPath: '#/required',
          params: { missingProperty: 'in' },
        },
      ],
      ["/p/0 must have required property 'in'"],
    ],
    [
      'the Reference branch loses to the real type',
      [
        {
          instancePath: '/r',
          keyword: 'additionalProperties',
          schemaPath: '#/definitions/jsonReference/additionalProperties',
          params: { additionalProperty: 'schema' },
        },
        {
          instancePath: '/r',
          keyword: 'required',
          schemaPath: '#/definitions/response/required',
          params: { missingProperty: 'description' },
        },
      ],
      ["/r must have required property 'description'"],
    ],
    [
      'unknown fields are named',
      [
        {
          instancePath: '/r',
          keyword: 'unevaluatedProperties',
          params: { unevaluatedProperty: 'descriptio' },
          message: 'x',
        },
      ],
      ["/r has the unknown field 'descriptio'"],
    ],
    ['errors under a reported $ref are dropped', [{ instancePath: '/broken/deeper', keyword: 'type' }], []],
  ])('%s', (_, errors, want) => {
    expect(selectSchemaErrors(errors, ['/broken']).map((finding) => finding.message)).toEqual(want);
  });
});
