/**
 * Builds the upstream HTTP request for one tool call from the tool's HTTP binding and the
 * validated arguments. Pure: no clock, no I/O, no globals, so it is tested with given/want tables.
 */
import { FormData } from 'undici';
import type { JsonSchema, ToolDefinition, ToolParamBinding } from '../define-tool.js';
import { type CredentialPlacement, NO_CREDENTIAL } from './resolve-credential.js';
import {
  encodeRfc3986,
  flattenDeepObject,
  serializeCookieParam,
  serializeHeaderParam,
  serializePathParam,
  serializeQueryParam,
  stringifyScalar,
} from './serialize-param.js';

export interface UpstreamRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | FormData;
}

export interface BuildRequestInput {
  readonly tool: ToolDefinition;
  /** Validated arguments, without `idempotency_key` (not part of the HTTP binding). */
  readonly args: Readonly<Record<string, unknown>>;
  readonly baseUrl: string;
  readonly credential?: CredentialPlacement;
  readonly idempotencyKey?: string;
  readonly userAgent?: string;
}

/** The arguments cannot be turned into a request (a binding the input schema failed to enforce). */
export class BuildRequestError extends Error {
  override readonly name = 'BuildRequestError';
}

// OpenAPI: header parameters with these names are ignored; the runtime owns them.
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function buildUpstreamRequest(input: BuildRequestInput): UpstreamRequest {
  const { tool, args } = input;
  const credential = input.credential ?? NO_CREDENTIAL;
  const params = tool.http.params;
  const headers: Record<string, string> = {};
  const queryPairs: string[] = [];
  const cookiePairs: string[] = [];

  for (const binding of params) {
    if (binding.in === 'path') continue;
    const value = readParamValue(binding, args);
    if (value === undefined) continue;
    if (binding.in === 'query') queryPairs.push(...serializeQueryParam(binding, value));
    else if (binding.in === 'cookie') cookiePairs.push(...serializeCookieParam(binding, value));
    else if (!RESERVED_HEADERS.has(binding.name.toLowerCase())) {
      headers[binding.name.toLowerCase()] = serializeHeaderParam(binding, value);
    }
  }

  const path = expandPathTemplate(tool, args);
  for (const [key, value] of credential.query)
    queryPairs.push(`${encodeRfc3986(key)}=${encodeRfc3986(value)}`);
  for (const [key, value] of credential.cookies) cookiePairs.push(`${key}=${encodeRfc3986(value)}`);
  if (cookiePairs.length > 0) headers['cookie'] = cookiePairs.join('; ');

  headers['accept'] = tool.http.responseMediaType ?? 'application/json';
  if (input.userAgent !== undefined) headers['user-agent'] = input.userAgent;
  if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
  Object.assign(headers, credential.headers);

  const encoded = encodeRequestBody(tool, args);
  if (encoded?.contentType !== undefined) headers['content-type'] = encoded.contentType;

  return {
    method: tool.http.method.toUpperCase(),
    url: joinUrl(input.baseUrl, path, queryPairs),
    headers,
    ...(encoded !== undefined && { body: encoded.body }),
  };
}

function readParamValue(binding: ToolParamBinding, args: Readonly<Record<string, unknown>>): unknown {
  // Hidden parameters have no argument and always send their fixed value.
  return binding.argument === undefined ? binding.value : args[binding.argument];
}

function expandPathTemplate(tool: ToolDefinition, args: Readonly<Record<string, unknown>>): string {
  return tool.http.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const binding = tool.http.params.find((param) => param.in === 'path' && param.name === name);
    const value = binding === undefined ? undefined : readParamValue(binding, args);
    if (binding === undefined || value === undefined || value === null) {
      const argument = binding?.argument ?? name;
      throw new BuildRequestError(`Missing path parameter "${argument}" for ${tool.name}.`);
    }
    return serializePathParam(binding, value);
  });
}

/** Joins base URL and operation path, keeping the base path (`/v1` + `/me` -> `/v1/me`). */
export function joinUrl(baseUrl: string, path: string, queryPairs: readonly string[] = []): string {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const operationPath = path.startsWith('/') ? path : `/${path}`;
  const search = [base.search.replace(/^\?/, ''), ...queryPairs].filter((part) => part !== '').join('&');
  return `${base.origin}${basePath}${operationPath}${search === '' ? '' : `?${search}`}`;
}

interface EncodedBody {
  readonly body: string | Uint8Array | FormData;
  /** Absent for multipart: the boundary is chosen by the HTTP client. */
  readonly contentType?: string;
}

function readBodyValue(tool: ToolDefinition, args: Readonly<Record<string, unknown>>): unknown {
  const binding = tool.http.body;
  if (binding === undefined) return undefined;
  if (binding.mode === 'value') {
    const value = binding.argument === undefined ? undefined : args[binding.argument];
    return value === undefined && binding.required ? {} : value;
  }
  const body: Record<string, unknown> = {};
  let present = false;
  for (const property of binding.properties ?? []) {
    const value = property.hidden ? property.value : args[property.argument];
    if (value === undefined) continue;
    body[property.property] = value;
    present = true;
  }
  return present || binding.required ? body : undefined;
}

function encodeRequestBody(
  tool: ToolDefinition,
  args: Readonly<Record<string, unknown>>,
): EncodedBody | undefined {
  const binding = tool.http.body;
  const value = readBodyValue(tool, args);
  if (binding === undefined || value === undefined) return undefined;
  const mediaType = binding.mediaType;
  const essence = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';

  if (essence === 'application/json' || essence.endsWith('+json')) {
    return { body: JSON.stringify(value), contentType: mediaType };
  }
  if (essence === 'application/x-www-form-urlencoded') {
    return { body: encodeFormUrlencoded(tool, value), contentType: mediaType };
  }
  if (essence === 'multipart/form-data') {
    return { body: encodeMultipart(tool, value) };
  }
  if (essence.startsWith('text/') || essence === 'application/xml' || essence.endsWith('+xml')) {
    return { body: typeof value === 'string' ? value : JSON.stringify(value), contentType: mediaType };
  }
  // Any other media type is binary; JSON arguments carry binary as base64.
  if (typeof value !== 'string') {
    throw new BuildRequestError(`The body of ${tool.name} (${essence}) must be a base64 string.`);
  }
  return { body: Buffer.from(value, 'base64'), contentType: mediaType };
}

function requireObjectBody(tool: ToolDefinition, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BuildRequestError(`The body of ${tool.name} must be an object.`);
  }
  return value as Record<string, unknown>;
}

function encodeFormUrlencoded(tool: ToolDefinition, value: unknown): string {
  const form = new URLSearchParams();
  for (const [key, item] of Object.entries(requireObjectBody(tool, value))) {
    for (const [path, leaf] of flattenDeepObject(key, item)) form.append(path, stringifyScalar(leaf));
  }
  return form.toString();
}

// undici's own FormData: its dispatcher only serializes instances of its own class.
function encodeMultipart(tool: ToolDefinition, value: unknown): FormData {
  const form = new FormData();
  const fieldSchemas = collectFieldSchemas(tool);
  for (const [field, item] of Object.entries(requireObjectBody(tool, value))) {
    if (item === undefined) continue;
    const schema = fieldSchemas.get(field);
    const items = Array.isArray(item) && !isBinarySchema(schema) ? item : [item];
    for (const part of items) {
      if (isBinarySchema(schema) && typeof part === 'string') {
        const type = readSchemaString(schema, 'contentMediaType') ?? 'application/octet-stream';
        form.append(field, new Blob([Buffer.from(part, 'base64')], { type }), field);
      } else {
        form.append(field, stringifyScalar(part));
      }
    }
  }
  return form;
}

/** Maps each multipart field (body property) to its JSON Schema, to spot base64 file fields. */
function collectFieldSchemas(tool: ToolDefinition): Map<string, JsonSchema> {
  const binding = tool.http.body;
  const fields = new Map<string, JsonSchema>();
  const argumentSchemas = readProperties(tool.inputSchema);
  if (binding?.mode === 'properties') {
    for (const property of binding.properties ?? []) {
      const schema = argumentSchemas[property.argument];
      if (schema !== undefined) fields.set(property.property, schema);
    }
  } else if (binding?.argument !== undefined) {
    const valueSchema = argumentSchemas[binding.argument];
    for (const [name, schema] of Object.entries(readProperties(valueSchema))) fields.set(name, schema);
  }
  return fields;
}

function readProperties(schema: JsonSchema | undefined): Record<string, JsonSchema> {
  if (typeof schema !== 'object' || schema === null) return {};
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null
    ? (properties as Record<string, JsonSchema>)
    : {};
}

function readSchemaString(schema: JsonSchema | undefined, key: string): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const value = schema[key];
  return typeof value === 'string' ? value : undefined;
}

function isBinarySchema(schema: JsonSchema | undefined): boolean {
  const format = readSchemaString(schema, 'format');
  return format === 'binary' || format === 'byte' || readSchemaString(schema, 'contentEncoding') === 'base64';
}
