/**
 * Values made up from a JSON Schema, for driving a tool without knowing its API: call arguments
 * (only scalars: strings, numbers, enums, booleans; a tool needing more is not picked) and a
 * response body for the mock upstream (objects and arrays too, required parts only).
 */
type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows local `#/$defs/...` references inside one tool schema. */
function resolve(schema: unknown, root: Schema, depth = 0): Schema | undefined {
  if (!isSchema(schema)) return schema === true ? {} : undefined;
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || depth > 16) return schema;
  const match = /^#\/\$defs\/(.+)$/.exec(ref);
  const defs = isSchema(root['$defs']) ? root['$defs'] : {};
  const target = match
    ? defs[decodeURIComponent(match[1]!).replace(/~1/g, '/').replace(/~0/g, '~')]
    : undefined;
  if (target === undefined) return undefined;
  const { $ref: _ref, ...siblings } = schema;
  const resolved = resolve(target, root, depth + 1);
  return resolved ? { ...resolved, ...siblings } : undefined;
}

const FORMATS: Record<string, string> = {
  'date-time': '2024-01-02T03:04:05Z',
  date: '2024-01-02',
  time: '03:04:05Z',
  email: 'someone@example.com',
  uri: 'https://example.com/x',
  url: 'https://example.com/x',
  uuid: '123e4567-e89b-42d3-a456-426614174000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
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

function sampleScalar(schema: Schema): { value: unknown } | undefined {
  if ('const' in schema) return { value: schema['const'] };
  if (Array.isArray(schema['enum'])) {
    const first = schema['enum'].find((v) => v !== null) ?? schema['enum'][0];
    return schema['enum'].length > 0 ? { value: first } : undefined;
  }
  if (schema['default'] !== undefined && typeof schema['default'] !== 'object')
    return { value: schema['default'] };
  const types = Array.isArray(schema['type']) ? schema['type'] : [schema['type']];
  const type = types.find((t) => t !== 'null');
  if (type === 'boolean') return { value: true };
  if (type === 'integer' || type === 'number') {
    const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
    const exclusive =
      typeof schema['exclusiveMinimum'] === 'number' ? schema['exclusiveMinimum'] + 1 : undefined;
    const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
    const value = Math.ceil(exclusive ?? min ?? Math.min(1, max ?? 1));
    return { value };
  }
  if (type === 'string') {
    const format = typeof schema['format'] === 'string' ? FORMATS[schema['format']] : undefined;
    const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
    const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Math.max(min, 64);
    const matches = typeof schema['pattern'] === 'string' ? compilePattern(schema['pattern']) : () => true;
    const value = [format, ...STRING_CANDIDATES]
      .filter((v): v is string => v !== undefined)
      .map((v) => (v.length < min ? v.padEnd(min, v.at(-1)) : v))
      .find((v) => v.length <= max && matches(v));
    return value === undefined ? undefined : { value };
  }
  return undefined;
}

/** Arguments for every required input property, or undefined when one is not a scalar. */
export function sampleArguments(inputSchema: unknown): Record<string, unknown> | undefined {
  if (!isSchema(inputSchema)) return undefined;
  const properties = isSchema(inputSchema['properties']) ? inputSchema['properties'] : {};
  const required = Array.isArray(inputSchema['required']) ? (inputSchema['required'] as string[]) : [];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const schema = resolve(properties[name], inputSchema);
    const branches = schema ? [schema, ...alternatives(schema).map((s) => resolve(s, inputSchema))] : [];
    const sample = branches.map((s) => (s ? sampleScalar(s) : undefined)).find((s) => s !== undefined);
    if (!sample) return undefined;
    args[name] = sample.value;
  }
  return args;
}

function alternatives(schema: Schema): unknown[] {
  return [schema['anyOf'], schema['oneOf']].flatMap((list) => (Array.isArray(list) ? list : []));
}

/** A value for a response schema: required properties only, empty arrays, first alternatives. */
export function sampleValue(schema: unknown, root: Schema, depth = 0): unknown {
  const resolved = resolve(schema, root);
  if (!resolved || depth > 12) return {};
  const scalar = sampleScalar(resolved);
  if (scalar) return scalar.value;
  if (Array.isArray(resolved['allOf'])) {
    const parts = resolved['allOf'].map((part) => sampleValue(part, root, depth + 1));
    const own = sampleValue({ ...resolved, allOf: undefined }, root, depth + 1);
    return [own, ...parts].every(isSchema) ? Object.assign({}, own, ...parts) : parts[0];
  }
  const branches = alternatives(resolved);
  if (branches.length > 0) return sampleValue(branches[0], root, depth + 1);
  const types = Array.isArray(resolved['type']) ? resolved['type'] : [resolved['type']];
  if (types.includes('array')) {
    const min = typeof resolved['minItems'] === 'number' ? resolved['minItems'] : 0;
    return Array.from({ length: min }, () => sampleValue(resolved['items'], root, depth + 1));
  }
  if (types.includes('object') || isSchema(resolved['properties'])) {
    const properties = isSchema(resolved['properties']) ? resolved['properties'] : {};
    const required = Array.isArray(resolved['required']) ? (resolved['required'] as string[]) : [];
    return Object.fromEntries(required.map((name) => [name, sampleValue(properties[name], root, depth + 1)]));
  }
  return {};
}
