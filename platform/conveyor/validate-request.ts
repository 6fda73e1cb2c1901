/**
 * Validates a request's parameters and JSON body against the operation's schemas from the spec.
 * Query, path and header values arrive as strings, so they are coerced by their schema's type first;
 * defaults from the spec (e.g. `logTailLines: 20`) are filled in by Ajv.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ApiError } from './api-error.js';
import type { Ajv } from './create-ajv.js';
import type { JsonObject, OperationParameter, OperationSpec } from './load-openapi.js';

type Location = 'path' | 'query' | 'header' | 'body';

export interface RawRequest {
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
  readonly body: unknown;
}

export interface ValidatedRequest {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  /** Declared header parameters only, keyed by their lowercase name. */
  readonly headers: Record<string, unknown>;
  readonly body: unknown;
}

export type RequestValidator = (request: RawRequest) => ValidatedRequest;

export interface ValidationIssue {
  readonly location: Location;
  readonly field: string;
  readonly message: string;
}

export function compileRequestValidator(ajv: Ajv, operation: OperationSpec): RequestValidator {
  const locations = (['path', 'query', 'header'] as const).map((location) => {
    const parameters = operation.parameters.filter((parameter) => parameter.in === location);
    const key = (parameter: OperationParameter) =>
      location === 'header' ? parameter.name.toLowerCase() : parameter.name;
    const schema = {
      type: 'object',
      properties: Object.fromEntries(parameters.map((parameter) => [key(parameter), parameter.schema])),
      required: parameters.filter((parameter) => parameter.required).map(key),
    };
    const names = new Map(parameters.map((parameter) => [key(parameter), parameter.name]));
    return { location, parameters, key, names, validate: ajv.compile(schema) };
  });
  const body = operation.requestBody;
  const validateBody = body === undefined ? undefined : ajv.compile(body.schema);

  return (request) => {
    const issues: ValidationIssue[] = [];
    const values: Record<string, Record<string, unknown>> = {};
    for (const { location, parameters, key, names, validate } of locations) {
      const source =
        location === 'path' ? request.params : location === 'query' ? request.query : request.headers;
      const collected: Record<string, unknown> = {};
      for (const parameter of parameters) {
        const raw = source[key(parameter)];
        if (raw !== undefined) collected[key(parameter)] = coerceParameter(raw, parameter);
      }
      if (!validate(collected)) issues.push(...describeErrors(validate, location, names));
      values[location] = collected;
    }
    let bodyValue = request.body;
    if (body !== undefined && validateBody !== undefined) {
      if (bodyValue === undefined || bodyValue === null) {
        if (body.required)
          issues.push({ location: 'body', field: '', message: 'a JSON request body is required' });
        bodyValue = undefined;
      } else if (!validateBody(bodyValue)) {
        issues.push(...describeErrors(validateBody, 'body', new Map()));
      }
    }
    if (issues.length > 0) throw createValidationError(issues);
    return {
      params: values['path'] as Record<string, string>,
      query: values['query'] ?? {},
      headers: values['header'] ?? {},
      body: body === undefined ? undefined : bodyValue,
    };
  };
}

export function createValidationError(issues: readonly ValidationIssue[]): ApiError {
  const first = issues[0] ?? { location: 'body', field: '', message: 'is invalid' };
  const label = {
    path: 'path parameter',
    query: 'query parameter',
    header: 'header',
    body: 'request body field',
  }[first.location];
  const message =
    first.field === ''
      ? `Invalid request ${first.location === 'body' ? 'body' : first.location}: ${first.message}.`
      : `Invalid ${label} '${first.field}': ${first.message}.`;
  return new ApiError(400, 'invalid_request', message, {
    location: first.location,
    field: first.field,
    issues: issues.map((issue) => ({ ...issue })),
  });
}

/** Turns `"a,b"` (form, explode false), `"20"` and `"true"` into what the schema describes. */
function coerceParameter(raw: unknown, parameter: OperationParameter): unknown {
  const schema = parameter.schema;
  if (schemaHasType(schema, 'array')) {
    const parts = Array.isArray(raw) ? raw : parameter.explode ? [raw] : String(raw).split(',');
    const items = schema['items'] as JsonObject | undefined;
    return parts.map((part) => (items ? coerceScalar(part, items) : part));
  }
  return Array.isArray(raw) ? raw : coerceScalar(raw, schema);
}

function coerceScalar(raw: unknown, schema: JsonObject): unknown {
  if (typeof raw !== 'string') return raw;
  if ((schemaHasType(schema, 'integer') || schemaHasType(schema, 'number')) && /^-?\d+(\.\d+)?$/.test(raw)) {
    return Number(raw);
  }
  if (schemaHasType(schema, 'boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

function schemaHasType(schema: JsonObject, type: string): boolean {
  const declared = schema['type'];
  return declared === type || (Array.isArray(declared) && declared.includes(type));
}

function describeErrors(
  validate: ValidateFunction,
  location: Location,
  names: ReadonlyMap<string, string>,
): ValidationIssue[] {
  // oneOf/anyOf summaries repeat what their branches already said.
  const errors = (validate.errors ?? []).filter(
    (error) => error.keyword !== 'oneOf' && error.keyword !== 'anyOf',
  );
  return errors.map((error) => {
    const segments = error.instancePath.split('/').slice(1).map(decodePointerToken);
    if (error.keyword === 'required') segments.push(String(error.params['missingProperty']));
    if (error.keyword === 'additionalProperties') segments.push(String(error.params['additionalProperty']));
    const first = segments[0];
    if (first !== undefined && names.has(first)) segments[0] = names.get(first) ?? first;
    return { location, field: formatFieldPath(segments), message: describeError(error) };
  });
}

function describeError(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'enum':
      return `must be one of: ${(error.params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

function decodePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** `['blocks', '0', 'type']` -> `blocks[0].type`. */
export function formatFieldPath(segments: readonly string[]): string {
  return segments.reduce((path, segment) => {
    if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
    return path === '' ? segment : `${path}.${segment}`;
  }, '');
}
