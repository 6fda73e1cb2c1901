/**
 * Swagger 2.0 parameters and responses in OpenAPI 3.0 shape: `type/format/items` become a
 * `schema`, `collectionFormat` a style + explode, the body parameter a requestBody (one media type
 * per `consumes`), formData parameters a form requestBody, response schemas `content` (one per
 * `produces`).
 */
import {
  convertSchema,
  copyExtensions,
  rewriteSwagger2Ref,
  type Swagger2Context,
} from './convert-swagger2-schema.js';
import { isPlainObject, setOwn } from './json-pointer.js';

const SCHEMA_FIELDS = [
  'type',
  'format',
  'items',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'enum',
  'multipleOf',
] as const;

const FORM_MEDIA_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const DEFAULT_MEDIA_TYPES = ['application/json'];

export interface OperationContext extends Swagger2Context {
  /** The 2.0 root `parameters`, to look through `$ref`s to body and formData parameters. */
  readonly globalParameters: Record<string, unknown>;
}

/** A 2.0 parameter, header or items object's value constraints as a 3.0 Schema Object. */
export function convertSimpleSchema(
  source: Record<string, unknown>,
  context: Swagger2Context,
): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  context.sourceMap.alias(schema, source);
  for (const field of SCHEMA_FIELDS) {
    if (source[field] === undefined) continue;
    if (field === 'items' && isPlainObject(source['items']))
      schema['items'] = convertSimpleSchema(source['items'], context);
    else schema[field] = source[field];
  }
  if (schema['type'] === 'file') {
    schema['type'] = 'string';
    schema['format'] = 'binary';
  }
  if (source['x-nullable'] === true) schema['nullable'] = true;
  return schema;
}

/** A non-body, non-formData parameter (or a `$ref` to one). */
export function convertParameter(
  parameter: Record<string, unknown>,
  context: Swagger2Context,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  context.sourceMap.alias(out, parameter);
  if (typeof parameter['$ref'] === 'string') {
    out['$ref'] = rewriteSwagger2Ref(parameter['$ref'], context.bodyParameters);
    return out;
  }
  for (const field of ['name', 'in', 'description', 'required', 'deprecated', 'allowEmptyValue'] as const) {
    if (parameter[field] !== undefined) out[field] = parameter[field];
  }
  const location = parameter['in'];
  if (parameter['type'] === 'array') {
    const format = typeof parameter['collectionFormat'] === 'string' ? parameter['collectionFormat'] : 'csv';
    Object.assign(out, styleOf(format, location));
  }
  out['schema'] = convertSimpleSchema(parameter, context);
  if (parameter['x-example'] !== undefined) out['example'] = parameter['x-example'];
  copyExtensions(parameter, out, 'x-nullable');
  return out;
}

/** collectionFormat -> style/explode; the 3.0 defaults (form + explode for query) mean `multi` in 2.0. */
function styleOf(collectionFormat: string, location: unknown): Record<string, unknown> {
  if (location === 'query' || location === 'formData') {
    if (collectionFormat === 'multi') return { style: 'form', explode: true };
    if (collectionFormat === 'ssv') return { style: 'spaceDelimited', explode: false };
    if (collectionFormat === 'pipes') return { style: 'pipeDelimited', explode: false };
    return { style: 'form', explode: false };
  }
  if (location === 'path' || location === 'header') return { style: 'simple', explode: false };
  return {};
}

/** The body parameter as a requestBody, with one media type per `consumes` entry. */
export function convertBodyParameter(
  parameter: Record<string, unknown>,
  consumes: readonly string[],
  context: Swagger2Context,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  context.sourceMap.alias(body, parameter);
  if (parameter['description'] !== undefined) body['description'] = parameter['description'];
  const content: Record<string, unknown> = {};
  context.sourceMap.alias(content, parameter);
  const schema = convertSchema(parameter['schema'] ?? {}, context);
  const examples = isPlainObject(parameter['x-examples']) ? parameter['x-examples'] : {};
  const mediaTypes = consumes.filter((type) => !FORM_MEDIA_TYPES.includes(type));
  for (const mediaType of mediaTypes.length > 0 ? mediaTypes : DEFAULT_MEDIA_TYPES) {
    const media: Record<string, unknown> = { schema };
    context.sourceMap.alias(media, parameter);
    if (examples[mediaType] !== undefined) media['example'] = examples[mediaType];
    setOwn(content, mediaType, media);
  }
  body['content'] = content;
  if (parameter['required'] === true) body['required'] = true;
  if (typeof parameter['name'] === 'string') body['x-codegen-request-body-name'] = parameter['name'];
  copyExtensions(parameter, body, 'x-examples');
  return body;
}

/** formData parameters as one object schema under a form media type. */
export function convertFormParameters(
  parameters: readonly Record<string, unknown>[],
  consumes: readonly string[],
  context: Swagger2Context,
): Record<string, unknown> {
  const first = parameters[0]!;
  const properties: Record<string, unknown> = {};
  const encoding: Record<string, unknown> = {};
  const required: string[] = [];
  for (const parameter of parameters) {
    const name = String(parameter['name']);
    const schema = convertSimpleSchema(parameter, context);
    if (parameter['description'] !== undefined) schema['description'] = parameter['description'];
    setOwn(properties, name, schema);
    if (parameter['required'] === true) required.push(name);
    if (parameter['type'] === 'array') {
      const format =
        typeof parameter['collectionFormat'] === 'string' ? parameter['collectionFormat'] : 'csv';
      setOwn(encoding, name, styleOf(format, 'formData'));
    }
  }
  const schema: Record<string, unknown> = { type: 'object', properties };
  if (required.length > 0) schema['required'] = required;
  context.sourceMap.alias(schema, first);
  context.sourceMap.alias(properties, first);
  const hasFile = parameters.some((parameter) => parameter['type'] === 'file');
  const declared = consumes.filter((type) => FORM_MEDIA_TYPES.includes(type.split(';')[0]!.trim()));
  const mediaTypes =
    declared.length > 0 ? declared : [hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded'];
  const content: Record<string, unknown> = {};
  for (const mediaType of mediaTypes) {
    const media: Record<string, unknown> = { schema };
    if (Object.keys(encoding).length > 0) media['encoding'] = encoding;
    context.sourceMap.alias(media, first);
    setOwn(content, mediaType, media);
  }
  const body: Record<string, unknown> = { content };
  if (required.length > 0) body['required'] = true;
  context.sourceMap.alias(body, first);
  context.sourceMap.alias(content, first);
  return body;
}

export function convertResponse(
  response: unknown,
  produces: readonly string[],
  context: Swagger2Context,
): Record<string, unknown> | unknown {
  if (!isPlainObject(response)) return response;
  const out: Record<string, unknown> = {};
  context.sourceMap.alias(out, response);
  if (typeof response['$ref'] === 'string') {
    out['$ref'] = rewriteSwagger2Ref(response['$ref'], context.bodyParameters);
    return out;
  }
  out['description'] = typeof response['description'] === 'string' ? response['description'] : '';
  if (isPlainObject(response['headers'])) {
    const headers: Record<string, unknown> = {};
    context.sourceMap.alias(headers, response['headers']);
    for (const [name, header] of Object.entries(response['headers'])) {
      if (!isPlainObject(header)) continue;
      const converted: Record<string, unknown> = {};
      context.sourceMap.alias(converted, header);
      if (header['description'] !== undefined) converted['description'] = header['description'];
      converted['schema'] = convertSimpleSchema(header, context);
      copyExtensions(header, converted);
      setOwn(headers, name, converted);
    }
    out['headers'] = headers;
  }
  const examples = isPlainObject(response['examples']) ? response['examples'] : {};
  if (response['schema'] !== undefined || Object.keys(examples).length > 0) {
    const content: Record<string, unknown> = {};
    context.sourceMap.alias(content, response);
    const schema = response['schema'] !== undefined ? convertSchema(response['schema'], context) : undefined;
    const mediaTypes = new Set(produces.length > 0 ? produces : DEFAULT_MEDIA_TYPES);
    for (const mediaType of Object.keys(examples)) mediaTypes.add(mediaType);
    for (const mediaType of mediaTypes) {
      const media: Record<string, unknown> = {};
      context.sourceMap.alias(media, response);
      if (schema !== undefined) media['schema'] = schema;
      if (examples[mediaType] !== undefined) media['example'] = examples[mediaType];
      setOwn(content, mediaType, media);
    }
    out['content'] = content;
  }
  copyExtensions(response, out);
  return out;
}
