/**
 * Reads specs/conveyor/openapi.yaml and turns it into the operation table the platform is built
 * from, so routes, validation and authorization cannot drift from the document.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type JsonObject = { [key: string]: unknown };

export const CONVEYOR_OPENAPI_PATH = fileURLToPath(
  new URL('../../specs/conveyor/openapi.yaml', import.meta.url),
);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OperationParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly style: string;
  readonly explode: boolean;
  readonly schema: JsonObject;
}

export interface OperationResponse {
  /** Absent when the response has no body (204). */
  readonly schema?: JsonObject;
}

export interface OperationSpec {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Path template relative to the server URL, e.g. `/workspaces/{workspaceId}`. */
  readonly path: string;
  readonly tags: readonly string[];
  readonly parameters: readonly OperationParameter[];
  readonly requestBody?: { readonly required: boolean; readonly schema: JsonObject };
  /** Keyed by status code (`200`) or `default`. */
  readonly responses: ReadonlyMap<string, OperationResponse>;
  /** OAuth scopes of the operation's security requirement; API keys must carry the same scopes. */
  readonly requiredScopes: readonly string[];
}

export interface OpenApiModel {
  /** The document with every local `$ref` replaced by its target. */
  readonly document: JsonObject;
  /** Path of servers[0].url, e.g. `/v1`. */
  readonly basePath: string;
  readonly operations: readonly OperationSpec[];
}

const cache = new Map<string, Promise<OpenApiModel>>();

/** Parsed once per process: every test builds a fresh app, but the document never changes. */
export function loadOpenApi(path: string = CONVEYOR_OPENAPI_PATH): Promise<OpenApiModel> {
  let model = cache.get(path);
  if (model === undefined) {
    model = readFile(path, 'utf8').then((text) => buildOpenApiModel(parse(text) as JsonObject));
    cache.set(path, model);
  }
  return model;
}

export function buildOpenApiModel(raw: JsonObject): OpenApiModel {
  const document = dereference(raw) as JsonObject;
  const servers = asArray(document['servers']);
  const serverUrl =
    typeof asObject(servers[0])['url'] === 'string' ? String(asObject(servers[0])['url']) : '/';
  const basePath = new URL(serverUrl, 'http://localhost').pathname.replace(/\/$/, '');
  const operations: OperationSpec[] = [];
  const globalSecurity = asArray(document['security']);
  for (const [path, pathItemValue] of Object.entries(asObject(document['paths']))) {
    const pathItem = asObject(pathItemValue);
    const sharedParameters = asArray(pathItem['parameters']).map(asObject);
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation === undefined) continue;
      operations.push(
        buildOperationSpec(path, method, asObject(operation), sharedParameters, globalSecurity),
      );
    }
  }
  return { document, basePath, operations };
}

function buildOperationSpec(
  path: string,
  method: HttpMethod,
  operation: JsonObject,
  sharedParameters: readonly JsonObject[],
  globalSecurity: readonly unknown[],
): OperationSpec {
  const operationId = String(operation['operationId']);
  // Operation-level parameters override path-level ones with the same name and location.
  const byKey = new Map<string, JsonObject>();
  for (const parameter of [...sharedParameters, ...asArray(operation['parameters']).map(asObject)]) {
    byKey.set(`${String(parameter['in'])}:${String(parameter['name'])}`, parameter);
  }
  const parameters = [...byKey.values()].map((parameter): OperationParameter => {
    const location = String(parameter['in']) as OperationParameter['in'];
    const style = typeof parameter['style'] === 'string' ? parameter['style'] : defaultStyle(location);
    return {
      name: String(parameter['name']),
      in: location,
      required: parameter['required'] === true,
      style,
      explode: typeof parameter['explode'] === 'boolean' ? parameter['explode'] : style === 'form',
      schema: asObject(parameter['schema']),
    };
  });
  const requestBodyObject =
    operation['requestBody'] === undefined ? undefined : asObject(operation['requestBody']);
  const bodySchema =
    requestBodyObject && asObject(asObject(requestBodyObject['content'])['application/json'])['schema'];
  const responses = new Map<string, OperationResponse>();
  for (const [status, response] of Object.entries(asObject(operation['responses']))) {
    const schema = asObject(asObject(asObject(response)['content'])['application/json'])['schema'];
    responses.set(status, schema === undefined ? {} : { schema: asObject(schema) });
  }
  const security = operation['security'] === undefined ? globalSecurity : asArray(operation['security']);
  const requiredScopes = security.flatMap((requirement) => {
    const scopes = asObject(requirement)['oauth2'];
    return Array.isArray(scopes) ? scopes.map(String) : [];
  });
  return {
    operationId,
    method,
    path,
    tags: asArray(operation['tags']).map(String),
    parameters,
    ...(requestBodyObject && bodySchema !== undefined
      ? { requestBody: { required: requestBodyObject['required'] === true, schema: asObject(bodySchema) } }
      : {}),
    responses,
    requiredScopes,
  };
}

function defaultStyle(location: OperationParameter['in']): string {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

/** Replaces local `$ref`s by their targets; siblings of a `$ref` (e.g. `default`) are kept on top. */
export function dereference(root: unknown): unknown {
  const resolved = new Map<string, unknown>();
  const resolving = new Set<string>();
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const object = node as JsonObject;
    const ref = object['$ref'];
    if (typeof ref === 'string') {
      const { $ref: _ignored, ...siblings } = object;
      const target = resolveRef(ref);
      return Object.keys(siblings).length === 0
        ? target
        : { ...asObject(target), ...(visit(siblings) as JsonObject) };
    }
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(object)) copy[key] = visit(value);
    return copy;
  };
  const resolveRef = (ref: string): unknown => {
    const cached = resolved.get(ref);
    if (cached !== undefined) return cached;
    if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, got '${ref}'`);
    if (resolving.has(ref)) throw new Error(`Circular $ref '${ref}' is not supported`);
    resolving.add(ref);
    let target: unknown = root;
    for (const token of ref.slice(2).split('/')) {
      const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
      target = asObject(target)[key];
      if (target === undefined) throw new Error(`$ref '${ref}' points at nothing`);
    }
    const value = visit(target);
    resolving.delete(ref);
    resolved.set(ref, value);
    return value;
  };
  return visit(root);
}

export function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
