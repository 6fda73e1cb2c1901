/**
 * Builds the upstream HTTP request for one tool call from the tool's HTTP binding and the
 * validated arguments. Pure: no clock, no I/O, no globals, so it is tested with given/want tables.
 */
import { randomBytes } from 'node:crypto';
import type { JsonSchema, ToolBodyEncoding, ToolDefinition, ToolParamBinding } from '../define-tool.js';
import { asFilePart, isFilePart } from './file-part.js';
import { type CredentialPlacement, NO_CREDENTIAL } from './resolve-credential.js';
import {
  encodeRfc3986,
  flattenDeepObject,
  isPlainObject,
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
  readonly body?: string | Uint8Array;
}

export interface BuildRequestInput {
  readonly tool: ToolDefinition;
  /** Validated arguments, without `idempotency_key` (not part of the HTTP binding). */
  readonly args: Readonly<Record<string, unknown>>;
  readonly baseUrl: string;
  readonly credential?: CredentialPlacement;
  /** The tenant of the MCP endpoint path; fills the `fromTenant` parameters. */
  readonly tenant?: string;
  readonly idempotencyKey?: string;
  readonly userAgent?: string;
  /** multipart boundary; random when absent (tests fix it to compare bytes). */
  readonly boundary?: string;
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
    const value = readParamValue(binding, args, input.tenant);
    if (value === undefined) continue;
    if (binding.in === 'query') queryPairs.push(...serializeQueryParam(binding, value));
    else if (binding.in === 'cookie') cookiePairs.push(...serializeCookieParam(binding, value));
    else if (!RESERVED_HEADERS.has(binding.name.toLowerCase())) {
      headers[binding.name.toLowerCase()] = serializeHeaderParam(binding, value);
    }
  }

  const path = expandPathTemplate(tool, args, input.tenant);
  for (const [key, value] of credential.query)
    queryPairs.push(`${encodeRfc3986(key)}=${encodeRfc3986(value)}`);
  for (const [key, value] of credential.cookies) cookiePairs.push(`${key}=${encodeRfc3986(value)}`);
  if (cookiePairs.length > 0) headers['cookie'] = cookiePairs.join('; ');

  headers['accept'] = tool.http.responseMediaType ?? 'application/json';
  if (input.userAgent !== undefined) headers['user-agent'] = input.userAgent;
  if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
  Object.assign(headers, credential.headers);

  const encoded = encodeRequestBody(tool, args, input.boundary);
  if (encoded !== undefined) headers['content-type'] = encoded.contentType;

  return {
    method: tool.http.method.toUpperCase(),
    url: joinUrl(input.baseUrl, path, queryPairs),
    headers,
    ...(encoded !== undefined && { body: encoded.body }),
  };
}

function readParamValue(
  binding: ToolParamBinding,
  args: Readonly<Record<string, unknown>>,
  tenant: string | undefined,
): unknown {
  // The tenant comes from the endpoint path, never from the model: it cannot pick another tenant.
  if (binding.fromTenant === true) return tenant;
  // Hidden parameters have no argument and always send their fixed value.
  return binding.argument === undefined ? binding.value : args[binding.argument];
}

function expandPathTemplate(
  tool: ToolDefinition,
  args: Readonly<Record<string, unknown>>,
  tenant: string | undefined,
): string {
  // A `#fragment` only tells apart operations sharing a path (Box: `/files/{file_id}#get_shared_link`);
  // RFC 3986 §3.5: it is never sent, and left in it would swallow the query string.
  const template = tool.http.path.replace(/#.*$/s, '');
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const binding = tool.http.params.find((param) => param.in === 'path' && param.name === name);
    const value = binding === undefined ? undefined : readParamValue(binding, args, tenant);
    if (binding?.fromTenant === true && (value === undefined || value === '')) {
      throw new BuildRequestError(
        `${tool.name} needs the tenant of the endpoint path (/{tenant}/mcp), and this request has none.`,
      );
    }
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
  readonly body: string | Uint8Array;
  readonly contentType: string;
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
  boundary: string | undefined,
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
    const pairs = encodeFormFields(tool, requireObjectBody(tool, value));
    return {
      body: pairs.map(([k, v]) => `${encodeFormComponent(k)}=${encodeFormComponent(v)}`).join('&'),
      contentType: mediaType,
    };
  }
  if (essence === 'multipart/form-data') {
    const chosen = boundary ?? `spec2mcp-${randomBytes(12).toString('hex')}`;
    if (binding.mode === 'value' && (!isPlainObject(value) || isFilePart(value) || takesFile(tool))) {
      // A multipart body whose schema is not an object (a bare binary string, as definitions generated
      // before file bodies were one `file` argument say) is one file, sent as the part `file`.
      return {
        body: encodeMultipart(bareFileTool(tool), { file: bareFile(tool, value) }, chosen),
        contentType: `multipart/form-data; boundary=${chosen}`,
      };
    }
    return {
      body: encodeMultipart(tool, requireObjectBody(tool, value), chosen),
      contentType: `multipart/form-data; boundary=${chosen}`,
    };
  }
  if (isTextMediaType(essence)) {
    return { body: typeof value === 'string' ? value : JSON.stringify(value), contentType: mediaType };
  }
  // Any other media type is bytes; JSON arguments carry bytes as base64.
  const file = asFilePart(value);
  if (file !== undefined) return { body: file.data, contentType: mediaType };
  if (typeof value !== 'string') {
    throw new BuildRequestError(`The body of ${tool.name} (${essence}) must be a base64 string.`);
  }
  return { body: Buffer.from(value, 'base64'), contentType: mediaType };
}

/** Media types sent as text; everything that is not JSON, a form or text is bytes. */
export function isTextMediaType(essence: string): boolean {
  return (
    essence.startsWith('text/') ||
    essence.endsWith('+xml') ||
    /^application\/(xml|yaml|x-yaml|sdp|x-ndjson|graphql|javascript|sql)$/.test(essence)
  );
}

/** The tool as if its body were the one file property `file` (the multipart fallback above). */
function bareFileTool(tool: ToolDefinition): ToolDefinition {
  const body = tool.http.body!;
  return { ...tool, http: { ...tool.http, body: { ...body, mode: 'properties', files: ['file'] } } };
}

/** The whole-body argument is a file argument (`url` or `content_base64`), not an object of parts. */
function takesFile(tool: ToolDefinition): boolean {
  const argument = tool.http.body?.argument;
  const schema = argument === undefined ? undefined : readProperties(tool.inputSchema)[argument];
  const properties = readProperties(schema);
  return 'content_base64' in properties && 'url' in properties;
}

/** A file argument, or base64 text (an input schema of `format: binary` asks for a string). */
function bareFile(tool: ToolDefinition, value: unknown): unknown {
  if (typeof value === 'string') return { content_base64: value };
  if (asFilePart(value) !== undefined) return value;
  throw new BuildRequestError(`The body of ${tool.name} must be a file: {url} or {content_base64}.`);
}

function requireObjectBody(tool: ToolDefinition, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BuildRequestError(`The body of ${tool.name} must be an object.`);
  }
  return value as Record<string, unknown>;
}

/** RFC 1866 / WHATWG form encoding: `+` for spaces, everything else outside the safe set escaped. */
function encodeFormComponent(text: string): string {
  return encodeURIComponent(text)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The name/value pairs of a form body (also the text fields of multipart), per OpenAPI 3.1.1's
 * Encoding Object: a property with `style`/`explode`/`allowReserved` is serialized like a query
 * parameter of that style (deepObject nesting uses indices for arrays, `items[0][price]`, which is
 * what bracket-parsing servers such as Stripe's read); without them, by content type: scalars as
 * text, objects as JSON, arrays one pair per item.
 */
export function encodeFormFields(
  tool: ToolDefinition,
  body: Readonly<Record<string, unknown>>,
): [string, string][] {
  const encoding = tool.http.body?.encoding ?? {};
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const rule = encoding[name];
    if (isStyled(rule)) {
      pairs.push(...serializeStyledField(name, value, rule!));
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) pairs.push([name, formatPartText(item, rule?.contentType)]);
  }
  return pairs;
}

/** OpenAPI 3.1.1: any of style/explode/allowReserved makes a field RFC 6570-style; else contentType rules. */
function isStyled(rule: ToolBodyEncoding | undefined): boolean {
  return rule?.style !== undefined || rule?.explode !== undefined || rule?.allowReserved !== undefined;
}

function serializeStyledField(name: string, value: unknown, rule: ToolBodyEncoding): [string, string][] {
  const style = rule.style ?? 'form';
  const explode = rule.explode ?? style === 'form';
  if (style === 'deepObject' && (Array.isArray(value) || isPlainObject(value))) {
    return flattenDeepObject(name, value, { arrayIndices: true }).map(([path, leaf]) => [
      path,
      stringifyScalar(leaf),
    ]);
  }
  const delimiter = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',';
  if (Array.isArray(value)) {
    if (explode) return value.map((item) => [name, stringifyScalar(item)]);
    return [[name, value.map(stringifyScalar).join(delimiter)]];
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (explode) return entries.map(([key, item]) => [key, stringifyScalar(item)]);
    return [[name, entries.flatMap(([key, item]) => [key, stringifyScalar(item)]).join(delimiter)]];
  }
  return [[name, stringifyScalar(value)]];
}

/** A field's text: JSON unless it is a scalar sent as plain text. */
function formatPartText(value: unknown, contentType: string | undefined): string {
  const json = contentType !== undefined && /json/i.test(contentType);
  if (json) return JSON.stringify(value);
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : stringifyScalar(value);
}

/**
 * multipart/form-data (RFC 7578), built byte by byte so each part gets the headers OpenAPI
 * asks for: files with their filename and media type, objects as application/json, scalars as text.
 */
function encodeMultipart(
  tool: ToolDefinition,
  body: Readonly<Record<string, unknown>>,
  boundary: string,
): Uint8Array {
  const binding = tool.http.body;
  const files = new Set(binding?.files ?? []);
  const encoding = binding?.encoding ?? {};
  // Definitions without `files` (hand-written, or generated before it existed) mark a file field by
  // its input schema: a base64 or binary string.
  const legacyFiles = binding?.files === undefined ? collectBinaryFields(tool) : new Map<string, string>();
  const chunks: Buffer[] = [];
  const part = (name: string, data: Uint8Array | string, contentType?: string, filename?: string) => {
    const head = [
      `--${boundary}`,
      `Content-Disposition: form-data; name="${quoteHeader(name)}"${filename === undefined ? '' : `; filename="${quoteHeader(filename)}"`}`,
      ...(contentType === undefined ? [] : [`Content-Type: ${contentType}`]),
    ];
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(data), Buffer.from('\r\n'));
  };
  // Files go last: servers that stream uploads (Box, S3 POST policies) read the fields before the bytes.
  const entries = Object.entries(body);
  const isFile = (name: string) => files.has(name) || legacyFiles.has(name);
  const ordered = [...entries.filter(([name]) => !isFile(name)), ...entries.filter(([name]) => isFile(name))];
  for (const [name, value] of ordered) {
    if (value === undefined || value === null) continue;
    const rule = encoding[name];
    const legacyType = legacyFiles.get(name);
    if (legacyType !== undefined && typeof value === 'string') {
      part(name, Buffer.from(value, 'base64'), legacyType, name);
      continue;
    }
    if (files.has(name)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        const file = asFilePart(item, name, rule?.contentType);
        if (file === undefined) {
          throw new BuildRequestError(`"${name}" of ${tool.name} must be a file: {url} or {content_base64}.`);
        }
        part(name, file.data, file.contentType, file.filename);
      }
      continue;
    }
    if (isStyled(rule)) {
      for (const [field, text] of serializeStyledField(name, value, rule!)) part(field, text);
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const isObject = typeof item === 'object' && item !== null;
      const contentType = rule?.contentType ?? (isObject ? 'application/json' : undefined);
      part(name, formatPartText(item, contentType), contentType);
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** Multipart fields (body property -> media type) whose argument schema is a base64 or binary string. */
function collectBinaryFields(tool: ToolDefinition): Map<string, string> {
  const binding = tool.http.body;
  const argumentSchemas = readProperties(tool.inputSchema);
  const schemas = new Map<string, JsonSchema | undefined>();
  if (binding?.mode === 'properties') {
    for (const property of binding.properties ?? [])
      schemas.set(property.property, argumentSchemas[property.argument]);
  } else if (binding?.argument !== undefined) {
    for (const [name, schema] of Object.entries(readProperties(argumentSchemas[binding.argument]))) {
      schemas.set(name, schema);
    }
  }
  const fields = new Map<string, string>();
  for (const [name, schema] of schemas) {
    if (typeof schema !== 'object' || schema === null) continue;
    const binary =
      schema['format'] === 'binary' || schema['format'] === 'byte' || schema['contentEncoding'] === 'base64';
    if (binary) {
      const type = schema['contentMediaType'];
      fields.set(name, typeof type === 'string' ? type : 'application/octet-stream');
    }
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

/** RFC 7578 §4.2: quotes and line breaks in a name or filename are percent-escaped. */
function quoteHeader(text: string): string {
  return text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
