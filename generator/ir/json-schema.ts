/**
 * OpenAPI Schema Objects (3.0 and 3.1 dialects) -> JSON Schema 2020-12, the
 * dialect MCP tool schemas use. Pure: references are followed through
 * `resolveRef`; recursive schemas become `$defs` entries instead of being
 * inlined without end; everything else is inlined so each tool schema stands alone.
 */
import type { JsonSchema } from './types.js';

export type SchemaMode = 'input' | 'output';

export interface SchemaContext {
  readonly dialect: '3.0' | '3.1';
  readonly mode: SchemaMode;
  /** Follows an internal `$ref`; undefined when it does not resolve (the loader reported it). */
  readonly resolveRef: (ref: string) => unknown;
  /** Recursive schemas, keyed by component name; shared across one tool's input or output schema. */
  readonly defs: Map<string, JsonSchema>;
  readonly maxDepth: number;
  /** Longest description kept, in characters. */
  readonly maxDescription: number;
  /** Called once per schema nested deeper than maxDepth. */
  readonly onTooDeep?: (pointer: string) => void;
}

export function createSchemaContext(
  input: Pick<SchemaContext, 'dialect' | 'mode' | 'resolveRef'> & Partial<SchemaContext>,
): SchemaContext {
  return { defs: new Map(), maxDepth: 64, maxDescription: 1000, ...input };
}

/** Keywords dropped from output: OpenAPI-only, or noise to a model. */
const DROPPED_KEYWORDS = new Set([
  'discriminator',
  'xml',
  'externalDocs',
  'example',
  'nullable',
  'readOnly',
  'writeOnly',
  '$schema',
  '$id',
  'id',
]);

/** Keywords whose value is data, not a schema: copied verbatim. */
const DATA_KEYWORDS = new Set([
  'enum',
  'const',
  'default',
  'examples',
  'required',
  'type',
  'format',
  'pattern',
]);

const SCHEMA_MAP_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
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

const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/';

export function convertSchema(schema: unknown, ctx: SchemaContext): JsonSchema {
  return convertNode(schema, ctx, [], 0, '');
}

/** Name of the `$defs` entry for a component reference. */
export function defName(ref: string): string {
  const raw = ref.startsWith(COMPONENT_SCHEMA_PREFIX)
    ? ref.slice(COMPONENT_SCHEMA_PREFIX.length)
    : ref.replace(/^#\//, '');
  return decodeURIComponent(raw)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~')
    .replace(/[^A-Za-z0-9_.-]+/g, '_');
}

function convertNode(
  node: unknown,
  ctx: SchemaContext,
  stack: string[],
  depth: number,
  pointer: string,
): JsonSchema {
  if (typeof node === 'boolean') return node;
  if (!isObject(node)) return {};
  if (depth > ctx.maxDepth) {
    ctx.onTooDeep?.(pointer);
    return {};
  }
  const ref = node['$ref'];
  if (typeof ref === 'string') return convertRef(ref, node, ctx, stack, depth, pointer);

  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'description' || key === 'title') {
      if (typeof value === 'string' && value.trim()) out[key] = trimText(value, ctx.maxDescription);
    } else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      const map: Record<string, JsonSchema> = {};
      for (const [name, sub] of Object.entries(value)) {
        if (key === 'properties' && isHiddenInMode(sub, ctx)) continue;
        map[name] = convertNode(sub, ctx, stack, depth + 1, `${pointer}/${key}/${escapePointer(name)}`);
      }
      out[key] = map;
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub, i) => convertNode(sub, ctx, stack, depth + 1, `${pointer}/${key}/${i}`));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      if (key === 'items' && Array.isArray(value)) {
        // Draft 4-style tuple `items: [...]` -> 2020-12 prefixItems.
        out['prefixItems'] = value.map((sub, i) =>
          convertNode(sub, ctx, stack, depth + 1, `${pointer}/items/${i}`),
        );
      } else {
        out[key] = convertNode(value, ctx, stack, depth + 1, `${pointer}/${key}`);
      }
    } else if (DATA_KEYWORDS.has(key)) {
      out[key] = value;
    } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      applyExclusiveBound(out, node, key, value);
    } else if (key === 'minimum' || key === 'maximum') {
      // Handled together with the 3.0 boolean exclusive bound.
      if (!(node[key === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'] === true)) out[key] = value;
    } else {
      out[key] = value;
    }
  }
  if (Array.isArray(out['required']) && isObject(out['properties'])) {
    const props = out['properties'];
    const kept = (out['required'] as unknown[]).filter(
      (r): r is string => typeof r === 'string' && r in props,
    );
    if (kept.length > 0) out['required'] = kept;
    else delete out['required'];
  }
  if (node['example'] !== undefined && out['examples'] === undefined) out['examples'] = [node['example']];
  if (ctx.mode === 'output' && out['additionalProperties'] === false) {
    // Real APIs add fields before their documents say so; a strict output schema would turn that into a failure.
    delete out['additionalProperties'];
  }
  if (node['nullable'] === true) return makeNullable(out);
  if (node['deprecated'] === true && typeof out['description'] === 'string') {
    out['description'] = `Deprecated. ${out['description']}`;
  }
  return out;
}

function convertRef(
  ref: string,
  node: Record<string, unknown>,
  ctx: SchemaContext,
  stack: string[],
  depth: number,
  pointer: string,
): JsonSchema {
  const name = defName(ref);
  const nullable = node['nullable'] === true;
  const siblings = Object.keys(node).filter((k) => k !== '$ref' && k !== 'nullable' && !k.startsWith('x-'));
  const wrap = (target: JsonSchema): JsonSchema => {
    // 3.1 allows keywords beside $ref (description, default); keep them around the target.
    const rest =
      siblings.length > 0
        ? (convertNode(
            Object.fromEntries(siblings.map((k) => [k, node[k]])),
            ctx,
            stack,
            depth + 1,
            pointer,
          ) as Record<string, unknown>)
        : {};
    const combined: JsonSchema = Object.keys(rest).length > 0 ? { ...rest, allOf: [target] } : target;
    return nullable && typeof combined === 'object' ? makeNullable(combined) : combined;
  };
  if (ctx.defs.has(name)) return wrap({ $ref: `#/$defs/${name}` });
  const target = ctx.resolveRef(ref);
  if (target === undefined) return wrap({});
  if (stack.includes(name)) {
    // A cycle: give the component a $defs entry, converted once, and point at it.
    ctx.defs.set(name, {});
    ctx.defs.set(name, convertNode(target, ctx, [name], depth + 1, ref.slice(1)));
    return wrap({ $ref: `#/$defs/${name}` });
  }
  return wrap(convertNode(target, ctx, [...stack, name], depth + 1, ref.slice(1)));
}

function isHiddenInMode(schema: unknown, ctx: SchemaContext): boolean {
  if (!isObject(schema)) return false;
  const resolved = typeof schema['$ref'] === 'string' ? ctx.resolveRef(schema['$ref']) : schema;
  const own = schema;
  const flag = (key: string) => own[key] === true || (isObject(resolved) && resolved[key] === true);
  return ctx.mode === 'input' ? flag('readOnly') : flag('writeOnly');
}

function applyExclusiveBound(
  out: Record<string, unknown>,
  node: Record<string, unknown>,
  key: 'exclusiveMinimum' | 'exclusiveMaximum',
  value: unknown,
): void {
  if (typeof value === 'number') out[key] = value;
  else if (value === true) {
    const bound = node[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
    if (typeof bound === 'number') out[key] = bound;
  }
}

function makeNullable(schema: Record<string, unknown>): JsonSchema {
  const type = schema['type'];
  if (typeof type === 'string') return { ...schema, type: type === 'null' ? 'null' : [type, 'null'] };
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: [...type, 'null'] };
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(null)) {
    return { anyOf: [schema, { type: 'null' }] };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** Whole-sentence trimming keeps descriptions readable when they exceed the budget. */
export function trimText(text: string, max: number): string {
  const clean = text.replace(/\r\n?/g, '\n').trim();
  if (clean.length <= max) return clean;
  const head = clean.slice(0, max - 1);
  const sentence = head.lastIndexOf('. ');
  return `${sentence > max / 2 ? head.slice(0, sentence + 1) : head.trimEnd()}…`;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Attaches collected `$defs` to a root schema (sorted for stable output). */
export function withDefs(root: Record<string, unknown>, defs: Map<string, JsonSchema>): JsonSchema {
  if (defs.size === 0) return root;
  const sorted = Object.fromEntries([...defs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...root, $defs: sorted };
}
