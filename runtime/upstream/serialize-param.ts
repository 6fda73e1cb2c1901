/**
 * OpenAPI parameter serialization (style + explode) for path, query, header and cookie
 * parameters. Pure string building: no I/O, no URL objects, so every row of the
 * OpenAPI style table can be checked with a given/want test.
 */
import type { ToolParamBinding } from '../define-tool.js';

type Encode = (text: string) => string;

const UNRESERVED = /[A-Za-z0-9\-._~]/;
// RFC 3986 reserved characters that `allowReserved` lets through. `#` stays encoded: a raw `#`
// would end the request target, so no server could ever receive it.
const RESERVED_ALLOWED = /[:/?[\]@!$&'()*+,;=]/;

/** Percent-encodes everything except RFC 3986 unreserved characters (UTF-8 first). */
export function encodeRfc3986(text: string): string {
  let out = '';
  for (const char of text) {
    out += UNRESERVED.test(char) ? char : encodeUtf8(char);
  }
  return out;
}

/** Like encodeRfc3986 but leaves RFC 3986 reserved characters as they are (`allowReserved`). */
export function encodeAllowReserved(text: string): string {
  let out = '';
  for (const char of text) {
    out += UNRESERVED.test(char) || RESERVED_ALLOWED.test(char) ? char : encodeUtf8(char);
  }
  return out;
}

function encodeUtf8(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) {
    out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Text form of one scalar value; nested structures (undefined by OpenAPI) become JSON. */
export function stringifyScalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listEntries(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([, item]) => item !== undefined);
}

/** Serializes a path parameter value (style simple, label or matrix) into its template slot. */
export function serializePathParam(binding: ToolParamBinding, value: unknown): string {
  return serializeSimpleFamily(binding.name, value, binding.style, binding.explode, encodeRfc3986);
}

/** Serializes a header parameter (style simple); header values are not percent-encoded. */
export function serializeHeaderParam(binding: ToolParamBinding, value: unknown): string {
  return serializeSimpleFamily(binding.name, value, 'simple', binding.explode, (text) => text);
}

function serializeSimpleFamily(
  name: string,
  value: unknown,
  style: ToolParamBinding['style'],
  explode: boolean,
  encode: Encode,
): string {
  const prefix = style === 'label' ? '.' : '';
  if (style === 'matrix') return serializeMatrix(name, value, explode, encode);
  const separator = style === 'label' && explode ? '.' : ',';
  if (Array.isArray(value)) {
    return prefix + value.map((item) => encode(stringifyScalar(item))).join(separator);
  }
  if (isPlainObject(value)) {
    const entries = listEntries(value);
    const parts = explode
      ? entries.map(([key, item]) => `${encode(key)}=${encode(stringifyScalar(item))}`)
      : entries.flatMap(([key, item]) => [encode(key), encode(stringifyScalar(item))]);
    return prefix + parts.join(separator);
  }
  return prefix + encode(stringifyScalar(value));
}

function serializeMatrix(name: string, value: unknown, explode: boolean, encode: Encode): string {
  const key = encode(name);
  if (Array.isArray(value)) {
    if (value.length === 0) return `;${key}`;
    const items = value.map((item) => encode(stringifyScalar(item)));
    return explode ? items.map((item) => `;${key}=${item}`).join('') : `;${key}=${items.join(',')}`;
  }
  if (isPlainObject(value)) {
    const entries = listEntries(value);
    if (explode) return entries.map(([k, item]) => `;${encode(k)}=${encode(stringifyScalar(item))}`).join('');
    return `;${key}=${entries.flatMap(([k, item]) => [encode(k), encode(stringifyScalar(item))]).join(',')}`;
  }
  // RFC 6570 `{;x}`: an empty value is the name alone (`;color`), as in the OpenAPI style table.
  const text = stringifyScalar(value);
  return text === '' ? `;${key}` : `;${key}=${encode(text)}`;
}

/**
 * Serializes a query parameter into `key=value` pairs, already percent-encoded, to be joined
 * with `&`. Delimiters that are syntax (`,` between items, `&` between pairs) stay literal;
 * space and pipe delimiters are percent-encoded as in the OpenAPI 3.1.1 examples.
 */
export function serializeQueryParam(binding: ToolParamBinding, value: unknown): string[] {
  const encodeValue = binding.allowReserved ? encodeAllowReserved : encodeRfc3986;
  const key = encodeRfc3986(binding.name);
  const pair = (name: string, item: unknown) => `${name}=${encodeValue(stringifyScalar(item))}`;

  if (binding.style === 'deepObject' && isPlainObject(value)) {
    // OpenAPI leaves nesting undefined; indices (`c[tax_ids][0][type]`) are what bracket-parsing
    // servers (Stripe, Rails, qs) read as a list, as in form bodies.
    return flattenDeepObject(binding.name, value, { arrayIndices: true }).map(([path, item]) =>
      pair(encodeRfc3986(path), item),
    );
  }
  const delimiter =
    binding.style === 'spaceDelimited' ? '%20' : binding.style === 'pipeDelimited' ? '%7C' : ',';
  if (Array.isArray(value)) {
    if (binding.explode) return value.map((item) => pair(key, item));
    return [`${key}=${value.map((item) => encodeValue(stringifyScalar(item))).join(delimiter)}`];
  }
  if (isPlainObject(value)) {
    const entries = listEntries(value);
    if (binding.explode) return entries.map(([name, item]) => pair(encodeRfc3986(name), item));
    const flat = entries.flatMap(([name, item]) => [encodeValue(name), encodeValue(stringifyScalar(item))]);
    return [`${key}=${flat.join(delimiter)}`];
  }
  return [pair(key, value)];
}

/**
 * Flattens an object into bracketed paths (`filter[status]`, `filter[owner][id]`), the
 * deepObject convention. Arrays repeat the key, or with `arrayIndices` get one
 * (`items[0][price]`): form bodies need it, since repeated keys cannot say which item a nested
 * field belongs to.
 */
export function flattenDeepObject(
  prefix: string,
  value: unknown,
  options: { readonly arrayIndices?: boolean } = {},
): [string, unknown][] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) =>
      flattenDeepObject(options.arrayIndices ? `${prefix}[${i}]` : prefix, item, options),
    );
  }
  if (isPlainObject(value)) {
    return listEntries(value).flatMap(([key, item]) => flattenDeepObject(`${prefix}[${key}]`, item, options));
  }
  return [[prefix, value]];
}

/** Serializes a cookie parameter into `name=value` pairs, to be joined with `; `. */
export function serializeCookieParam(binding: ToolParamBinding, value: unknown): string[] {
  const name = binding.name;
  const encode = encodeRfc3986;
  if (Array.isArray(value)) {
    if (binding.explode) return value.map((item) => `${name}=${encode(stringifyScalar(item))}`);
    return [`${name}=${value.map((item) => encode(stringifyScalar(item))).join(',')}`];
  }
  if (isPlainObject(value)) {
    const entries = listEntries(value);
    if (binding.explode) return entries.map(([key, item]) => `${key}=${encode(stringifyScalar(item))}`);
    return [
      `${name}=${entries.flatMap(([key, item]) => [encode(key), encode(stringifyScalar(item))]).join(',')}`,
    ];
  }
  return [`${name}=${encode(stringifyScalar(value))}`];
}
