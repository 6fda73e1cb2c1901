/**
 * Lenient by default, --strict makes errors: each real-world mistake of the corpus (MANIFEST.tsv
 * notable_features), reduced to a few lines, in both modes. Lenient: a warning at the node and
 * a tool surface that still works; strict: an error. The load and IR stages run as generate()
 * runs them, with the same `strict` flag on both.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import type { ApiIR } from '../../generator/ir/types.js';
import { loadSpec } from '../../generator/load/load-spec.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spec2mcp-lenient-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function generateIR(text: string, strict: boolean) {
  const file = path.join(dir, `spec-${++counter}.yaml`);
  await writeFile(file, text);
  const sink = createDiagnosticSink({ strict });
  const spec = await loadSpec({ path: file, cwd: dir, strict }, sink);
  const api = spec
    ? buildApiIR(
        {
          document: spec.document,
          version: spec.version,
          specName: spec.specName,
          specSha256: spec.specSha256,
          overlays: [],
          locate: (p) => spec.locate(p),
          resolveRef: (r) => spec.resolveRef(r),
        },
        { id: 'lenient', generatorVersion: '0.0.0', strict },
        sink,
      )
    : undefined;
  const found = sink.diagnostics.map((d) => `${d.code} ${d.severity} ${d.source.line}:${d.source.column}`);
  return { api, found, diagnostics: sink.diagnostics };
}

const ok = "responses: {'200': {description: OK}}";
const spec31 = (paths: string, extra = '') =>
  `openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\nservers: [{url: 'https://api.example.com'}]\n${extra}paths:\n${paths}`;
const spec30 = (paths: string, extra = '') =>
  `openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\nservers: [{url: 'https://api.example.com'}]\n${extra}paths:\n${paths}`;
const tool = (api: ApiIR | undefined, name: string) => api?.tools.find((t) => t.name === name);
const property = (api: ApiIR | undefined, name: string, prop: string) =>
  (tool(api, name)?.inputSchema as { properties: Record<string, unknown> } | undefined)?.properties[prop];

interface Rule {
  readonly rule: string;
  readonly given: string;
  /** Diagnostics as `CODE severity line:col`, lenient and strict. */
  readonly lenient: readonly string[];
  readonly strict: readonly string[];
  /** What still works in lenient mode. */
  readonly check?: (api: ApiIR | undefined) => void;
}

const rules: Rule[] = [
  {
    // keycloak: `#/components/schemas/oas_any_type_not_mapped`
    rule: 'a broken schema $ref no component name comes close to: the schema accepts any value',
    given: spec30(
      `  /config:\n    get:\n      operationId: getConfig\n      summary: s\n      parameters:\n        - {name: value, in: query, schema: {$ref: '#/components/schemas/oas_any_type_not_mapped'}}\n      ${ok}\n`,
      'components:\n  schemas:\n    Config: {type: object}\n',
    ),
    lenient: ['MCPGEN_REF_NOT_FOUND warning 13:45'],
    strict: ['MCPGEN_REF_NOT_FOUND error 13:45'],
    check: (api) => expect(property(api, 'get_config', 'value')).toEqual({}),
  },
  {
    rule: 'a near miss stays an error in both modes: a typo with an obvious fix',
    given: spec30(
      `  /config:\n    get:\n      operationId: getConfig\n      summary: s\n      parameters:\n        - {name: value, in: query, schema: {$ref: '#/components/schemas/Confg'}}\n      ${ok}\n`,
      'components:\n  schemas:\n    Config: {type: object}\n',
    ),
    lenient: ['MCPGEN_REF_NOT_FOUND error 13:45'],
    strict: ['MCPGEN_REF_NOT_FOUND error 13:45'],
  },
  {
    rule: 'a broken parameter $ref stays an error: the operation could not be called as documented',
    given: spec30(
      `  /config:\n    get:\n      operationId: getConfig\n      summary: s\n      parameters:\n        - $ref: '#/components/parameters/Nowhere'\n      ${ok}\n`,
    ),
    lenient: ['MCPGEN_REF_NOT_FOUND error 10:11'],
    strict: ['MCPGEN_REF_NOT_FOUND error 10:11'],
  },
  {
    // kubernetes: 340 duplicate operationIds
    rule: 'duplicate operationIds: each tool told apart by its tag',
    given: spec30(
      `  /v1/pods:\n    get: {operationId: listPods, summary: s, tags: [core_v1], ${ok}}\n  /v2/pods:\n    get: {operationId: listPods, summary: s, tags: [core_v2], ${ok}}\n`,
    ),
    lenient: ['MCPGEN_DUPLICATE_OPERATION_ID warning 6:11', 'MCPGEN_DUPLICATE_OPERATION_ID warning 8:11'],
    strict: ['MCPGEN_DUPLICATE_OPERATION_ID error 6:11', 'MCPGEN_DUPLICATE_OPERATION_ID error 8:11'],
    check: (api) => expect(api?.tools.map((t) => t.name)).toEqual(['list_pods_core_v1', 'list_pods_core_v2']),
  },
  {
    rule: 'different operationIds with one snake_case form: the second name gets a suffix',
    given: spec31(
      `  /items:\n    get: {operationId: listItems, summary: s, ${ok}}\n  /items-v2:\n    get: {operationId: list-items, summary: s, ${ok}}\n`,
    ),
    lenient: ['MCPGEN_TOOL_NAME_DISAMBIGUATED warning 8:5'],
    strict: ['MCPGEN_TOOL_NAME_DISAMBIGUATED error 8:5'],
    // `GET /items` has nothing of its own to add, so it keeps the plain name
    check: (api) => expect(api?.tools.map((t) => t.name)).toEqual(['list_items', 'list_items_v2']),
  },
  {
    // webhook-example-3.1.yaml: no paths at all
    rule: 'only webhooks, no operation: an empty but valid server',
    given:
      'openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\nwebhooks:\n  newPet:\n    post:\n      responses: {"200": {description: OK}}\n',
    lenient: ['MCPGEN_SERVER_URL_MISSING warning 1:1', 'MCPGEN_NO_OPERATIONS warning 1:1'],
    strict: ['MCPGEN_SERVER_URL_MISSING warning 1:1', 'MCPGEN_NO_OPERATIONS error 1:1'],
    check: (api) => expect(api?.tools).toEqual([]),
  },
  {
    // airflow (535), openai, adyen
    rule: '3.0 `nullable` in a 3.1 document: read as a type list',
    given: spec31(
      `  /a:\n    get:\n      operationId: getA\n      summary: s\n      parameters:\n        - {name: q, in: query, schema: {type: string, nullable: true}}\n        - {name: r, in: query, schema: {type: integer, nullable: true}}\n      ${ok}\n`,
    ),
    lenient: ['MCPGEN_SCHEMA_NONSTANDARD warning 10:55'],
    strict: ['MCPGEN_SCHEMA_NONSTANDARD error 10:55'],
    check: (api) => expect(property(api, 'get_a', 'q')).toEqual({ type: ['string', 'null'] }),
  },
  {
    // openai
    rule: 'boolean exclusiveMinimum in a 3.1 document: read as the 3.0 form',
    given: spec31(
      `  /a:\n    get:\n      operationId: getA\n      summary: s\n      parameters:\n        - {name: n, in: query, schema: {type: number, minimum: 0, exclusiveMinimum: true}}\n      ${ok}\n`,
    ),
    lenient: ['MCPGEN_SCHEMA_NONSTANDARD warning 10:67'],
    strict: ['MCPGEN_SCHEMA_NONSTANDARD error 10:67'],
    check: (api) => expect(property(api, 'get_a', 'n')).toEqual({ type: 'number', exclusiveMinimum: 0 }),
  },
  {
    // prefect: supported_environment_variables, min_items/max_items
    rule: 'keys that are no schema keyword: validators ignore them',
    given: spec31(
      `  /a:\n    get:\n      operationId: getA\n      summary: s\n      parameters:\n        - {name: tags, in: query, schema: {type: array, items: {type: string}, min_items: 1}}\n      ${ok}\n`,
    ),
    lenient: ['MCPGEN_SCHEMA_NONSTANDARD warning 10:80'],
    strict: ['MCPGEN_SCHEMA_NONSTANDARD error 10:80'],
    check: (api) => expect(tool(api, 'get_a')).toBeDefined(),
  },
  {
    // argo: info.version is literally "VERSION"
    rule: 'a placeholder info.version: the server reports it as is',
    given: `openapi: 3.0.3\ninfo: {title: t, version: VERSION}\nservers: [{url: 'https://api.example.com'}]\npaths:\n  /a:\n    get: {operationId: getA, summary: s, ${ok}}\n`,
    lenient: ['MCPGEN_VERSION_PLACEHOLDER warning 2:18'],
    strict: ['MCPGEN_VERSION_PLACEHOLDER error 2:18'],
    check: (api) => expect(api?.server.version).toBe('VERSION'),
  },
  {
    rule: 'x-mcp.server.version answers the placeholder',
    given: `openapi: 3.0.3\ninfo: {title: t, version: VERSION}\nservers: [{url: 'https://api.example.com'}]\nx-mcp: {server: {version: 2.1.0}}\npaths:\n  /a:\n    get: {operationId: getA, summary: s, ${ok}}\n`,
    lenient: [],
    strict: [],
    check: (api) => expect(api?.server.version).toBe('2.1.0'),
  },
  {
    // uber: no operationIds at all
    rule: 'no operationId: the name comes from method + path (a warning in both modes)',
    given: spec30(`  /estimates/price:\n    get: {summary: s, ${ok}}\n`),
    lenient: ['MCPGEN_MISSING_OPERATION_ID warning 6:5'],
    strict: ['MCPGEN_MISSING_OPERATION_ID warning 6:5'],
    check: (api) => expect(api?.tools.map((t) => t.name)).toEqual(['get_estimates_price']),
  },
  {
    rule: 'an operationId without letters or digits a name can use: as if there were none',
    given: spec30(
      `  /items/{id}:\n    get: {operationId: 取得, summary: s, parameters: [{name: id, in: path, required: true, schema: {type: string}}], ${ok}}\n`,
    ),
    lenient: ['MCPGEN_MISSING_OPERATION_ID warning 6:11'],
    strict: ['MCPGEN_MISSING_OPERATION_ID warning 6:11'],
    check: (api) => expect(api?.tools.map((t) => t.name)).toEqual(['get_item']),
  },
];

describe.each(rules)('$rule', ({ given, lenient, strict, check }) => {
  it('lenient (default): warnings, and the tools still work', async () => {
    const result = await generateIR(given, false);
    expect(result.found).toEqual(lenient);
    check?.(result.api);
  });

  it('--strict: errors', async () => {
    const result = await generateIR(given, true);
    expect(result.found).toEqual(strict);
  });
});

describe('messages say what happened and what the tool surface does about it', () => {
  it.each([
    [
      rules[0]!,
      "$ref '#/components/schemas/oas_any_type_not_mapped' does not resolve: there is no 'oas_any_type_not_mapped' in #/components/schemas; the schema accepts any value",
    ],
    [
      rules[6]!,
      '`nullable` is an OpenAPI 3.0 keyword; this 3.1 document uses it 2 times (the first here); read as `type: [T, "null"]`',
    ],
    [
      rules[8]!,
      '`min_items` is not a JSON Schema or OpenAPI keyword; the document uses it once; validators ignore it',
    ],
    [rules[9]!, 'info.version "VERSION" is not a version (no digit); the server reports it as is'],
  ])('$rule', async (rule, want) => {
    const { diagnostics } = await generateIR(rule.given, false);
    expect(diagnostics[0]?.message).toBe(want);
  });

  it('an unknown key gets a did-you-mean fix', async () => {
    const { diagnostics } = await generateIR(rules[8]!.given, false);
    expect(diagnostics[0]?.fix).toBe(
      'Did you mean `minItems`? Otherwise prefix the key with `x-` to mark it an extension.',
    );
  });
});
