/**
 * Values made up from a JSON Schema (the 2020-12 dialect of tool schemas and of the converted
 * OpenAPI schemas), small and deterministic: tool arguments for `contract`, and response bodies for
 * the mock upstream. Examples first, then values built from the keywords. Callers validate what
 * comes out (a pattern this cannot satisfy, a `not`, contradicting `allOf` parts) and say so.
 */
import { samplePattern } from './sample-pattern.js';

type Schema = Record<string, unknown>;

export interface SampleOptions {
  /** Optional object properties too (arrays then get one item); default: required ones only. */
  readonly optional?: boolean;
  /** A schema's own `examples[0]` / `example` / `default` wins over a made-up value. Default true. */
  readonly examples?: boolean;
}

const MAX_DEPTH = 12;
/** Below this depth optional properties are left out even when asked for: enough to cover them. */
const MAX_OPTIONAL_DEPTH = 4;

export const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows `#/$defs/...` references (or `<id>#/...`: the part after `#`) inside `root`. */
export function resolveLocalRef(schema: unknown, root: Schema, depth = 0): Schema | undefined {
  if (!isSchema(schema)) return schema === true ? {} : undefined;
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || depth > 16) return schema;
  const at = ref.indexOf('#/');
  const target = at >= 0 ? walkPointer(root, ref.slice(at + 2)) : undefined;
  if (target === undefined) return undefined;
  const { $ref: _ref, ...siblings } = schema;
  const resolved = resolveLocalRef(target, root, depth + 1);
  return resolved ? { ...resolved, ...siblings } : undefined;
}

function walkPointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/')) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

const FORMATS: Record<string, string> = {
  'date-time': '2024-01-02T03:04:05Z',
  date: '2024-01-02',
  time: '03:04:05Z',
  duration: 'P1D',
  email: 'someone@example.com',
  'idn-email': 'someone@example.com',
  uri: 'https://example.com/x',
  'uri-reference': 'https://example.com/x',
  iri: 'https://example.com/x',
  url: 'https://example.com/x',
  uuid: '123e4567-e89b-42d3-a456-426614174000',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  byte: 'c2FtcGxl',
  binary: 'sample',
  password: 'sample',
  regex: '^sample$',
  'json-pointer': '/sample',
  'uri-template': 'https://example.com/{x}',
};

/** Tried in order against a string's pattern and length: ids, codes, numbers, phone numbers. */
const STRING_CANDIDATES = [
  'sample',
  'SAMPLE1',
  'abc123',
  '12345',
  '14155550100',
  'a',
  'A',
  '1',
  'sample-1',
  'x_y',
  'sample.example',
  'ab:cd',
  'AB',
  '+14155550100',
  '#ffffff',
  '1.0.0',
];

/** A pattern that does not compile matches nothing: such a string is not made up. */
function compilePattern(pattern: string): (value: string) => boolean {
  try {
    const regexp = new RegExp(pattern, 'u');
    return (value) => regexp.test(value);
  } catch {
    return () => false;
  }
}

function typesOf(schema: Schema): unknown[] {
  return Array.isArray(schema['type']) ? schema['type'] : [schema['type']];
}

function exampleOf(schema: Schema): { value: unknown } | undefined {
  const examples = schema['examples'];
  if (Array.isArray(examples) && examples.length > 0) return { value: examples[0] };
  if (schema['example'] !== undefined) return { value: schema['example'] };
  if (schema['default'] !== undefined) return { value: schema['default'] };
  return undefined;
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
  const exclusiveMin =
    typeof schema['exclusiveMinimum'] === 'number' ? schema['exclusiveMinimum'] : undefined;
  const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
  const exclusiveMax =
    typeof schema['exclusiveMaximum'] === 'number' ? schema['exclusiveMaximum'] : undefined;
  const step =
    typeof schema['multipleOf'] === 'number' && schema['multipleOf'] > 0 ? schema['multipleOf'] : 0;
  let value = min ?? (exclusiveMin !== undefined ? exclusiveMin + (integer ? 1 : 0.5) : undefined) ?? 1;
  const upper = max ?? (exclusiveMax !== undefined ? exclusiveMax - (integer ? 1 : 0.5) : undefined);
  if (upper !== undefined && value > upper) value = upper;
  if (upper !== undefined && min === undefined && exclusiveMin === undefined) value = Math.min(1, upper);
  if (integer) value = Math.ceil(value);
  if (step > 0) value = Math.ceil(value / step) * step;
  return value;
}

function sampleString(schema: Schema): string | undefined {
  const format = typeof schema['format'] === 'string' ? FORMATS[schema['format']] : undefined;
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Math.max(min, 64);
  const pattern = typeof schema['pattern'] === 'string' ? schema['pattern'] : undefined;
  const matches = pattern !== undefined ? compilePattern(pattern) : () => true;
  const found = [format, ...STRING_CANDIDATES]
    .filter((v): v is string => v !== undefined)
    .map((v) => (v.length < min ? v.padEnd(min, v.at(-1)) : v))
    .find((v) => v.length <= max && matches(v));
  if (found !== undefined || pattern === undefined) return found;
  // Built from the pattern itself, longer when minLength asks for it.
  const short = samplePattern(pattern);
  if (short === undefined || short.length >= min)
    return short !== undefined && short.length <= max ? short : undefined;
  const long = samplePattern(pattern, min - short.length);
  return long !== undefined && long.length >= min && long.length <= max ? long : undefined;
}

/** A scalar for `schema` (const, enum, boolean, number, string), or undefined when it is not one. */
function sampleScalar(schema: Schema): { value: unknown } | undefined {
  if ('const' in schema) return { value: schema['const'] };
  if (Array.isArray(schema['enum'])) {
    const first = schema['enum'].find((v) => v !== null) ?? schema['enum'][0];
    return schema['enum'].length > 0 ? { value: first } : undefined;
  }
  const types = typesOf(schema);
  const type = types.find((t) => t !== 'null');
  if (type === 'boolean') return { value: true };
  if (type === 'integer' || type === 'number') return { value: sampleNumber(schema, type === 'integer') };
  if (type === 'string') {
    const value = sampleString(schema);
    return value === undefined ? undefined : { value };
  }
  if (type === undefined && types.includes('null')) return { value: null };
  return undefined;
}

function alternatives(schema: Schema): unknown[] {
  return [schema['anyOf'], schema['oneOf']].flatMap((list) => (Array.isArray(list) ? list : []));
}

/**
 * Arguments for every required input property when each is a scalar, else undefined: the
 * cheapest call a tool accepts (the corpus test calls one tool per document with it).
 */
export function sampleArguments(inputSchema: unknown): Record<string, unknown> | undefined {
  if (!isSchema(inputSchema)) return undefined;
  const properties = isSchema(inputSchema['properties']) ? inputSchema['properties'] : {};
  const required = Array.isArray(inputSchema['required']) ? (inputSchema['required'] as string[]) : [];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const schema = resolveLocalRef(properties[name], inputSchema);
    const branches = schema
      ? [schema, ...alternatives(schema).map((s) => resolveLocalRef(s, inputSchema))]
      : [];
    const sample = branches
      .map((s) => (s ? (exampleScalar(s) ?? sampleScalar(s)) : undefined))
      .find((s) => s !== undefined);
    if (!sample) return undefined;
    args[name] = sample.value;
  }
  return args;
}

function exampleScalar(schema: Schema): { value: unknown } | undefined {
  const example = exampleOf(schema);
  return example && (example.value === null || typeof example.value !== 'object') ? example : undefined;
}

/** A value for `schema`; references resolve inside `root` (the tool schema or the whole document). */
export function sampleValue(schema: unknown, root: Schema, options: SampleOptions = {}, depth = 0): unknown {
  const resolved = resolveLocalRef(schema, root);
  if (!resolved || depth > MAX_DEPTH) return {};
  if (options.examples !== false) {
    const example = exampleOf(resolved);
    if (example) return example.value;
  }
  const scalar = sampleScalar(resolved);
  if (scalar) return scalar.value;
  if (Array.isArray(resolved['allOf'])) {
    const { allOf: _allOf, ...own } = resolved;
    const parts = [own, ...resolved['allOf']].map((part) => sampleValue(part, root, options, depth + 1));
    const objects = parts.filter(isSchema);
    return objects.length > 0 ? Object.assign({}, ...objects) : parts[1];
  }
  const branches = alternatives(resolved);
  if (branches.length > 0) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...own } = resolved;
    const branch = pickBranch(branches, own, root);
    const chosen = resolveLocalRef(branch, root) ?? {};
    if (isConstraintOnly(chosen) && isSchema(own['properties'])) {
      // `oneOf: [{required: [url]}, {required: [content_base64]}]` (file arguments): the object is
      // made from its own properties with the chosen branch's required ones, and a property only
      // another oneOf branch requires is left out, so exactly one branch matches.
      const required = [...requiredOf(own), ...requiredOf(chosen)];
      const value = sampleValue({ ...own, required: [...new Set(required)] }, root, options, depth + 1);
      if (!isSchema(value) || !Array.isArray(resolved['oneOf'])) return value;
      const others = resolved['oneOf']
        .filter((b) => b !== branch)
        .flatMap((b) => requiredOf(resolveLocalRef(b, root) ?? {}));
      for (const name of others) if (!required.includes(name)) delete value[name];
      return value;
    }
    const base = sampleValue(branch, root, options, depth + 1);
    const extra = Object.keys(own).some((k) => k === 'properties' || k === 'required')
      ? sampleValue(own, root, options, depth + 1)
      : undefined;
    return isSchema(base) && isSchema(extra) ? { ...extra, ...base } : base;
  }
  const types = typesOf(resolved);
  const optional = options.optional === true && depth < MAX_OPTIONAL_DEPTH;
  if (types.includes('array') || resolved['items'] !== undefined || Array.isArray(resolved['prefixItems'])) {
    const min = typeof resolved['minItems'] === 'number' ? resolved['minItems'] : 0;
    const max = typeof resolved['maxItems'] === 'number' ? resolved['maxItems'] : Number.POSITIVE_INFINITY;
    const prefix = Array.isArray(resolved['prefixItems']) ? resolved['prefixItems'] : [];
    // One item even when none is required: an empty list checks nothing (and a required array
    // parameter sent empty is not sent at all).
    const length = Math.min(max, Math.max(min, 1, prefix.length));
    const items = Array.from({ length }, (_, i) =>
      sampleValue(i < prefix.length ? prefix[i] : resolved['items'], root, options, depth + 1),
    );
    return resolved['uniqueItems'] === true ? uniqueItems(items) : items;
  }
  if (types.includes('object') || isSchema(resolved['properties']) || types[0] === undefined) {
    const properties = isSchema(resolved['properties']) ? resolved['properties'] : {};
    const required = Array.isArray(resolved['required']) ? (resolved['required'] as string[]) : [];
    const names = optional ? [...new Set([...required, ...Object.keys(properties)])] : required;
    // minProperties (a required form-encoded object, which empty would not be sent): listed ones first.
    const atLeast = typeof resolved['minProperties'] === 'number' ? resolved['minProperties'] : 0;
    for (const name of Object.keys(properties))
      if (names.length < atLeast && !names.includes(name)) names.push(name);
    const extra = resolved['additionalProperties'];
    if (names.length < atLeast && extra !== false) {
      const made: Record<string, unknown> = Object.fromEntries(
        names.map((name) => [name, sampleValue(properties[name] ?? {}, root, options, depth + 1)]),
      );
      for (let i = 1; Object.keys(made).length < atLeast; i++)
        made[`key${i}`] = sampleValue(isSchema(extra) ? extra : {}, root, options, depth + 1);
      return made;
    }
    if (types[0] === undefined && names.length === 0 && !isSchema(resolved['properties'])) {
      // No type at all: anything goes, unless the keywords say it is an object.
      const objectLike =
        resolved['additionalProperties'] !== undefined || resolved['patternProperties'] !== undefined;
      return objectLike ? {} : 'sample';
    }
    return Object.fromEntries(
      names.map((name) => [name, sampleValue(properties[name] ?? {}, root, options, depth + 1)]),
    );
  }
  return {};
}

function requiredOf(schema: Schema): string[] {
  return Array.isArray(schema['required']) ? schema['required'].filter((n) => typeof n === 'string') : [];
}

/** A branch that only constrains its parent (`{required: [...]}`): no type, properties or values. */
function isConstraintOnly(schema: Schema): boolean {
  return Object.keys(schema).every((key) => key === 'required' || key === 'description' || key === 'title');
}

/**
 * The branch a value is made for: not just `null` (a nullable value is shown with content), and not
 * one that requires a URL property while another does not: a made-up URL is a download the runtime
 * would attempt (a file argument takes `url` or `content_base64`; the bytes are sent instead).
 */
function pickBranch(branches: readonly unknown[], own: Schema, root: Schema): unknown {
  const properties = isSchema(own['properties']) ? own['properties'] : {};
  const usable = branches.filter((b) => {
    const r = resolveLocalRef(b, root);
    return r !== undefined && !(typesOf(r).length === 1 && r['type'] === 'null');
  });
  const withoutUrl = usable.filter((b) =>
    requiredOf(resolveLocalRef(b, root) ?? {}).every((name) => {
      const property = resolveLocalRef(properties[name], root);
      return property === undefined || !['uri', 'url', 'iri'].includes(String(property['format']));
    }),
  );
  return withoutUrl[0] ?? usable[0] ?? branches[0];
}

/** Equal made-up items would break `uniqueItems`: keep one. */
function uniqueItems(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
