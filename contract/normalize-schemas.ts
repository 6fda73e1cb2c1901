/**
 * OpenAPI Schema Objects (3.0 and 3.1, Swagger 2.0 already converted) -> JSON Schema 2020-12 that
 * Ajv can validate with, for one direction: `input` (requests: readOnly properties are not required)
 * or `output` (responses: writeOnly ones are not). Every `$ref` becomes one shared `$defs` entry of a
 * schema registered under `contract:<direction>`, so a component is converted and compiled once per
 * run however many operations use it (large documents reference the same objects hundreds of times).
 * 3.0 `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`, `oneOf` with a discriminator
 * (validated as `anyOf`: the branches may overlap) and patterns JavaScript cannot compile are mapped;
 * annotations stay (examples feed the mock).
 */
import { isValidPattern, makeNullable } from '../generator/ir/json-schema.js';
import { isSchema } from './sample-values.js';

export type Direction = 'input' | 'output';

export interface SchemaNormalizer {
  /** `contract:input` or `contract:output`: the id the shared `$defs` are registered under. */
  readonly id: string;
  /** Normalized component schemas, keyed by `$defs` name. */
  readonly defs: Record<string, unknown>;
  normalize(schema: unknown): unknown;
}

const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
]);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/**
 * Kept as they are. Anything else (nullable, discriminator, xml, x-*, vendor keys, `$id`) is dropped:
 * Ajv walks unknown object-valued keys for ids, and an example object with an `$id` member would
 * then clash with another one.
 */
const DATA_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'default',
  'format',
  'multipleOf',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxContains',
  'minContains',
  'maxProperties',
  'minProperties',
  'dependentRequired',
  'contentEncoding',
  'contentMediaType',
  'title',
  'description',
  'deprecated',
  'readOnly',
  'writeOnly',
  'examples',
]);

export function createSchemaNormalizer(input: {
  readonly direction: Direction;
  readonly dialect: '3.0' | '3.1';
  readonly resolveRef: (ref: string) => unknown;
}): SchemaNormalizer {
  const id = `contract:${input.direction}`;
  const defs: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const hidden = input.direction === 'input' ? 'readOnly' : 'writeOnly';

  const defName = (ref: string): string => {
    let name = names.get(ref);
    if (name !== undefined) return name;
    const base = ref.replace(/^[^#]*#\/?/, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'root';
    name = base;
    for (let i = 2; Object.hasOwn(defs, name); i++) name = `${base}_${i}`;
    names.set(ref, name);
    defs[name] = {};
    const target = input.resolveRef(ref);
    defs[name] = target === undefined ? {} : normalize(target);
    return name;
  };

  const isHidden = (schema: unknown, depth = 0): boolean => {
    if (!isSchema(schema) || depth > 8) return false;
    if (schema[hidden] === true) return true;
    return typeof schema['$ref'] === 'string' && isHidden(input.resolveRef(schema['$ref']), depth + 1);
  };

  const normalize = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(normalize);
    if (!isSchema(node)) return node;
    if (typeof node['$ref'] === 'string') {
      const ref = { $ref: `${id}#/$defs/${defName(node['$ref'])}` };
      // 3.0 ignores a reference's siblings; 3.1 (JSON Schema) applies them too.
      if (input.dialect === '3.0') return ref;
      const { $ref: _ref, ...siblings } = node;
      return Object.keys(siblings).length === 0 ? ref : { ...(normalize(siblings) as object), ...ref };
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_KEYWORDS.has(key)) {
        // Draft-4 style tuple `items: [...]`.
        if (key === 'items' && Array.isArray(value)) out['prefixItems'] = value.map(normalize);
        else out[key] = normalize(value);
      } else if (SCHEMA_MAPS.has(key) && isSchema(value)) {
        out[key === 'definitions' ? '$defs' : key] = Object.fromEntries(
          Object.entries(value).map(([name, schema]) => [name, normalize(schema)]),
        );
      } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
        const discriminated = (key === 'oneOf' || key === 'anyOf') && isSchema(node['discriminator']);
        out[discriminated ? 'anyOf' : key] = discriminated
          ? value.map((branch) =>
              pinDiscriminator(branch, node['discriminator'] as Record<string, unknown>, normalize),
            )
          : value.map(normalize);
      } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        if (typeof value === 'number') out[key] = value;
      } else if (key === 'minimum' || key === 'maximum') {
        const exclusive = node[key === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'];
        out[exclusive === true ? (key === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum') : key] = value;
      } else if (key === 'pattern') {
        if (typeof value === 'string' && isValidPattern(value)) out[key] = value;
      } else if (key === 'type') {
        if (value !== 'file') out[key] = value;
      } else if (key === 'required' && Array.isArray(value)) {
        const properties = isSchema(node['properties']) ? node['properties'] : {};
        out[key] = value.filter((name) => !isHidden(properties[String(name)]));
      } else if (key === 'example') {
        // An array, which Ajv does not walk; the mock and the argument synthesis read it.
        if (!Array.isArray(node['examples'])) out['examples'] = [value];
      } else if (DATA_KEYWORDS.has(key)) out[key] = value;
    }
    return node['nullable'] === true ? makeNullable(out) : out;
  };

  return { id, defs, normalize };
}

/**
 * A discriminated branch also requires its mapping value on the discriminating property, as
 * OpenAPI's discriminator `mapping` means.
 */
function pinDiscriminator(
  branch: unknown,
  discriminator: Record<string, unknown>,
  normalize: (node: unknown) => unknown,
): unknown {
  const property = discriminator['propertyName'];
  const ref = isSchema(branch) ? branch['$ref'] : undefined;
  if (typeof property !== 'string' || typeof ref !== 'string') return normalize(branch);
  const mapping = isSchema(discriminator['mapping']) ? discriminator['mapping'] : {};
  // Only an explicit mapping: real documents rarely use the implicit one (the schema name) as the value.
  const value = Object.entries(mapping).find(([, target]) => target === ref)?.[0];
  if (value === undefined) return normalize(branch);
  return { allOf: [normalize(branch), { properties: { [property]: { const: value } } }] };
}
