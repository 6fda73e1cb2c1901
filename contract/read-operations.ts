/**
 * The OpenAPI document (after overlays, Swagger 2.0 already in the 3.0 shape: generator/load) as the
 * operations `contract` checks requests and responses against. Schemas are normalized to JSON Schema
 * 2020-12 per direction (normalize-schemas.ts), all up front, so the shared component definitions
 * are complete before the first validator is compiled.
 */
import type { JsonSchema } from '../generator/ir/types.js';
import type { LoadedSpec } from '../generator/load/load-spec.js';
import { createSchemaNormalizer } from './normalize-schemas.js';
import { isSchema } from './sample-values.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface ContractParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly style: string;
  readonly explode: boolean;
  readonly schema: JsonSchema;
}

export interface ContractMedia {
  readonly mediaType: string;
  readonly schema?: JsonSchema;
  /** The document's own example for this media type (media `example`, first of `examples`). */
  readonly example?: { readonly value: unknown };
}

export interface ContractResponse {
  /** `200`, `4XX` or `default`, as the document spells it. */
  readonly status: string;
  readonly content: readonly ContractMedia[];
}

export interface ContractOperation {
  /** `GET /pets/{}`: method and path with parameter names left out, how requests find it. */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  /** `GET /pets/{petId}`, for messages. */
  readonly label: string;
  readonly parameters: readonly ContractParameter[];
  readonly requestBody?: { readonly required: boolean; readonly content: readonly ContractMedia[] };
  readonly responses: readonly ContractResponse[];
}

export interface OperationIndex {
  readonly operations: readonly ContractOperation[];
  /** Query parameter names that carry credentials (apiKey schemes `in: query`): never undocumented. */
  readonly credentialQueryNames: ReadonlySet<string>;
  /**
   * The operations a request path (relative to the server base) and method address: one, or several
   * that differ only by a `#fragment` in the document.
   */
  match(method: string, path: string): { operations: ContractOperation[]; pathValues: string[] } | undefined;
  byKey(key: string): ContractOperation | undefined;
  /** The shared definitions the operations' schemas reference: register them before compiling. */
  readonly sharedSchemas: readonly { readonly $id: string; readonly $defs: Record<string, unknown> }[];
}

/**
 * `GET` + `/pets/{petId}` -> `GET /pets/{}`. A `#fragment` some documents add to tell apart
 * operations on one path (`/files/{id}#get_shared_link`) never reaches the wire, so it is left out.
 */
export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${wirePath(path).replace(/\{[^}]*\}/g, '{}')}`;
}

/** The path as it goes on the wire: no `#fragment`, no `?query` some documents write into path keys. */
function wirePath(path: string): string {
  return path.split(/[#?]/)[0] ?? path;
}

interface RawOperation {
  readonly method: string;
  readonly path: string;
  readonly node: Record<string, unknown>;
  readonly pathParameters: unknown[];
}

export function readOperations(
  spec: Pick<LoadedSpec, 'document' | 'version' | 'resolveRef'>,
): OperationIndex {
  const dialect = spec.version === '3.1' ? '3.1' : '3.0';
  const resolve = (node: unknown): unknown => {
    let current = node;
    for (let i = 0; i < 8 && isSchema(current) && typeof current['$ref'] === 'string'; i++) {
      current = spec.resolveRef(current['$ref']);
    }
    return current;
  };
  const normalizers = {
    input: createSchemaNormalizer({ direction: 'input', dialect, resolveRef: (ref) => spec.resolveRef(ref) }),
    output: createSchemaNormalizer({
      direction: 'output',
      dialect,
      resolveRef: (ref) => spec.resolveRef(ref),
    }),
  };
  const convert = (schema: unknown, mode: 'input' | 'output'): JsonSchema =>
    schema === undefined ? {} : (normalizers[mode].normalize(schema) as JsonSchema);

  const raw: RawOperation[] = [];
  const paths = isSchema(spec.document['paths']) ? spec.document['paths'] : {};
  for (const [path, item] of Object.entries(paths)) {
    const pathItem = resolve(item);
    if (!isSchema(pathItem)) continue;
    const pathParameters = Array.isArray(pathItem['parameters']) ? pathItem['parameters'] : [];
    for (const method of METHODS) {
      const node = pathItem[method];
      if (isSchema(node)) raw.push({ method, path, node, pathParameters });
    }
  }

  const built = new Map<RawOperation, ContractOperation>();
  const byKey = new Map<string, ContractOperation>();
  for (const op of raw) {
    const operation = buildOperation(op, operationKey(op.method, op.path), resolve, convert);
    built.set(op, operation);
    if (!byKey.has(operation.key)) byKey.set(operation.key, operation);
  }
  const build = (op: RawOperation): ContractOperation => built.get(op)!;
  // More literal characters first: `/pets/mine` is a better match than `/pets/{id}`.
  const routes = raw
    .map((op) => ({ op, ...compilePathPattern(wirePath(op.path)) }))
    .sort((a, b) => b.literal - a.literal);

  const schemes = isSchema(spec.document['components'])
    ? (spec.document['components'] as Record<string, unknown>)['securitySchemes']
    : undefined;
  const credentialQueryNames = new Set<string>();
  for (const scheme of Object.values(isSchema(schemes) ? schemes : {})) {
    const resolved = resolve(scheme);
    if (isSchema(resolved) && resolved['type'] === 'apiKey' && resolved['in'] === 'query') {
      credentialQueryNames.add(String(resolved['name']));
    }
  }

  return {
    operations: [...built.values()],
    credentialQueryNames,
    match(method, path) {
      const lower = method.toLowerCase();
      for (const route of routes) {
        if (route.op.method !== lower) continue;
        const found = route.pattern.exec(path);
        if (!found) continue;
        const key = operationKey(route.op.method, route.op.path);
        const siblings = raw.filter((op) => operationKey(op.method, op.path) === key).map(build);
        return { operations: siblings, pathValues: found.slice(1) };
      }
      return undefined;
    },
    byKey: (key) => byKey.get(key),
    sharedSchemas: [normalizers.input, normalizers.output].map((n) => ({ $id: n.id, $defs: n.defs })),
  };
}

function buildOperation(
  op: RawOperation,
  key: string,
  resolve: (node: unknown) => unknown,
  convert: (schema: unknown, mode: 'input' | 'output') => JsonSchema,
): ContractOperation {
  // Operation-level parameters override path-level ones with the same name and location.
  const parameters = new Map<string, ContractParameter>();
  const own = Array.isArray(op.node['parameters']) ? op.node['parameters'] : [];
  for (const candidate of [...op.pathParameters, ...own]) {
    const parameter = resolve(candidate);
    if (!isSchema(parameter) || typeof parameter['name'] !== 'string') continue;
    const location = parameter['in'];
    if (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'cookie')
      continue;
    const style = typeof parameter['style'] === 'string' ? parameter['style'] : defaultStyle(location);
    const contentSchema = isSchema(parameter['content'])
      ? Object.values(parameter['content']).map((m) => (isSchema(m) ? m['schema'] : undefined))[0]
      : undefined;
    parameters.set(`${location}:${parameter['name']}`, {
      name: parameter['name'],
      in: location,
      required: location === 'path' || parameter['required'] === true,
      style,
      explode: typeof parameter['explode'] === 'boolean' ? parameter['explode'] : style === 'form',
      schema: convert(parameter['schema'] ?? contentSchema, 'input'),
    });
  }
  const body = resolve(op.node['requestBody']);
  const requestBody = isSchema(body)
    ? {
        required: body['required'] === true,
        content: readContent(body['content'], resolve, convert, 'input'),
      }
    : undefined;
  const responses: ContractResponse[] = [];
  const documented = isSchema(op.node['responses']) ? op.node['responses'] : {};
  for (const [status, response] of Object.entries(documented)) {
    const resolved = resolve(response);
    if (!isSchema(resolved)) continue;
    responses.push({ status, content: readContent(resolved['content'], resolve, convert, 'output') });
  }
  const operationId = typeof op.node['operationId'] === 'string' ? op.node['operationId'] : undefined;
  return {
    key,
    method: op.method,
    path: op.path,
    ...(operationId !== undefined && { operationId }),
    label: `${op.method.toUpperCase()} ${op.path}`,
    parameters: [...parameters.values()],
    ...(requestBody !== undefined && { requestBody }),
    responses,
  };
}

function readContent(
  content: unknown,
  resolve: (node: unknown) => unknown,
  convert: (schema: unknown, mode: 'input' | 'output') => JsonSchema,
  mode: 'input' | 'output',
): ContractMedia[] {
  if (!isSchema(content)) return [];
  return Object.entries(content).map(([mediaType, media]) => {
    const node = isSchema(media) ? media : {};
    const example = readMediaExample(node, resolve);
    return {
      mediaType,
      ...(node['schema'] !== undefined && { schema: convert(node['schema'], mode) }),
      ...(example !== undefined && { example }),
    };
  });
}

function readMediaExample(
  media: Record<string, unknown>,
  resolve: (node: unknown) => unknown,
): { value: unknown } | undefined {
  if (media['example'] !== undefined) return { value: media['example'] };
  if (!isSchema(media['examples'])) return undefined;
  for (const example of Object.values(media['examples'])) {
    const resolved = resolve(example);
    if (isSchema(resolved) && resolved['value'] !== undefined) return { value: resolved['value'] };
  }
  return undefined;
}

function defaultStyle(location: ContractParameter['in']): string {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

/** `/pets/{id}.json` -> `^/pets/([^/]*)\.json$`, and how many literal characters it has. */
function compilePathPattern(template: string): { pattern: RegExp; literal: number } {
  const parts = template.split(/(\{[^}]+\})/);
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A path parameter is never empty: `/runs/` is not `/runs/{id}` with no id.
  const source = parts.map((part) => (/^\{[^}]+\}$/.test(part) ? '([^/]+)' : escapeRegExp(part))).join('');
  const literal = parts.filter((part) => !part.startsWith('{')).join('').length;
  return { pattern: new RegExp(`^${source}$`), literal };
}
