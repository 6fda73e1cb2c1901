/**
 * OpenAPI Schema Objects (3.0 and 3.1 dialects) -> JSON Schema 2020-12, the
 * dialect MCP tool schemas use, kept lean because every byte is read by a model
 * on every `tools/list`. Pure: references are followed through `resolveRef`.
 *
 * Each tool schema stands alone. A component used once is inlined where it is used;
 * one used more than once (or recursively) becomes one `$defs` entry that every use
 * points at. `planSchemas` counts the uses before anything is converted, walking
 * exactly what the conversion will emit, so each schema body appears once.
 */
import type { JsonSchema } from './types.js';

export type SchemaMode = 'input' | 'output';

export interface SchemaContext {
  readonly dialect: '3.0' | '3.1';
  readonly mode: SchemaMode;
  /** Follows an internal `$ref`; undefined when it does not resolve (the loader reported it). */
  readonly resolveRef: (ref: string) => unknown;
  /** `$defs` of one tool's input or output schema, keyed by def name. */
  readonly defs: Map<string, JsonSchema>;
  /** Nesting beyond this is reported through `onTooDeep` and cut. */
  readonly maxDepth: number;
  /** Longest description kept, in characters. */
  readonly maxDescription: number;
  /**
   * Objects and arrays nested deeper than this many data levels (properties, items)
   * keep only their type and description. Outputs matter less to a model than inputs.
   */
  readonly maxDataDepth: number;
  /**
   * Inputs over the byte budget are converted again with less: 0 = full text budgets,
   * 1 = nested text shorter and none below two levels, 2 = arguments' text only,
   * 3 = also objects nested deeper than INPUT_MAX_DATA_DEPTH left open (type only).
   */
  readonly squeeze: 0 | 1 | 2 | 3;
  /**
   * Stops the conversion (throws SchemaTooLarge) before converting anything once planning it
   * shows the result would pass this many bytes: a caller that would throw an oversized result
   * away need not build it.
   */
  readonly abortAboveBytes?: number;
  /** Called once per schema nested deeper than maxDepth. */
  readonly onTooDeep?: (pointer: string) => void;
  /** Called for each `pattern` that is not a valid Unicode regular expression (it is dropped). */
  readonly onInvalidPattern?: (pointer: string, pattern: string) => void;
  /** Called for an object schema that requires names it forbids (see findForbiddenRequired). */
  readonly onUnsatisfiable?: (pointer: string, names: readonly string[]) => void;
  /** Conversion state: the plan of `$defs` and caches. */
  readonly state: SchemaState;
}

interface SchemaState {
  plan?: DefPlan;
  readonly merged: WeakMap<object, Record<string, unknown>>;
  tooDeepReported: boolean;
  /** Bytes planSchemas counted so far (a lower bound of the result's size), for abortAboveBytes. */
  planned: number;
}

/** Thrown when a conversion passes its context's abortAboveBytes. */
export class SchemaTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`the converted schema passed ${bytes} bytes`);
  }
}

interface DefPlan {
  /** Reference -> `$defs` name, for components used more than once. */
  readonly names: Map<string, string>;
  /** Reference -> the shallowest data depth it is used at; a def is converted there. */
  readonly minDepth: Map<string, number>;
}

/** Description budgets, in characters: arguments read closely, nested and output text less so. */
export const DESCRIPTION_BUDGET = {
  argument: 600,
  input: 300,
  output: 200,
  nested: 120,
} as const;
/** Output data levels kept in full (root object = 0): `{data: [{customer: {address: {...}}}]}`. */
export const OUTPUT_MAX_DATA_DEPTH = 3;
/** Bytes an output schema may take before its depth cap is lowered (build-output). */
export const OUTPUT_SCHEMA_BUDGET = 16_384;
/**
 * Input data levels kept when nothing else brings an input under its budget: what is nested
 * deeper (a Kubernetes pod spec inside a workflow inside a request) is left to the model's own
 * knowledge and the platform's validation.
 */
export const INPUT_MAX_DATA_DEPTH = 4;
/** Bytes an input schema may take before its nested descriptions are squeezed (build-input). */
export const INPUT_SCHEMA_BUDGET = 32_768;
/** A def this small with no references inside is inlined back: a `$ref` would cost as much. */
const SMALL_DEF_BYTES = 100;

export function createSchemaContext(
  input: Pick<SchemaContext, 'dialect' | 'mode' | 'resolveRef'> &
    Partial<Omit<SchemaContext, 'state' | 'dialect' | 'mode' | 'resolveRef'>>,
): SchemaContext {
  const output = input.mode === 'output';
  return {
    defs: new Map(),
    maxDepth: 64,
    maxDescription: output ? DESCRIPTION_BUDGET.output : DESCRIPTION_BUDGET.input,
    maxDataDepth: output
      ? OUTPUT_MAX_DATA_DEPTH
      : input.squeeze === 3
        ? INPUT_MAX_DATA_DEPTH
        : Number.POSITIVE_INFINITY,
    squeeze: 0,
    ...input,
    state: { merged: mergedCacheFor(input.resolveRef, input.mode), tooDeepReported: false, planned: 0 },
  };
}

/**
 * Merged allOf / expanded discriminator nodes depend only on the node, the mode (an output
 * discriminator stays open, see expandDiscriminator) and the document the references resolve in,
 * so tools of one document share them (keyed by the resolver and the mode).
 */
const mergedCaches = new WeakMap<object, Map<SchemaMode, WeakMap<object, Record<string, unknown>>>>();
function mergedCacheFor(
  resolveRef: (ref: string) => unknown,
  mode: SchemaMode,
): WeakMap<object, Record<string, unknown>> {
  let byMode = mergedCaches.get(resolveRef);
  if (byMode === undefined) {
    byMode = new Map();
    mergedCaches.set(resolveRef, byMode);
  }
  let cache = byMode.get(mode);
  if (cache === undefined) {
    cache = new WeakMap();
    byMode.set(mode, cache);
  }
  return cache;
}

/** Keywords whose value is data, copied as it is. Anything not listed here or handled below is dropped. */
const DATA_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'default',
  'required',
  'format',
  'pattern',
  'contentEncoding',
  'contentMediaType',
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
  'deprecated',
]);
/** Maps of name -> schema; `properties` and `patternProperties` are a data level deeper. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
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
]);
/**
 * Child keywords one data level deeper, for the output depth cap: object members. Array items
 * are not a level, so a list's items count as deep as a single result's fields.
 */
const DATA_LEVEL_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
]);
/** Keywords an `allOf` part may carry and still be merged into one object schema. */
const MERGEABLE_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'description',
  'title',
  'additionalProperties',
  'example',
  'examples',
  'discriminator',
  'deprecated',
  'nullable',
  'readOnly',
  'writeOnly',
  'externalDocs',
  'xml',
  'minProperties',
  'maxProperties',
]);

const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/';

interface Frame {
  /** References being inlined, outermost first: a repeat is a cycle. */
  readonly stack: readonly string[];
  /** Recursion level, for the maxDepth guard. */
  readonly level: number;
  /** Data nesting level, for the output depth cap. */
  readonly depth: number;
  readonly pointer: string;
  /** Property name of this schema, when it is one (a title that only repeats it is noise). */
  readonly name?: string;
}

/**
 * Counts the uses of every component reachable from `roots` (all the schemas that
 * make up one tool schema), so `convertSchema` knows which ones become `$defs`.
 * Optional: `convertSchema` plans its own schema alone when this was not called.
 */
export function planSchemas(ctx: SchemaContext, roots: readonly unknown[]): void {
  const uses = new Map<string, number>();
  const minDepth = new Map<string, number>();
  const buckets: string[][] = [];
  const site = (ref: string, depth: number) => {
    uses.set(ref, (uses.get(ref) ?? 0) + 1);
    const bucket = buckets[depth];
    if (bucket) bucket.push(ref);
    else buckets[depth] = [ref];
  };
  for (const root of roots) scanNode(root, ctx, 0, 0, site);
  // Breadth-first by data depth: a component is scanned once, at the shallowest depth it is
  // used, which is where its def (or its only inlined copy) is converted.
  for (let depth = 0; depth < buckets.length; depth++) {
    const bucket = buckets[depth] ?? [];
    for (let i = 0; i < bucket.length; i++) {
      const ref = bucket[i]!;
      if (minDepth.has(ref)) continue;
      minDepth.set(ref, depth);
      const target = ctx.resolveRef(ref);
      if (target !== undefined) scanNode(target, ctx, depth, 1, site, true);
    }
  }
  const shared = [...uses.entries()]
    .filter(([, count]) => count > 1)
    .map(([ref]) => ref)
    .sort();
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const ref of shared) {
    let name = defName(ref);
    for (let i = 2; taken.has(name); i++) name = `${defName(ref)}_${i}`;
    taken.add(name);
    names.set(ref, name);
  }
  ctx.state.plan = { names, minDepth };
}

function scanNode(
  node: unknown,
  ctx: SchemaContext,
  depth: number,
  level: number,
  site: (ref: string, depth: number) => void,
  /** A referenced schema: a description beside the reference may replace its own. */
  isTarget = false,
): void {
  if (!isObject(node) || level > ctx.maxDepth) return;
  const normalized = normalizeNode(node, ctx);
  if (typeof normalized['$ref'] === 'string') {
    // The reference itself; its siblings are counted where they are scanned.
    if (ctx.abortAboveBytes !== undefined) countPlanned(ctx, 2);
    if (depth <= ctx.maxDataDepth) site(normalized['$ref'], depth);
    const siblings = Object.entries(normalized).filter(([key]) => key !== '$ref');
    if (siblings.length > 0) scanNode(Object.fromEntries(siblings), ctx, depth, level + 1, site);
    return;
  }
  const summarized = depth > ctx.maxDataDepth && isStructured(normalized);
  if (ctx.abortAboveBytes !== undefined) {
    countPlanned(
      ctx,
      plannedBytes(normalized, ctx, depth, { description: !isTarget, properties: !summarized }),
    );
  }
  if (summarized) return;
  forEachChild(normalized, ctx, (child, dataLevel) => {
    scanNode(child, ctx, depth + (dataLevel ? 1 : 0), level + 1, site);
  });
}

/**
 * What a planned node adds to the result at least: `{}`, the part of its description no
 * trimming at its depth cuts (trimText keeps at least half the budget) unless a description
 * beside a reference to it may take its place, and `"name":` of each property it keeps (none
 * when the depth cap summarizes it).
 */
function plannedBytes(
  node: Record<string, unknown>,
  ctx: SchemaContext,
  depth: number,
  count: { readonly description: boolean; readonly properties: boolean },
): number {
  const description =
    count.description && typeof node['description'] === 'string' ? node['description'].trim().length : 0;
  const kept = Math.min(description, Math.floor(descriptionBudget(ctx, depth) / 2));
  return 2 + kept + (count.properties ? propertyKeyBytes(node, ctx) : 0);
}

function countPlanned(ctx: SchemaContext, bytes: number): void {
  ctx.state.planned += bytes;
  if (ctx.state.planned > (ctx.abortAboveBytes ?? Number.POSITIVE_INFINITY)) {
    throw new SchemaTooLarge(ctx.state.planned);
  }
}

/** `"name":` of each property the conversion keeps; nothing beyond the depth cap, where objects are summarized. */
function propertyKeyBytes(node: Record<string, unknown>, ctx: SchemaContext): number {
  const properties = node['properties'];
  if (!isObject(properties)) return 0;
  let bytes = 0;
  for (const [key, sub] of Object.entries(properties)) if (!isHiddenInMode(sub, ctx)) bytes += key.length + 3;
  return bytes;
}

/** Visits every subschema the conversion will keep (hidden properties skipped). */
function forEachChild(
  node: Record<string, unknown>,
  ctx: SchemaContext,
  visit: (child: unknown, dataLevel: boolean) => void,
): void {
  for (const [key, value] of Object.entries(node)) {
    const dataLevel = DATA_LEVEL_KEYWORDS.has(key);
    if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      for (const sub of Object.values(value)) {
        if (key === 'properties' && isHiddenInMode(sub, ctx)) continue;
        visit(sub, dataLevel);
      }
    } else if ((SCHEMA_LIST_KEYWORDS.has(key) || key === 'items') && Array.isArray(value)) {
      for (const sub of value) visit(sub, dataLevel);
    } else if (SCHEMA_KEYWORDS.has(key)) {
      visit(value, dataLevel);
    }
  }
}

/** `pointer`: where `schema` sits in the document, for diagnostics. */
export function convertSchema(schema: unknown, ctx: SchemaContext, pointer = ''): JsonSchema {
  if (ctx.state.plan === undefined) planSchemas(ctx, [schema]);
  return convertNode(schema, ctx, { stack: [], level: 0, depth: 0, pointer });
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

function convertNode(node: unknown, ctx: SchemaContext, frame: Frame): JsonSchema {
  if (typeof node === 'boolean') return node;
  if (!isObject(node)) return {};
  if (frame.level > ctx.maxDepth) {
    if (!ctx.state.tooDeepReported) ctx.onTooDeep?.(frame.pointer);
    ctx.state.tooDeepReported = true;
    return {};
  }
  const source = normalizeNode(node, ctx);
  if (typeof source['$ref'] === 'string') return convertRef(source['$ref'], source, ctx, frame);
  if (frame.depth > ctx.maxDataDepth && isStructured(source)) return summarize(source, ctx, frame);

  const out: Record<string, unknown> = {};
  const child = (sub: unknown, key: string, suffix: string, name?: string): JsonSchema =>
    convertNode(sub, ctx, {
      stack: frame.stack,
      level: frame.level + 1,
      depth: frame.depth + (DATA_LEVEL_KEYWORDS.has(key) ? 1 : 0),
      pointer: `${frame.pointer}/${suffix}`,
      ...(name !== undefined && { name }),
    });
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('x-')) continue;
    if (key === 'description' || key === 'title') {
      // Holds the keyword's place, so text stays where the document wrote it; filled in below.
      out[key] = undefined;
    } else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      const map: Record<string, JsonSchema> = {};
      for (const [name, sub] of Object.entries(value)) {
        if (key === 'properties' && isHiddenInMode(sub, ctx)) continue;
        map[name] = child(sub, key, `${key}/${escapePointer(name)}`, key === 'properties' ? name : undefined);
      }
      out[key] = map;
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub, i) => child(sub, key, `${key}/${i}`));
    } else if (key === 'items' && Array.isArray(value)) {
      // Draft 4-style tuple `items: [...]` -> 2020-12 prefixItems.
      out['prefixItems'] = value.map((sub, i) => child(sub, key, `items/${i}`));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = child(value, key, key);
    } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      applyExclusiveBound(out, source, key, value);
    } else if (key === 'minimum' || key === 'maximum') {
      // Handled together with the 3.0 boolean exclusive bound.
      if (source[key === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'] !== true) out[key] = value;
    } else if (DATA_KEYWORDS.has(key)) {
      out[key] = value;
    }
  }
  applyText(out, source, ctx, frame);
  const example = firstExample(source);
  if (example !== undefined) out['examples'] = [example];
  const forbidden = findForbiddenRequired(source);
  if (forbidden.length > 0) ctx.onUnsatisfiable?.(frame.pointer, forbidden);
  if (Array.isArray(out['required'])) {
    const props = isObject(out['properties']) ? out['properties'] : undefined;
    const kept = [
      ...new Set(
        (out['required'] as unknown[]).filter(
          (r): r is string => typeof r === 'string' && (props === undefined || r in props),
        ),
      ),
    ];
    if (kept.length > 0) out['required'] = kept;
    else delete out['required'];
  }
  if (typeof out['pattern'] === 'string' && !isValidPattern(out['pattern'])) {
    // A validator compiles patterns as Unicode regular expressions; one that does not compile would
    // stop the server from starting, so it is dropped (the platform still checks the value).
    ctx.onInvalidPattern?.(frame.pointer, out['pattern']);
    delete out['pattern'];
  }
  if (ctx.mode === 'output' && out['additionalProperties'] === false) {
    // Real APIs add fields before their documents say so; a strict output schema would turn that into a failure.
    delete out['additionalProperties'];
  }
  applyDiscriminator(out, source, ctx);
  if (source['deprecated'] === true && typeof out['description'] === 'string') {
    out['description'] = `Deprecated. ${out['description']}`;
  }
  if (source['nullable'] === true) return makeNullable(out);
  return out;
}

function convertRef(
  ref: string,
  node: Record<string, unknown>,
  ctx: SchemaContext,
  frame: Frame,
): JsonSchema {
  const siblings = Object.keys(node).filter((k) => k !== '$ref' && k !== 'nullable' && !k.startsWith('x-'));
  // 3.1 allows keywords beside $ref (description, default); 3.0 documents use them anyway.
  const rest =
    siblings.length > 0
      ? (convertNode(Object.fromEntries(siblings.map((k) => [k, node[k]])), ctx, frame) as Record<
          string,
          unknown
        >)
      : {};
  const finish = (core: JsonSchema): JsonSchema => {
    const combined = combineWithSiblings(core, rest);
    return node['nullable'] === true && typeof combined === 'object' ? makeNullable(combined) : combined;
  };
  const target = ctx.resolveRef(ref);
  if (target === undefined) return finish({});
  if (frame.depth > ctx.maxDataDepth) {
    const resolved = isObject(target) ? resolveChain(target, ctx) : target;
    if (!isObject(resolved)) return finish({});
    const normalized = normalizeNode(resolved, ctx);
    return finish(
      isStructured(normalized) ? summarize(normalized, ctx, frame) : convertNode(normalized, ctx, frame),
    );
  }
  const plan = ctx.state.plan;
  let name = plan?.names.get(ref);
  if (name === undefined && frame.stack.includes(ref)) {
    // A cycle the plan did not see (a schema converted on its own): give it a def now.
    name = defName(ref);
    plan?.names.set(ref, name);
  }
  if (name === undefined) {
    return finish(
      convertNode(target, ctx, {
        stack: [...frame.stack, ref],
        level: frame.level + 1,
        depth: frame.depth,
        pointer: ref.slice(1),
        ...(frame.name !== undefined && { name: frame.name }),
      }),
    );
  }
  if (!ctx.defs.has(name)) {
    ctx.defs.set(name, {});
    ctx.defs.set(
      name,
      convertNode(target, ctx, {
        stack: [ref],
        level: frame.level + 1,
        depth: plan?.minDepth.get(ref) ?? frame.depth,
        pointer: ref.slice(1),
      }),
    );
  }
  return finish({ $ref: `#/$defs/${name}` });
}

/** Keywords beside a `$ref` join the target's own; a real conflict keeps both through allOf. */
function combineWithSiblings(core: JsonSchema, rest: Record<string, unknown>): JsonSchema {
  if (Object.keys(rest).length === 0) return core;
  if (typeof core === 'boolean') return core ? rest : false;
  const overridable = new Set(['description', 'title', 'default', 'examples', 'deprecated']);
  const combined: Record<string, unknown> = { ...core, ...rest };
  if (isObject(core['properties']) && isObject(rest['properties'])) {
    const properties = mergePinnedProperties(core['properties'], rest['properties']);
    if (properties === undefined) return { ...rest, allOf: [core] };
    combined['properties'] = properties;
  }
  const conflict = Object.keys(rest).some(
    (key) =>
      !overridable.has(key) &&
      key !== 'properties' &&
      key in core &&
      JSON.stringify(core[key]) !== JSON.stringify(rest[key]),
  );
  if (conflict) return { ...rest, allOf: [core] };
  if (typeof rest['description'] === 'string') delete combined['title'];
  return combined;
}

/** Property maps joined when the second only pins values (a discriminator's const); else undefined. */
function mergePinnedProperties(
  base: Record<string, unknown>,
  pins: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const merged: Record<string, unknown> = { ...base };
  for (const [name, pin] of Object.entries(pins)) {
    const existing = base[name];
    if (existing === undefined || JSON.stringify(existing) === JSON.stringify(pin)) merged[name] = pin;
    else if (
      isObject(pin) &&
      Object.keys(pin).every((k) => k === 'const' || k === 'enum') &&
      isObject(existing)
    ) {
      const { enum: _enum, const: _const, ...kept } = existing;
      merged[name] = { ...kept, ...pin };
    } else return undefined;
  }
  return merged;
}

/** A schema cut by the output depth cap: its type and what it is, not its structure. */
function summarize(node: Record<string, unknown>, ctx: SchemaContext, frame: Frame): JsonSchema {
  const out: Record<string, unknown> = {};
  if (typeof node['type'] === 'string' || Array.isArray(node['type'])) out['type'] = node['type'];
  applyText(out, node, ctx, frame);
  return node['nullable'] === true ? makeNullable(out) : out;
}

/** Objects, arrays and combinations have structure to cut; scalars are kept whole. */
function isStructured(node: Record<string, unknown>): boolean {
  const type = node['type'];
  const types = Array.isArray(type) ? type : [type];
  return (
    types.includes('object') ||
    types.includes('array') ||
    ['properties', 'items', 'additionalProperties', 'patternProperties', 'allOf', 'anyOf', 'oneOf'].some(
      (key) => node[key] !== undefined && node[key] !== false,
    )
  );
}

/** A description when there is one, else a title that says more than the property name. */
function applyText(
  out: Record<string, unknown>,
  node: Record<string, unknown>,
  ctx: SchemaContext,
  frame: Frame,
): void {
  const description = typeof node['description'] === 'string' ? node['description'].trim() : '';
  const title = typeof node['title'] === 'string' ? node['title'].trim() : '';
  // Arguments (the root's own properties) are read closely; deeper text gets the smaller budget.
  const max = descriptionBudget(ctx, frame.depth);
  const keepTitle = !description && title && !(frame.name !== undefined && sameWords(title, frame.name));
  if (max > 0 && description) out['description'] = trimText(description, max);
  else delete out['description'];
  if (max > 0 && keepTitle) out['title'] = trimText(title, max);
  else delete out['title'];
}

/**
 * Text budget by data depth: an argument's own description is read closely; the deeper a
 * field sits, the less of its text a model needs to fill it in or read it back.
 */
function descriptionBudget(ctx: SchemaContext, depth: number): number {
  const nested = Math.min(ctx.maxDescription, DESCRIPTION_BUDGET.nested);
  if (ctx.mode === 'output') return depth <= 1 ? ctx.maxDescription : nested;
  const argument = Math.max(ctx.maxDescription, DESCRIPTION_BUDGET.argument);
  if (ctx.squeeze >= 2) return depth <= 1 ? DESCRIPTION_BUDGET.input : 0;
  if (ctx.squeeze === 1) return depth <= 1 ? argument : depth === 2 ? nested : 0;
  return depth <= 1 ? argument : depth === 2 ? ctx.maxDescription : nested;
}

function sameWords(a: string, b: string): boolean {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return squash(a) === squash(b);
}

/** One example is enough to show the shape; the rest is bytes. */
function firstExample(node: Record<string, unknown>): unknown {
  const examples = node['examples'];
  if (Array.isArray(examples) && examples.length > 0) return examples[0];
  return node['example'];
}

/**
 * A discriminator's mapping becomes a `const` on the discriminating property of each
 * variant it names, which a model (and a validator) can see; the keyword itself is dropped.
 */
function applyDiscriminator(
  out: Record<string, unknown>,
  source: Record<string, unknown>,
  ctx: SchemaContext,
) {
  const discriminator = source['discriminator'];
  if (!isObject(discriminator) || typeof discriminator['propertyName'] !== 'string') return;
  const mapping = isObject(discriminator['mapping']) ? discriminator['mapping'] : {};
  const key = Array.isArray(out['oneOf']) ? 'oneOf' : Array.isArray(out['anyOf']) ? 'anyOf' : undefined;
  if (key === undefined) return;
  const valuesByRef = new Map<string, string[]>();
  for (const [value, target] of Object.entries(mapping)) {
    if (typeof target !== 'string') continue;
    const ref = target.startsWith('#')
      ? target
      : /^[A-Za-z0-9_.-]+$/.test(target)
        ? `#/components/schemas/${target}`
        : undefined;
    if (ref !== undefined) valuesByRef.set(ref, [...(valuesByRef.get(ref) ?? []), value]);
  }
  const raw = source[key] as unknown[];
  const variants = out[key] as JsonSchema[];
  out[key] = variants.map((variant, i) => {
    const rawVariant = raw[i];
    const values =
      isObject(rawVariant) && typeof rawVariant['$ref'] === 'string'
        ? valuesByRef.get(rawVariant['$ref'])
        : undefined;
    return values ? pinProperty(variant, discriminator['propertyName'] as string, values, ctx) : variant;
  });
}

function pinProperty(
  variant: JsonSchema,
  property: string,
  values: string[],
  ctx: SchemaContext,
): JsonSchema {
  const pinned: Record<string, unknown> =
    values.length === 1 ? { const: values[0] } : { enum: [...values].sort() };
  if (typeof variant !== 'object') return variant;
  if (typeof variant['$ref'] === 'string') {
    // A shared def cannot carry one variant's value; 2020-12 lets it sit beside the $ref.
    if (variant['properties'] !== undefined) return variant;
    const target = ctx.defs.get(String(variant['$ref']).replace('#/$defs/', ''));
    const existing =
      typeof target === 'object' && isObject(target['properties'])
        ? target['properties'][property]
        : undefined;
    if (!acceptsAll(existing, values)) return variant;
    return { ...variant, properties: { [property]: pinned } };
  }
  if (!isObject(variant['properties'])) return variant;
  const existing = variant['properties'][property];
  if (!acceptsAll(existing, values)) return variant;
  const { enum: _enum, const: _const, ...kept } = isObject(existing) ? existing : {};
  return { ...variant, properties: { ...variant['properties'], [property]: { ...kept, ...pinned } } };
}

/** False when the variant already pins the property to something else: then the mapping is ambiguous. */
function acceptsAll(schema: unknown, values: readonly string[]): boolean {
  if (!isObject(schema)) return true;
  if (schema['const'] !== undefined) return values.length === 1 && schema['const'] === values[0];
  if (Array.isArray(schema['enum'])) return values.every((v) => (schema['enum'] as unknown[]).includes(v));
  return true;
}

/**
 * The object schema a (possibly referenced, possibly allOf-composed) schema stands for,
 * before conversion: what a request body's properties are read from.
 */
export function normalizeSchema(schema: unknown, ctx: SchemaContext): unknown {
  const resolved = isObject(schema) ? resolveChain(schema, ctx) : schema;
  return isObject(resolved) ? normalizeNode(resolved, ctx) : resolved;
}

/** Follows a chain of plain `{$ref}` nodes to the schema they name. */
function resolveChain(node: Record<string, unknown>, ctx: SchemaContext): unknown {
  let current: unknown = node;
  for (let i = 0; i < 16 && isObject(current) && typeof current['$ref'] === 'string'; i++) {
    current = ctx.resolveRef(current['$ref']);
  }
  return current;
}

/**
 * `allOf` whose parts are all plain object schemas becomes one object schema: a model
 * reads one list of properties far better than an intersection. Anything else keeps allOf.
 */
function normalizeNode(
  node: Record<string, unknown>,
  ctx: SchemaContext,
  seen: Set<object> = new Set(),
): Record<string, unknown> {
  const cached = ctx.state.merged.get(node);
  if (cached) return cached;
  const merged = mergeAllOf(node, ctx, seen) ?? expandDiscriminator(node, ctx) ?? node;
  ctx.state.merged.set(node, merged);
  return merged;
}

function isDiscriminatorBase(node: unknown): boolean {
  return isObject(node) && isObject(node['discriminator']) && isObject(node['discriminator']['mapping']);
}

/**
 * A base schema whose discriminator maps values to its subtypes (`Message` -> `TextMessage`,
 * `ImageMessage`, each `allOf: [Message, ...]`) stands for one of those subtypes: a model
 * sees their properties only when the base becomes a `oneOf` of them.
 */
function expandDiscriminator(
  node: Record<string, unknown>,
  ctx: SchemaContext,
): Record<string, unknown> | undefined {
  const discriminator = node['discriminator'];
  if (!isObject(discriminator) || !isObject(discriminator['mapping'])) return undefined;
  if (node['oneOf'] !== undefined || node['anyOf'] !== undefined || node['allOf'] !== undefined) {
    return undefined;
  }
  const targets = [...new Set(Object.values(discriminator['mapping']))].filter(
    (target): target is string => typeof target === 'string',
  );
  const variants: Record<string, unknown>[] = [];
  const own = Object.fromEntries(Object.entries(node).filter(([key]) => key !== 'discriminator'));
  for (const target of targets) {
    const ref = target.startsWith('#')
      ? target
      : /^[A-Za-z0-9_.-]+$/.test(target)
        ? `${COMPONENT_SCHEMA_PREFIX}${target}`
        : undefined;
    const resolved = ref === undefined ? undefined : ctx.resolveRef(ref);
    if (!isObject(resolved)) return undefined;
    // The base may be one of its own values: that variant is the base itself, without the mapping.
    variants.push(resolved === node ? own : { $ref: ref });
  }
  if (variants.length === 0) return undefined;
  // An answer the base accepts is valid per the document even when its value is in no mapping (a
  // subtype added later, LINE's coupon `acquisitionCondition`): output stays open with the base
  // as the last branch, anyOf since a mapped answer matches both its subtype and the base.
  const open = ctx.mode === 'output';
  if (open && !variants.includes(own)) variants.push(own);
  const kept = ['description', 'title', 'nullable', 'deprecated'].filter((key) => node[key] !== undefined);
  return {
    ...Object.fromEntries(kept.map((key) => [key, node[key]])),
    [open ? 'anyOf' : 'oneOf']: variants,
    discriminator: { ...discriminator, mapping: discriminator['mapping'] },
  };
}

function mergeAllOf(
  node: Record<string, unknown>,
  ctx: SchemaContext,
  seen: Set<object>,
): Record<string, unknown> | undefined {
  const allOf = node['allOf'];
  if (!Array.isArray(allOf) || allOf.length === 0 || seen.has(node)) return undefined;
  const outer = Object.fromEntries(Object.entries(node).filter(([key]) => key !== 'allOf'));
  if (!isPlainObjectPart(outer)) return undefined;
  // `allOf: [{$ref}]` beside a description is how 3.0 documents annotate a reference: keep it a
  // reference, unless it names a discriminator base: a subtype means the base's own fields, not
  // the union of its subtypes (which would include itself).
  const only = allOf.length === 1 && isObject(allOf[0]) ? allOf[0] : undefined;
  if (
    only !== undefined &&
    typeof only['$ref'] === 'string' &&
    !isDiscriminatorBase(resolveChain(only, ctx))
  ) {
    return { ...outer, ...only };
  }
  const parts: Record<string, unknown>[] = [];
  const inner = new Set(seen).add(node);
  for (const part of allOf) {
    const resolved = isObject(part) ? resolveChain(part, ctx) : undefined;
    if (!isObject(resolved) || inner.has(resolved)) return undefined;
    const normalized = mergeAllOf(resolved, ctx, inner) ?? resolved;
    if (!isPlainObjectPart(normalized)) return undefined;
    parts.push(normalized);
  }
  // Parts that say nothing about objects (only text, say) are no evidence this is an object.
  if (![outer, ...parts].some((part) => part['type'] === 'object' || isObject(part['properties']))) {
    return undefined;
  }
  return combineParts(outer, parts);
}

function isPlainObjectPart(part: Record<string, unknown>): boolean {
  if (part['type'] !== undefined && part['type'] !== 'object') return false;
  if (isObject(part['additionalProperties']) && Object.keys(part['additionalProperties']).length > 0) {
    return false;
  }
  return Object.keys(part).every((key) => key.startsWith('x-') || MERGEABLE_KEYWORDS.has(key));
}

function combineParts(
  outer: Record<string, unknown>,
  parts: Record<string, unknown>[],
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  const merged: Record<string, unknown> = {};
  for (const part of [...parts, outer]) {
    if (isObject(part['properties'])) {
      for (const [name, schema] of Object.entries(part['properties'])) {
        const existing = properties[name];
        properties[name] =
          existing === undefined || JSON.stringify(existing) === JSON.stringify(schema)
            ? schema
            : { allOf: [existing, schema] };
      }
    }
    if (Array.isArray(part['required']))
      for (const r of part['required']) if (typeof r === 'string') required.add(r);
    for (const key of ['additionalProperties', 'minProperties', 'maxProperties'] as const) {
      if (part[key] !== undefined) merged[key] = part[key];
    }
    if (part['nullable'] === true && part === outer) merged['nullable'] = true;
    if (part['deprecated'] === true) merged['deprecated'] = true;
  }
  // The outer text describes this schema; otherwise the most specific part (the last) does.
  const textSource = [outer, ...[...parts].reverse()].find(
    (part) => typeof part['description'] === 'string' || typeof part['title'] === 'string',
  );
  const exampleSource = [outer, ...[...parts].reverse()].find((part) => firstExample(part) !== undefined);
  return {
    type: 'object',
    ...(textSource?.['description'] !== undefined && { description: textSource['description'] }),
    ...(textSource?.['title'] !== undefined && { title: textSource['title'] }),
    properties,
    ...(required.size > 0 && { required: [...required] }),
    ...merged,
    ...(exampleSource && { example: firstExample(exampleSource) }),
  };
}

function isHiddenInMode(schema: unknown, ctx: SchemaContext): boolean {
  if (!isObject(schema)) return false;
  const resolved = typeof schema['$ref'] === 'string' ? resolveChain(schema, ctx) : schema;
  const flag = (key: string) => schema[key] === true || (isObject(resolved) && resolved[key] === true);
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

/**
 * 3.0 `nullable: true` -> a `null` type. An enum gets `null` too: APIs that mark an
 * enum nullable do send null, and a strict reading would reject their real answers.
 */
export function makeNullable(schema: Record<string, unknown>): JsonSchema {
  const withNull =
    Array.isArray(schema['enum']) && !schema['enum'].includes(null)
      ? { ...schema, enum: [...schema['enum'], null] }
      : schema;
  const type = withNull['type'];
  if (typeof type === 'string') return { ...withNull, type: type === 'null' ? 'null' : [type, 'null'] };
  if (Array.isArray(type)) return type.includes('null') ? withNull : { ...withNull, type: [...type, 'null'] };
  if (Array.isArray(withNull['enum'])) return withNull;
  // Only annotations: the schema already accepts null.
  if (Object.keys(schema).every((key) => ANNOTATION_KEYWORDS.has(key))) return schema;
  return { anyOf: [schema, { type: 'null' }] };
}

const ANNOTATION_KEYWORDS = new Set(['description', 'title', 'default', 'examples', 'deprecated', 'format']);

/** Whether JavaScript (and so Ajv, in unicode mode) can compile an OpenAPI `pattern`. */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
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

/**
 * Attaches collected `$defs` to a root schema (sorted for stable output), after
 * inlining back the small leaf defs a reference would not make shorter.
 */
export function withDefs(root: Record<string, unknown>, defs: Map<string, JsonSchema>): JsonSchema {
  if (defs.size === 0) return root;
  const small = new Map<string, JsonSchema>();
  for (const [name, body] of defs) {
    const text = JSON.stringify(body);
    if (text.length <= SMALL_DEF_BYTES && !text.includes('"$ref"')) small.set(name, body);
  }
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline);
    if (!isObject(node)) return node;
    const ref = node['$ref'];
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
      const body = small.get(ref.slice('#/$defs/'.length));
      if (body !== undefined) {
        const { $ref: _ref, ...rest } = node;
        return combineWithSiblings(
          body,
          Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, inline(v)])),
        );
      }
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
  };
  const kept = [...defs.entries()]
    .filter(([name]) => !small.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const inlinedRoot = (small.size > 0 ? inline(root) : root) as Record<string, unknown>;
  if (kept.length === 0) return inlinedRoot;
  return {
    ...inlinedRoot,
    $defs: Object.fromEntries(kept.map(([name, body]) => [name, small.size > 0 ? inline(body) : body])),
  };
}

/**
 * Names an object schema requires while `additionalProperties: false` forbids them (not listed in
 * `properties`, matched by no `patternProperties`): no object can be valid, a contradiction in the
 * document (Jira's ScreenTypes requires `defaultScreen` and lists `default`). The tool schema leaves
 * the requirement out; the API's validation, if it follows its document, refuses every request.
 */
export function findForbiddenRequired(schema: unknown): string[] {
  if (!isObject(schema) || schema['additionalProperties'] !== false || !Array.isArray(schema['required']))
    return [];
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const patterns = isObject(schema['patternProperties']) ? Object.keys(schema['patternProperties']) : [];
  const matchesPattern = (name: string) =>
    patterns.some((pattern) => {
      try {
        return new RegExp(pattern, 'u').test(name);
      } catch {
        return true; // a pattern that does not compile: not provably forbidden
      }
    });
  const names = schema['required'].filter(
    (name): name is string => typeof name === 'string' && !(name in properties) && !matchesPattern(name),
  );
  return [...new Set(names)].sort();
}
