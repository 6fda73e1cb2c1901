/**
 * Swagger 2.0 -> OpenAPI 3.0.3 in memory, so every later stage reads 3.x only. The input is not
 * changed; every converted node is aliased to its original in the source map, so diagnostics on
 * the converted document still point at the 2.0 file's lines.
 */
import {
  convertBodyParameter,
  convertFormParameters,
  convertParameter,
  convertResponse,
  type OperationContext,
} from './convert-swagger2-operation.js';
import { convertSchema, copyExtensions, rewriteSwagger2Ref } from './convert-swagger2-schema.js';
import { getChild, isPlainObject, parseRefFragment, setOwn } from './json-pointer.js';
import type { SourceMap } from './source-map.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
const OAUTH2_FLOWS: Record<string, { name: string; fields: readonly string[] }> = {
  implicit: { name: 'implicit', fields: ['authorizationUrl'] },
  password: { name: 'password', fields: ['tokenUrl'] },
  application: { name: 'clientCredentials', fields: ['tokenUrl'] },
  accessCode: { name: 'authorizationCode', fields: ['authorizationUrl', 'tokenUrl'] },
};

export function convertSwagger2(
  swagger: Record<string, unknown>,
  sourceMap: SourceMap,
): Record<string, unknown> {
  const globalParameters = isPlainObject(swagger['parameters']) ? swagger['parameters'] : {};
  const bodyParameters = new Set(
    Object.entries(globalParameters)
      .filter(([, parameter]) => isPlainObject(parameter) && parameter['in'] === 'body')
      .map(([name]) => name),
  );
  const context: OperationContext = { sourceMap, bodyParameters, globalParameters };
  const consumes = stringList(swagger['consumes']);
  const produces = stringList(swagger['produces']);

  const out: Record<string, unknown> = { openapi: '3.0.3' };
  sourceMap.alias(out, swagger);
  sourceMap.setChildPosition(out, 'openapi', sourceMap.childPosition(swagger, 'swagger'));
  if (swagger['info'] !== undefined) out['info'] = swagger['info'];
  const servers = convertServers(swagger, stringList(swagger['schemes']));
  if (servers) {
    out['servers'] = servers;
    sourceMap.alias(servers, swagger);
    sourceMap.setChildPosition(out, 'servers', sourceMap.childPosition(swagger, 'host'));
  }
  for (const field of ['tags', 'externalDocs', 'security'] as const) {
    if (swagger[field] !== undefined) out[field] = swagger[field];
  }
  out['paths'] = convertPaths(swagger['paths'], { context, consumes, produces, swagger });
  const components = convertComponents(swagger, context, consumes, produces);
  if (components) out['components'] = components;
  copyExtensions(swagger, out);
  return out;
}

function convertServers(swagger: Record<string, unknown>, schemes: readonly string[]): unknown[] | undefined {
  const host = typeof swagger['host'] === 'string' ? swagger['host'] : undefined;
  const basePath = typeof swagger['basePath'] === 'string' ? swagger['basePath'] : '';
  if (!host) return basePath ? [{ url: basePath }] : undefined;
  // 2.0 defaults to the scheme the document was fetched with; a file has none, so https.
  return (schemes.length > 0 ? schemes : ['https']).map((scheme) => ({
    url: `${scheme}://${host}${basePath}`,
  }));
}

interface PathsScope {
  readonly context: OperationContext;
  readonly consumes: readonly string[];
  readonly produces: readonly string[];
  readonly swagger: Record<string, unknown>;
}

function convertPaths(paths: unknown, scope: PathsScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(paths)) return out;
  scope.context.sourceMap.alias(out, paths);
  for (const [path, item] of Object.entries(paths)) {
    setOwn(out, path, isPlainObject(item) && !path.startsWith('x-') ? convertPathItem(item, scope) : item);
  }
  return out;
}

function convertPathItem(item: Record<string, unknown>, scope: PathsScope): Record<string, unknown> {
  const { context } = scope;
  const out: Record<string, unknown> = {};
  context.sourceMap.alias(out, item);
  const shared = resolveParameters(item['parameters'], context);
  if (typeof item['$ref'] === 'string') out['$ref'] = item['$ref'];
  const plain = shared
    .filter((p) => !isBodyOrForm(p.resolved))
    .map((p) => convertParameter(p.original, context));
  if (plain.length > 0) {
    out['parameters'] = plain;
    context.sourceMap.alias(plain, item['parameters']);
  }
  for (const key of Object.keys(item)) {
    const operation = item[key];
    if ((METHODS as readonly string[]).includes(key) && isPlainObject(operation)) {
      out[key] = convertOperation(operation, shared, scope);
    }
  }
  copyExtensions(item, out);
  return out;
}

interface ResolvedParameter {
  /** As written (maybe a `$ref`). */
  readonly original: Record<string, unknown>;
  /** Through a `#/parameters/` ref, to see its `in`. */
  readonly resolved: Record<string, unknown>;
  readonly refName?: string;
}

function resolveParameters(parameters: unknown, context: OperationContext): ResolvedParameter[] {
  if (!Array.isArray(parameters)) return [];
  return parameters.filter(isPlainObject).map((original) => {
    const ref = original['$ref'];
    if (typeof ref === 'string' && ref.startsWith('#/parameters/')) {
      const tokens = parseRefFragment(ref.slice(1)) ?? [];
      const resolved = getChild(context.globalParameters, tokens[1] ?? '');
      if (isPlainObject(resolved)) return { original, resolved, refName: tokens[1]! };
    }
    return { original, resolved: original };
  });
}

function convertOperation(
  operation: Record<string, unknown>,
  shared: readonly ResolvedParameter[],
  scope: PathsScope,
): Record<string, unknown> {
  const { context } = scope;
  const out: Record<string, unknown> = {};
  context.sourceMap.alias(out, operation);
  for (const field of ['tags', 'summary', 'description', 'externalDocs', 'operationId'] as const) {
    if (operation[field] !== undefined) out[field] = operation[field];
  }
  const own = resolveParameters(operation['parameters'], context);
  // Operation parameters override path parameters with the same name and location.
  const key = (p: ResolvedParameter) => `${String(p.resolved['in'])}:${String(p.resolved['name'])}`;
  const ownKeys = new Set(own.map(key));
  const effective = [...shared.filter((p) => !ownKeys.has(key(p))), ...own];
  const consumes = operation['consumes'] !== undefined ? stringList(operation['consumes']) : scope.consumes;
  const produces = operation['produces'] !== undefined ? stringList(operation['produces']) : scope.produces;

  const parameters = own
    .filter((p) => !isBodyOrForm(p.resolved))
    .map((p) => convertParameter(p.original, context));
  if (parameters.length > 0) {
    out['parameters'] = parameters;
    context.sourceMap.alias(parameters, operation['parameters']);
  }
  const body = effective.find((p) => p.resolved['in'] === 'body');
  const form = effective.filter((p) => p.resolved['in'] === 'formData').map((p) => p.resolved);
  // A shared body parameter stays shared unless this operation consumes other media types.
  if (body?.refName !== undefined && sameList(consumes, scope.consumes)) {
    const ref = {
      $ref: rewriteSwagger2Ref(`#/parameters/${escapeRefToken(body.refName)}`, context.bodyParameters),
    };
    context.sourceMap.alias(ref, body.original);
    out['requestBody'] = ref;
  } else if (body) {
    const requestBody = convertBodyParameter(body.resolved, consumes, context);
    // Inlined from a shared parameter: this operation's `$ref` is where it is used.
    if (body.refName !== undefined) context.sourceMap.alias(requestBody, body.original);
    out['requestBody'] = requestBody;
  } else if (form.length > 0) {
    out['requestBody'] = convertFormParameters(form, consumes, context);
  }
  if (isPlainObject(operation['responses'])) {
    const responses: Record<string, unknown> = {};
    context.sourceMap.alias(responses, operation['responses']);
    for (const [code, response] of Object.entries(operation['responses'])) {
      setOwn(
        responses,
        code,
        code.startsWith('x-') ? response : convertResponse(response, produces, context),
      );
    }
    out['responses'] = responses;
  }
  const schemes = stringList(operation['schemes']);
  if (schemes.length > 0) {
    const servers = convertServers(scope.swagger, schemes);
    if (servers) out['servers'] = servers;
  }
  for (const field of ['deprecated', 'security'] as const) {
    if (operation[field] !== undefined) out[field] = operation[field];
  }
  copyExtensions(operation, out);
  return out;
}

function convertComponents(
  swagger: Record<string, unknown>,
  context: OperationContext,
  consumes: readonly string[],
  produces: readonly string[],
): Record<string, unknown> | undefined {
  const { sourceMap } = context;
  const components: Record<string, unknown> = {};
  const section = (name: string, source: unknown, build: (value: unknown, key: string) => unknown) => {
    if (!isPlainObject(source)) return;
    const out: Record<string, unknown> = {};
    sourceMap.alias(out, source);
    for (const [key, value] of Object.entries(source)) {
      const converted = build(value, key);
      if (converted !== undefined) setOwn(out, key, converted);
    }
    if (Object.keys(out).length > 0) components[name] = out;
  };
  section('schemas', swagger['definitions'], (schema) => convertSchema(schema, context));
  section('parameters', swagger['parameters'], (parameter) =>
    isPlainObject(parameter) && !isBodyOrForm(parameter) ? convertParameter(parameter, context) : undefined,
  );
  section('requestBodies', swagger['parameters'], (parameter) =>
    isPlainObject(parameter) && parameter['in'] === 'body'
      ? convertBodyParameter(parameter, consumes, context)
      : undefined,
  );
  section('responses', swagger['responses'], (response) => convertResponse(response, produces, context));
  section('securitySchemes', swagger['securityDefinitions'], (scheme) =>
    convertSecurityScheme(scheme, sourceMap),
  );
  if (Object.keys(components).length === 0) return undefined;
  sourceMap.alias(
    components,
    swagger['definitions'] ?? swagger['parameters'] ?? swagger['securityDefinitions'],
  );
  return components;
}

function convertSecurityScheme(scheme: unknown, sourceMap: SourceMap): unknown {
  if (!isPlainObject(scheme)) return scheme;
  const out: Record<string, unknown> = {};
  sourceMap.alias(out, scheme);
  if (scheme['type'] === 'basic') {
    Object.assign(out, { type: 'http', scheme: 'basic' });
  } else if (scheme['type'] === 'apiKey') {
    Object.assign(out, { type: 'apiKey', name: scheme['name'], in: scheme['in'] });
  } else if (scheme['type'] === 'oauth2') {
    const flow = OAUTH2_FLOWS[String(scheme['flow'])];
    const flows: Record<string, unknown> = {};
    if (flow) {
      const converted: Record<string, unknown> = {};
      for (const field of flow.fields) {
        if (scheme[field] !== undefined) converted[field] = scheme[field];
      }
      converted['scopes'] = isPlainObject(scheme['scopes']) ? scheme['scopes'] : {};
      sourceMap.alias(converted, scheme);
      flows[flow.name] = converted;
    }
    Object.assign(out, { type: 'oauth2', flows });
  } else {
    Object.assign(out, { type: scheme['type'] });
  }
  if (scheme['description'] !== undefined) out['description'] = scheme['description'];
  copyExtensions(scheme, out);
  return out;
}

function isBodyOrForm(parameter: Record<string, unknown>): boolean {
  return parameter['in'] === 'body' || parameter['in'] === 'formData';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function escapeRefToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
