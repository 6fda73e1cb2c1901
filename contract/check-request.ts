/**
 * Does a request the runtime sent conform to its operation? Path, query, header and cookie
 * parameters (present when required, values valid once deserialized by their style), undocumented
 * query parameters, the body's media type, and the body against its schema (JSON and form bodies
 * fully; multipart by its required part names). Returns the problems as sentences, none when it conforms.
 */
import type { SchemaCompiler } from './compile-schemas.js';
import type { ContractMedia, ContractOperation, ContractParameter } from './read-operations.js';
import { isSchema } from './sample-values.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, relative to the upstream base URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Headers OpenAPI says are not described as parameters (RFC 9110 fields the client sets itself). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function checkRequest(input: {
  readonly operation: ContractOperation;
  readonly request: RecordedRequest;
  /** Captured path parameter values, percent-encoded, in template order. */
  readonly pathValues: readonly string[];
  readonly compiler: SchemaCompiler;
  readonly credentialQueryNames?: ReadonlySet<string>;
}): string[] {
  const { operation, request, compiler } = input;
  const problems: string[] = [];
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  const pathNames = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const cookies = parseCookies(headerText(request.headers['cookie']));
  const seenQuery = new Set<string>();

  for (const parameter of operation.parameters) {
    if (parameter.in === 'header' && IGNORED_HEADERS.has(parameter.name.toLowerCase())) continue;
    const raw = readParameter(parameter, {
      request,
      query,
      pathNames,
      pathValues: input.pathValues,
      cookies,
    });
    for (const name of raw.names) seenQuery.add(name);
    if (raw.value === undefined) {
      if (parameter.required)
        problems.push(`required ${parameter.in} parameter '${parameter.name}' is missing`);
      continue;
    }
    // Text coerced to the schema's types first (Ajv validates a coerced root value too).
    const schema = relaxOneOf(parameter.schema);
    let checked = compiler.check(schema, raw.value, { coerce: true });
    // Objects inside a parameter (OpenAPI `content` parameters, arrays of objects) travel as JSON text.
    // Parsed JSON is typed already: checked as it is first, since coercion would let text inside it
    // match a second `oneOf` branch too (Box mdfilters: "online" is a string and, coerced, an array).
    const parsed = checked.ok === false ? parseJsonText(raw.value) : undefined;
    if (parsed !== undefined) {
      checked = compiler.check(schema, parsed.value);
      if (checked.ok === false) checked = compiler.check(schema, parsed.value, { coerce: true });
    }
    if (checked.ok === false) {
      problems.push(
        `${parameter.in} parameter '${parameter.name}' = ${JSON.stringify(raw.value).slice(0, 80)}: ${checked.errors
          .map((e) => e.replace(/^\(root\)\s*/, ''))
          .join('; ')}`,
      );
    }
  }
  const declaredQuery = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  // A query written into the document's path key (`/responses?beta=true`) is part of the operation.
  for (const name of new URLSearchParams(operation.path.split('?')[1] ?? '').keys()) declaredQuery.add(name);
  const openQuery = operation.parameters.some(
    (p) => p.in === 'query' && p.style === 'form' && p.explode && isObjectSchema(p.schema),
  );
  if (!openQuery) {
    for (const name of new Set(query.keys())) {
      if (seenQuery.has(name) || declaredQuery.has(name) || input.credentialQueryNames?.has(name)) continue;
      problems.push(`query parameter '${name}' is not declared by the operation`);
    }
  }
  problems.push(...checkBody(operation, request, compiler));
  return problems;
}

/**
 * Text coerced to `oneOf: [integer, string]` matches both branches; for parameters, `oneOf` is read
 * as `anyOf` (in the parameter's own schema, not in shared components).
 */
function relaxOneOf(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(relaxOneOf);
  if (!isSchema(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key === 'oneOf' ? 'anyOf' : key, relaxOneOf(value)]),
  );
}

function parseJsonText(value: unknown): { value: unknown } | undefined {
  const parse = (text: unknown): unknown => {
    if (typeof text !== 'string' || !/^\s*[[{]/.test(text)) return text;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  const parsed = Array.isArray(value) ? value.map(parse) : parse(value);
  return JSON.stringify(parsed) === JSON.stringify(value) ? undefined : { value: parsed };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

function isObjectSchema(schema: unknown): boolean {
  return isSchema(schema) && (schema['type'] === 'object' || isSchema(schema['properties']));
}

function isArraySchema(schema: unknown): boolean {
  return (
    isSchema(schema) &&
    (schema['type'] === 'array' || (Array.isArray(schema['type']) && schema['type'].includes('array')))
  );
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** The parameter's value, deserialized per its style (arrays split, objects from key/value lists). */
function readParameter(
  parameter: ContractParameter,
  source: {
    request: RecordedRequest;
    query: URLSearchParams;
    pathNames: readonly string[];
    pathValues: readonly string[];
    cookies: Map<string, string>;
  },
): { value: unknown; names: string[] } {
  const { schema } = parameter;
  if (parameter.in === 'query') {
    if (parameter.style === 'deepObject') {
      const prefix = `${parameter.name}[`;
      const entries = [...source.query.entries()].filter(([key]) => key.startsWith(prefix));
      if (entries.length === 0) return { value: undefined, names: [] };
      return { value: nestBrackets(entries, parameter.name)[parameter.name], names: entries.map(([k]) => k) };
    }
    const values = source.query.getAll(parameter.name);
    if (values.length === 0) return { value: undefined, names: [] };
    if (isArraySchema(schema)) {
      const delimiter = { spaceDelimited: ' ', pipeDelimited: '|' }[parameter.style] ?? ',';
      return { value: parameter.explode ? values : values[0]!.split(delimiter), names: [parameter.name] };
    }
    if (isObjectSchema(schema) && !parameter.explode)
      return { value: pairsToObject(values[0]!.split(',')), names: [parameter.name] };
    return { value: values[0], names: [parameter.name] };
  }
  let text: string | undefined;
  if (parameter.in === 'path') {
    const index = source.pathNames.indexOf(parameter.name);
    const raw = index < 0 ? undefined : source.pathValues[index];
    if (raw === undefined || raw === '') return { value: undefined, names: [] };
    text = raw;
    if (parameter.style === 'label') text = text.replace(/^\./, '');
    if (parameter.style === 'matrix') text = text.replace(new RegExp(`^;${parameter.name}=`), '');
  } else if (parameter.in === 'header') {
    text = headerText(source.request.headers[parameter.name.toLowerCase()]);
  } else {
    text = source.cookies.get(parameter.name);
  }
  if (text === undefined) return { value: undefined, names: [] };
  const delimiter = parameter.style === 'label' && parameter.explode ? '.' : ',';
  if (isArraySchema(schema)) return { value: text.split(delimiter).map(decode), names: [] };
  if (isObjectSchema(schema)) {
    const parts = text.split(delimiter).map(decode);
    return {
      value: parameter.explode
        ? Object.fromEntries(parts.map((p) => p.split('=') as [string, string]))
        : pairsToObject(parts),
      names: [],
    };
  }
  return { value: parameter.in === 'path' ? decode(text) : text, names: [] };
}

function pairsToObject(parts: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) object[parts[i]!] = parts[i + 1]!;
  return object;
}

/** `a[b][0]=x&a[c]=y` -> `{a: {b: ['x'], c: 'y'}}`; `a[]=x` appends. */
export function nestBrackets(entries: Iterable<[string, string]>, _hint?: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const tokens = [...key.matchAll(/^([^[]+)|\[([^\]]*)\]/g)].map((m) => m[1] ?? m[2] ?? '');
    let node: Record<string, unknown> | unknown[] = root;
    tokens.forEach((token, i) => {
      const last = i === tokens.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(tokens[i + 1]!);
      const slot = Array.isArray(node) ? (token === '' ? node.length : Number(token)) : token;
      const container = node as Record<string | number, unknown>;
      if (last) {
        if (Array.isArray(node) && token === '') node.push(value);
        else container[slot] = value;
        return;
      }
      if (typeof container[slot] !== 'object' || container[slot] === null)
        container[slot] = nextIsIndex ? [] : {};
      node = container[slot] as Record<string, unknown> | unknown[];
    });
  }
  return root;
}

const baseMediaType = (mediaType: string): string => mediaType.split(';')[0]!.trim().toLowerCase();

/** `application/*`, `*\/*` and `+json` suffixes match as OpenAPI media type ranges do. */
export function findMedia(content: readonly ContractMedia[], mediaType: string): ContractMedia | undefined {
  const wanted = baseMediaType(mediaType);
  const [type] = wanted.split('/');
  return (
    content.find((m) => baseMediaType(m.mediaType) === wanted) ??
    content.find((m) => baseMediaType(m.mediaType) === `${type}/*`) ??
    content.find((m) => baseMediaType(m.mediaType) === '*/*')
  );
}

export function isJsonMedia(mediaType: string): boolean {
  const base = baseMediaType(mediaType);
  return base === 'application/json' || base.endsWith('+json') || base === '*/*';
}

function checkBody(
  operation: ContractOperation,
  request: RecordedRequest,
  compiler: SchemaCompiler,
): string[] {
  const declared = operation.requestBody;
  const empty = request.body.length === 0;
  if (declared === undefined) {
    return empty
      ? []
      : [`sends a ${request.body.length}-byte body, but the operation declares no request body`];
  }
  if (empty) return declared.required ? ['the required request body is missing'] : [];
  const contentType = headerText(request.headers['content-type']) ?? '';
  const media = findMedia(declared.content, contentType || 'application/octet-stream');
  if (media === undefined) {
    return [
      `body media type '${contentType || '(none)'}' is not one the operation accepts (${declared.content
        .map((m) => m.mediaType)
        .join(', ')})`,
    ];
  }
  if (media.schema === undefined) return [];
  const base = baseMediaType(contentType);
  let value: unknown;
  let coerce = false;
  if (isJsonMedia(base)) {
    try {
      value = JSON.parse(request.body.toString('utf8'));
    } catch {
      return [`body is not valid JSON although sent as ${base}`];
    }
  } else if (base === 'application/x-www-form-urlencoded') {
    value = nestBrackets(new URLSearchParams(request.body.toString('utf8')).entries());
    coerce = true;
  } else if (base === 'multipart/form-data') {
    const text = request.body.toString('latin1');
    const required =
      isSchema(media.schema) && Array.isArray(media.schema['required']) ? media.schema['required'] : [];
    return required
      .filter((name) => !text.includes(`name="${String(name)}"`))
      .map((name) => `multipart body has no part '${String(name)}', which the schema requires`);
  } else {
    return [];
  }
  const checked = compiler.check(media.schema, value, { coerce });
  return checked.ok === false ? checked.errors.map((error) => `body ${error}`) : [];
}
