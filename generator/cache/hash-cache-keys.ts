/**
 * Content-hash keys of the generation cache. A key covers everything the cached
 * result depends on, so a hit is always safe to reuse; when in doubt a key covers
 * more (a needless miss costs time, a wrong hit costs a wrong file). Pure.
 */
import { createHash } from 'node:crypto';
import type { ToolIR } from '../ir/types.js';
import { parseRefFragment } from '../load/json-pointer.js';

export function hashText(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('hex');
}

/** JSON that also spells out Maps and Sets (JSON.stringify would print `{}` and lose them from a key). */
export function stringifyForKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Map ? { Map: [...v.entries()] } : v instanceof Set ? { Set: [...v] } : v,
  );
}

/**
 * Component kinds the IR reaches only through `$ref`s (build-api-ir.ts, json-schema.ts): an
 * operation's key covers those its path item reaches, directly or through other components.
 * Every other component (securitySchemes...) is read directly and is in every key.
 */
const REFERENCED_KINDS = new Set([
  'schemas',
  'parameters',
  'requestBodies',
  'responses',
  'headers',
  'examples',
  'links',
  'callbacks',
  'pathItems',
]);

/** A reference into the components, inside any JSON string: `"#/components/schemas/A"`, `"spec.json#/components/..."`. */
const COMPONENT_REF = /#\/components\/([^"\\]*)(["\\])/g;
/**
 * What a reading of the text cannot follow, so the key covers every component: refs spelled
 * with escapes, plain-name anchors, dynamic and recursive refs, 2.0 refs (resolveRef rewrites
 * them), discriminator mappings (which may name schemas without a ref).
 */
const UNTRACEABLE =
  /"\$ref":"[^"]*#(?!\/)|"\$(?:dynamicRef|recursiveRef)"|#\/(?:definitions|parameters|responses)\/|"mapping"/;

/** What the keys remember between runs (`--watch`), by node identity: a save replaces only the nodes above its edit. */
export interface KeyMemo {
  readonly texts: WeakMap<object, string>;
  readonly hashes: WeakMap<object, string>;
  readonly refs: WeakMap<object, readonly string[] | 'all'>;
}

export function createKeyMemo(): KeyMemo {
  return { texts: new WeakMap(), hashes: new WeakMap(), refs: new WeakMap() };
}

/**
 * Keys of the operations' ToolIRs, per path item: an operation's ToolIR depends on its path
 * item (the operation, path-level parameters, a `$ref` the item is), on the components it
 * reaches through `$ref`s and on the rest of the document (root x-mcp, security schemes), never
 * on other path items or components; unless some `$ref` points into `#/paths`, and then every
 * key covers all paths. `context` is everything besides the document the IR is built from.
 */
export function hashOperations(
  document: Record<string, unknown>,
  context: string,
  memo: KeyMemo = createKeyMemo(),
): (path: string, method: string) => string {
  const { paths, ...rest } = document;
  const items = isObject(paths) ? paths : {};
  const stringify = (value: unknown) => stringifyJson(value, memo.texts);
  const itemTexts = new Map(Object.entries(items).map(([path, item]) => [path, stringify(item)]));
  const components = isObject(rest['components']) ? rest['components'] : {};
  const direct = Object.fromEntries(
    Object.entries(components).filter(([kind]) => !REFERENCED_KINDS.has(kind)),
  );
  const restText = stringify({ ...rest, ...(isObject(rest['components']) ? { components: direct } : {}) });
  const crossPathRefs =
    restText.includes('"#/paths/') || [...itemTexts.values()].some((text) => text.includes('"#/paths/'));
  const shared = hashText(context, restText, crossPathRefs ? stringify(items) : '');
  const graph = createComponentGraph(components, memo);
  const sharedRefs = readComponentRefs(restText);
  const byPath = new Map<string, string>();
  return (path, method) => {
    let itemKey = byPath.get(path);
    if (itemKey === undefined) {
      const itemText = itemTexts.get(path) ?? '';
      const refs = readComponentRefs(itemText);
      const reached =
        refs === 'all' || sharedRefs === 'all' ? 'all' : graph.hashReached([...refs, ...sharedRefs]);
      itemKey = hashText(shared, path, itemText, reached === 'all' ? graph.hashAll() : reached);
      byPath.set(path, itemKey);
    }
    return hashText(itemKey, method);
  };
}

interface ComponentGraph {
  /** A hash of every component reached from `refs` (`kind/name` ids); 'all' when one cannot be followed. */
  hashReached(refs: readonly string[]): string | 'all';
  hashAll(): string;
}

function createComponentGraph(components: Record<string, unknown>, memo: KeyMemo): ComponentGraph {
  const lookup = (id: string): unknown => {
    const slash = id.indexOf('/');
    const kind = components[id.slice(0, slash)];
    return isObject(kind) && Object.hasOwn(kind, id.slice(slash + 1)) ? kind[id.slice(slash + 1)] : undefined;
  };
  const hashOf = (id: string, node: unknown): string => {
    if (!isObject(node)) return hashText(id, JSON.stringify(node) ?? 'missing');
    let hash = memo.hashes.get(node);
    if (hash === undefined) {
      hash = hashText(id, stringifyJson(node, memo.texts));
      memo.hashes.set(node, hash);
    }
    // The id too: the same object could stand under two names only in YAML, never by accident.
    return `${id}=${hash}`;
  };
  const refsOf = (node: unknown): readonly string[] | 'all' => {
    if (!isObject(node)) return [];
    let refs = memo.refs.get(node);
    if (refs === undefined) {
      refs = readComponentRefs(stringifyJson(node, memo.texts));
      memo.refs.set(node, refs);
    }
    return refs;
  };
  // Per component: a hash of its text and of everything it reaches (a strongly connected
  // component of the ref graph shares one), so an operation's key costs one hash per direct ref.
  const deep = new Map<string, string>();
  const deepHashOf = (start: string): string => {
    const known = deep.get(start);
    if (known !== undefined) return known;
    // Tarjan's algorithm, iterative: ref chains can be longer than the stack is deep.
    let counter = 0;
    const order = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const frames: { id: string; next: readonly string[]; at: number }[] = [];
    const open = (id: string) => {
      order.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      const refs = refsOf(lookup(id));
      frames.push({ id, next: refs === 'all' ? [] : refs, at: 0 });
    };
    open(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.at < frame.next.length) {
        const to = frame.next[frame.at++]!;
        if (deep.has(to)) continue;
        if (!order.has(to)) open(to);
        else if (onStack.has(to)) low.set(frame.id, Math.min(low.get(frame.id)!, order.get(to)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) !== order.get(frame.id)) continue;
      const members = new Set<string>();
      for (let member = stack.pop()!; ; member = stack.pop()!) {
        onStack.delete(member);
        members.add(member);
        if (member === frame.id) break;
      }
      deep.set(frame.id, hashGroup([...members].sort()));
      for (const member of members) deep.set(member, deep.get(frame.id)!);
    }
    return deep.get(start)!;
  };
  /** One strongly connected group: its members' own hashes and the deep hashes of what it reaches. */
  const hashGroup = (members: readonly string[]): string => {
    const inside = new Set(members);
    const parts = members.map((id) => hashOf(id, lookup(id)));
    const outside = new Set<string>();
    for (const id of members) {
      const refs = refsOf(lookup(id));
      if (refs === 'all') return 'all';
      for (const ref of refs) if (!inside.has(ref)) outside.add(ref);
    }
    for (const id of [...outside].sort()) {
      const hash = deep.get(id)!;
      if (hash === 'all') return 'all';
      parts.push(hash);
    }
    return hashText(...parts);
  };
  let all: string | undefined;
  return {
    hashReached(refs) {
      const parts: string[] = [];
      for (const id of [...new Set(refs)].sort()) {
        const hash = deepHashOf(id);
        if (hash === 'all') return 'all';
        parts.push(`${id}=${hash}`);
      }
      return parts.join('\n');
    },
    hashAll() {
      all ??= hashText(
        stringifyJson(
          Object.fromEntries(Object.entries(components).filter(([kind]) => REFERENCED_KINDS.has(kind))),
          memo.texts,
        ),
      );
      return all;
    },
  };
}

/** `kind/name` of every referenced-kind component the JSON text names; 'all' when it cannot tell. */
function readComponentRefs(text: string): readonly string[] | 'all' {
  if (UNTRACEABLE.test(text)) return 'all';
  const ids = new Set<string>();
  for (const match of text.matchAll(COMPONENT_REF)) {
    if (match[2] === '\\') return 'all';
    const tokens = parseRefFragment(`/components/${match[1]}`);
    if (!tokens) return 'all';
    const [, kind, name] = tokens;
    if (kind === undefined || !REFERENCED_KINDS.has(kind)) continue;
    // A ref to a whole map (`#/components/schemas`) reaches all of it.
    if (name === undefined) return 'all';
    ids.add(`${kind}/${name}`);
  }
  return [...ids];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nodes this shallow are remembered: path items, components and the maps above them. */
const REMEMBERED_DEPTH = 3;

/**
 * JSON.stringify of plain data (no functions, no toJSON), remembering the text of the
 * containers near the root by identity (`--watch`: a save replaces only the objects above
 * the edited value, so a container that is the same object has the same text).
 */
function stringifyJson(value: unknown, texts: WeakMap<object, string> | undefined, depth = 0): string {
  if (!texts || typeof value !== 'object' || value === null) return JSON.stringify(value);
  const known = texts.get(value);
  if (known !== undefined) return known;
  let text: string;
  if (depth >= REMEMBERED_DEPTH) {
    text = JSON.stringify(value);
  } else if (Array.isArray(value)) {
    const items = value.map((item) => (item === undefined ? 'null' : stringifyJson(item, texts, depth + 1)));
    text = `[${items.join(',')}]`;
  } else {
    const object = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(object)) {
      // As JSON.stringify: a member without a value is left out.
      if (object[key] !== undefined)
        members.push(`${JSON.stringify(key)}:${stringifyJson(object[key], texts, depth + 1)}`);
    }
    text = `{${members.join(',')}}`;
  }
  texts.set(value, text);
  return text;
}

/**
 * Hash of what a tool module prints from its ToolIR: everything but the source
 * positions (a line added above an operation moves them; the module does not print them).
 */
export function hashPrintedTool(tool: ToolIR): string {
  const { source: _source, nameSource: _nameSource, ...printed } = tool;
  // A ToolIR is plain JSON data (it is printed as a literal), so no replacer is needed for
  // Maps and Sets: the same text as stringifyForKey, several times faster on large schemas.
  return hashText(JSON.stringify(printed));
}

/** Key of a tool module's text: the printed ToolIR, the module's header, the generator's fingerprint. */
export function hashToolModule(printedTool: string, header: string, fingerprint: string): string {
  return hashText(fingerprint, header, printedTool);
}
