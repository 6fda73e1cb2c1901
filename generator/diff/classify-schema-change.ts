/**
 * Classifies the difference between two JSON Schemas of one tool argument (or of a tool's output).
 * Pure: schemas in, changes out, nothing else.
 *
 * Direction matters. An argument schema is what callers SEND: making it accept less (narrower type,
 * fewer enum values, tighter bounds, a new pattern) rejects calls that worked, so it is breaking;
 * accepting more is compatible. An output schema is what callers RECEIVE: removing a property,
 * making it optional or widening its type can break code reading structuredContent; adding
 * properties or narrowing is compatible.
 */

export type JsonSchema = { readonly [key: string]: unknown };
export type Direction = 'input' | 'output';
export type SchemaSeverity = 'breaking' | 'compatible';

export type SchemaChangeKind =
  | 'property-added-optional'
  | 'property-added-required'
  | 'property-removed'
  | 'property-renamed'
  | 'property-now-required'
  | 'property-now-optional'
  | 'type-narrowed'
  | 'type-widened'
  | 'type-changed'
  | 'enum-narrowed'
  | 'enum-widened'
  | 'bound-tightened'
  | 'bound-loosened'
  | 'pattern-added'
  | 'pattern-changed'
  | 'pattern-removed'
  | 'format-changed'
  | 'additional-properties-closed'
  | 'additional-properties-opened'
  | 'variants-narrowed'
  | 'variants-widened'
  | 'schema-changed'
  | 'default-changed'
  | 'description-changed';

export interface SchemaChange {
  readonly kind: SchemaChangeKind;
  readonly severity: SchemaSeverity;
  /** Dotted path from the argument (`filter.status`, `tags[]`); `''` is the schema itself. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly message: string;
}

/** Upper bounds: lowering (or adding) one accepts less. */
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
/** Lower bounds: raising (or adding) one accepts less. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;

/** Compares two schemas at `path` and returns every classified change, in a stable order. */
export function classifySchemaChange(
  before: JsonSchema,
  after: JsonSchema,
  direction: Direction,
  path = '',
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const add = (
    kind: SchemaChangeKind,
    severity: SchemaSeverity,
    message: string,
    values: { before?: unknown; after?: unknown } = {},
  ) => changes.push({ kind, severity, path, ...values, message });
  const where =
    direction === 'output'
      ? path === ''
        ? 'the output'
        : `output \`${path}\``
      : path === ''
        ? 'the schema'
        : `\`${path}\``;
  // Accepting less is breaking for what callers send; producing more is breaking for what they read.
  const narrowing: SchemaSeverity = direction === 'input' ? 'breaking' : 'compatible';
  const widening: SchemaSeverity = direction === 'input' ? 'compatible' : 'breaking';

  // Type.
  const typesBefore = typeSet(before);
  const typesAfter = typeSet(after);
  if (typesBefore !== undefined || typesAfter !== undefined) {
    const lost = [...(typesBefore ?? ['any'])].filter((t) => !accepts(typesAfter, t));
    const gained = [...(typesAfter ?? ['any'])].filter((t) => !accepts(typesBefore, t));
    const shown = { before: showTypes(typesBefore), after: showTypes(typesAfter) };
    if (lost.length > 0 && gained.length > 0)
      add('type-changed', 'breaking', `${where}: type ${shown.before} -> ${shown.after}`, shown);
    else if (lost.length > 0)
      add('type-narrowed', narrowing, `${where}: type narrowed ${shown.before} -> ${shown.after}`, shown);
    else if (gained.length > 0)
      add('type-widened', widening, `${where}: type widened ${shown.before} -> ${shown.after}`, shown);
  }

  // Enum (and const, an enum of one).
  const enumBefore = enumValues(before);
  const enumAfter = enumValues(after);
  if (enumBefore !== undefined || enumAfter !== undefined) {
    if (enumAfter !== undefined) {
      const removed = enumBefore === undefined ? undefined : enumBefore.filter((v) => !has(enumAfter, v));
      if (removed === undefined)
        add('enum-narrowed', narrowing, `${where}: now limited to ${showList(enumAfter)}`, {
          after: enumAfter,
        });
      else if (removed.length > 0)
        add('enum-narrowed', narrowing, `${where}: enum values removed: ${showList(removed)}`, {
          before: removed,
        });
    }
    if (enumBefore !== undefined) {
      const added = enumAfter === undefined ? undefined : enumAfter.filter((v) => !has(enumBefore, v));
      if (added === undefined)
        add('enum-widened', widening, `${where}: no longer limited to ${showList(enumBefore)}`, {
          before: enumBefore,
        });
      else if (added.length > 0)
        // Compatible both ways: a client reading an output enum must tolerate new values (docs/ci.md).
        add('enum-widened', 'compatible', `${where}: enum values added: ${showList(added)}`, {
          after: added,
        });
    }
  }

  if (direction === 'input') {
    // Bounds.
    for (const key of UPPER_BOUNDS) compareBound(key, before[key], after[key], 'upper');
    for (const key of LOWER_BOUNDS) compareBound(key, before[key], after[key], 'lower');
    if (!same(before['multipleOf'], after['multipleOf'])) {
      const tighter = typeof after['multipleOf'] === 'number';
      add(
        tighter ? 'bound-tightened' : 'bound-loosened',
        tighter ? 'breaking' : 'compatible',
        `${where}: multipleOf ${show(before['multipleOf'])} -> ${show(after['multipleOf'])}`,
        { before: before['multipleOf'], after: after['multipleOf'] },
      );
    }
    // Pattern and format.
    const pb = before['pattern'];
    const pa = after['pattern'];
    if (pb === undefined && pa !== undefined)
      add('pattern-added', 'breaking', `${where}: pattern added ${show(pa)}`, { after: pa });
    else if (pb !== undefined && pa === undefined)
      add('pattern-removed', 'compatible', `${where}: pattern removed (was ${show(pb)})`, { before: pb });
    else if (!same(pb, pa))
      add('pattern-changed', 'breaking', `${where}: pattern ${show(pb)} -> ${show(pa)}`, {
        before: pb,
        after: pa,
      });
    if (!same(before['format'], after['format']))
      add(
        'format-changed',
        after['format'] === undefined ? 'compatible' : 'breaking',
        `${where}: format ${show(before['format'])} -> ${show(after['format'])}`,
        { before: before['format'], after: after['format'] },
      );
    // Closed objects reject unknown properties.
    const closedBefore = before['additionalProperties'] === false;
    const closedAfter = after['additionalProperties'] === false;
    if (isObjectSchema(before) || isObjectSchema(after)) {
      if (!closedBefore && closedAfter)
        add('additional-properties-closed', 'breaking', `${where}: unknown properties now rejected`);
      else if (closedBefore && !closedAfter)
        add('additional-properties-opened', 'compatible', `${where}: unknown properties now accepted`);
    }
    if (!same(before['default'], after['default']))
      add(
        'default-changed',
        'compatible',
        `${where}: default ${show(before['default'])} -> ${show(after['default'])}`,
        {
          before: before['default'],
          after: after['default'],
        },
      );
  }

  // Variants (anyOf / oneOf): a branch removed accepts less, a branch added accepts more.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const vb = variantKeys(before[key]);
    const va = variantKeys(after[key]);
    if (vb === undefined && va === undefined) continue;
    const lost = (vb ?? []).filter((v) => !(va ?? []).includes(v)).length;
    const gained = (va ?? []).filter((v) => !(vb ?? []).includes(v)).length;
    if (vb === undefined || va === undefined || (lost > 0 && gained > 0))
      add('schema-changed', 'breaking', `${where}: ${key} changed`);
    else if (lost > 0) add('variants-narrowed', narrowing, `${where}: ${lost} ${key} variant(s) removed`);
    else if (gained > 0) add('variants-widened', widening, `${where}: ${gained} ${key} variant(s) added`);
  }
  // allOf and not: too many ways to read; any change is conservatively breaking.
  for (const key of ['allOf', 'not'] as const)
    if (!same(before[key], after[key])) add('schema-changed', 'breaking', `${where}: ${key} changed`);

  if (
    !same(before['description'], after['description']) ||
    (direction === 'input' && !same(before['title'], after['title']))
  )
    add('description-changed', 'compatible', `${where}: description changed`);

  // Nested objects and arrays.
  changes.push(...compareProperties(before, after, direction, path));
  const itemsBefore = asSchema(before['items']);
  const itemsAfter = asSchema(after['items']);
  if (itemsBefore && itemsAfter)
    changes.push(...classifySchemaChange(itemsBefore, itemsAfter, direction, `${path}[]`));
  return changes;

  function compareBound(key: string, b: unknown, a: unknown, side: 'upper' | 'lower'): void {
    if (same(b, a)) return;
    const nb = typeof b === 'number' ? b : undefined;
    const na = typeof a === 'number' ? a : undefined;
    let tighter: boolean;
    if (nb === undefined) tighter = na !== undefined;
    else if (na === undefined) tighter = false;
    else tighter = side === 'upper' ? na < nb : na > nb;
    add(
      tighter ? 'bound-tightened' : 'bound-loosened',
      tighter ? 'breaking' : 'compatible',
      `${where}: ${key} ${show(b)} -> ${show(a)}`,
      { before: b, after: a },
    );
  }
}

/**
 * Compares the `properties` / `required` of two object schemas. `renames` (old -> new) pairs a
 * property that disappeared with the one that replaced it (tool arguments with the same source).
 */
export function compareProperties(
  before: JsonSchema,
  after: JsonSchema,
  direction: Direction,
  path = '',
  renames: ReadonlyMap<string, string> = new Map(),
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const propsBefore = asProperties(before['properties']);
  const propsAfter = asProperties(after['properties']);
  if (propsBefore === undefined && propsAfter === undefined) return changes;
  const pb = propsBefore ?? {};
  const pa = propsAfter ?? {};
  const reqBefore = new Set(asStrings(before['required']));
  const reqAfter = new Set(asStrings(after['required']));
  const join = (name: string) => (path === '' ? name : `${path}.${name}`);
  const renamedTo = new Set(renames.values());
  const noun = direction === 'output' ? 'output property' : path === '' ? 'argument' : 'property';

  for (const name of sortedKeys(pb)) {
    const schemaBefore = asSchema(pb[name]) ?? {};
    const target = renames.get(name);
    if (target !== undefined && pa[target] !== undefined) {
      changes.push({
        kind: 'property-renamed',
        severity: 'breaking',
        path: join(name),
        before: name,
        after: target,
        message: `${noun} \`${join(name)}\` renamed to \`${join(target)}\``,
      });
      changes.push(...requiredChange(name, reqBefore.has(name), reqAfter.has(target), join(target)));
      changes.push(
        ...classifySchemaChange(schemaBefore, asSchema(pa[target]) ?? {}, direction, join(target)),
      );
      continue;
    }
    if (pa[name] === undefined) {
      // Output: a property a client read is gone. Input: a caller still sending it is rejected.
      changes.push({
        kind: 'property-removed',
        severity: 'breaking',
        path: join(name),
        message: `${noun} \`${join(name)}\` removed`,
      });
      continue;
    }
    changes.push(...requiredChange(name, reqBefore.has(name), reqAfter.has(name), join(name)));
    changes.push(...classifySchemaChange(schemaBefore, asSchema(pa[name]) ?? {}, direction, join(name)));
  }
  for (const name of sortedKeys(pa)) {
    if (pb[name] !== undefined || renamedTo.has(name)) continue;
    const required = reqAfter.has(name);
    changes.push({
      kind: required ? 'property-added-required' : 'property-added-optional',
      // A new required input breaks every existing call; a new output property breaks nobody.
      severity: required && direction === 'input' ? 'breaking' : 'compatible',
      path: join(name),
      message: `${required ? 'required' : 'optional'} ${noun} \`${join(name)}\` added`,
    });
  }
  return changes;

  function requiredChange(_name: string, was: boolean, is: boolean, at: string): SchemaChange[] {
    if (was === is) return [];
    if (is)
      return [
        {
          kind: 'property-now-required',
          severity: direction === 'input' ? 'breaking' : 'compatible',
          path: at,
          message: `${noun} \`${at}\` is now required`,
        },
      ];
    return [
      {
        kind: 'property-now-optional',
        // Output: clients relying on the property being present may now get nothing.
        severity: direction === 'input' ? 'compatible' : 'breaking',
        path: at,
        message: `${noun} \`${at}\` is now optional`,
      },
    ];
  }
}

function typeSet(schema: JsonSchema): Set<string> | undefined {
  const type = schema['type'];
  const set = new Set<string>();
  if (typeof type === 'string') set.add(type);
  else if (Array.isArray(type)) {
    for (const t of type) if (typeof t === 'string') set.add(t);
  } else return undefined;
  if (schema['nullable'] === true) set.add('null');
  return set;
}

/** Whether a schema whose types are `types` (undefined: any) accepts values of type `t`. */
function accepts(types: Set<string> | undefined, t: string): boolean {
  if (types === undefined) return true;
  if (t === 'any') return false;
  return types.has(t) || (t === 'integer' && types.has('number'));
}

function showTypes(types: Set<string> | undefined): string {
  return types === undefined ? 'any' : [...types].sort().join('|');
}

function enumValues(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema['enum'])) return schema['enum'] as unknown[];
  if ('const' in schema) return [schema['const']];
  return undefined;
}

function variantKeys(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map((v) => stableStringify(v)) : undefined;
}

function isObjectSchema(schema: JsonSchema): boolean {
  return schema['type'] === 'object' || schema['properties'] !== undefined;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonSchema)
    : undefined;
}

function asProperties(value: unknown): Record<string, unknown> | undefined {
  return asSchema(value) as Record<string, unknown> | undefined;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function has(values: readonly unknown[], value: unknown): boolean {
  const key = stableStringify(value);
  return values.some((v) => stableStringify(v) === key);
}

function same(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/** JSON with sorted object keys, so key order never reads as a change. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort(compareStrings)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

function showList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/**
 * Inlines local `$ref`s (`#/$defs/X`, `#/definitions/X`) and single-entry `allOf`s, so moving a
 * schema into `$defs` (or wrapping it to add a description) never reads as a change. A recursive
 * reference stays a `$ref` where it recurs.
 */
export function normalizeSchema(root: JsonSchema): JsonSchema {
  const defs = {
    ...(asSchema(root['definitions']) ?? {}),
    ...(asSchema(root['$defs']) ?? {}),
  } as Record<string, unknown>;
  const visit = (value: unknown, stack: readonly string[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => visit(v, stack));
    const schema = asSchema(value);
    if (!schema) return value;
    const { $defs: _d, definitions: _df, ...rest } = schema as Record<string, unknown>;
    const ref = rest['$ref'];
    if (typeof ref === 'string') {
      const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
      const target = match
        ? asSchema(defs[decodeURIComponent(match[1]!).replace(/~1/g, '/').replace(/~0/g, '~')])
        : undefined;
      if (target && !stack.includes(ref)) {
        const { $ref: _r, ...siblings } = rest;
        return visit({ ...target, ...siblings }, [...stack, ref]);
      }
    }
    const allOf = rest['allOf'];
    if (Array.isArray(allOf) && allOf.length === 1 && asSchema(allOf[0])) {
      const { allOf: _a, ...siblings } = rest;
      return visit({ ...(allOf[0] as JsonSchema), ...siblings }, stack);
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(rest))
      out[key] =
        key === 'enum' || key === 'const' || key === 'examples' || key === 'default' ? v : visit(v, stack);
    return out;
  };
  return visit(root, []) as JsonSchema;
}
