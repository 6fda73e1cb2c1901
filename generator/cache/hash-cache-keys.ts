/**
 * Content-hash keys of the generation cache. A key covers everything the cached
 * result depends on, so a hit is always safe to reuse; when in doubt a key covers
 * more (a needless miss costs time, a wrong hit costs a wrong file). Pure.
 */
import { createHash } from 'node:crypto';
import type { ToolIR } from '../ir/types.js';

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
 * Keys of the operations' ToolIRs, per path item: an operation's ToolIR depends on
 * its path item (the operation, path-level parameters, a `$ref` the item is) and on
 * the rest of the document (components, root x-mcp, security), never on other path
 * items; unless some `$ref` points into `#/paths`, and then every key covers all paths.
 * `context` is everything besides the document the IR is built from.
 */
export function hashOperations(
  document: Record<string, unknown>,
  context: string,
  texts?: WeakMap<object, string>,
): (path: string, method: string) => string {
  const { paths, ...rest } = document;
  const items = typeof paths === 'object' && paths !== null ? (paths as Record<string, unknown>) : {};
  const stringify = (value: unknown) => stringifyJson(value, texts);
  const itemTexts = new Map(Object.entries(items).map(([path, item]) => [path, stringify(item)]));
  const crossPathRefs = [...itemTexts.values()].some((text) => text.includes('"#/paths/'));
  const restText = stringify(rest);
  const shared = hashText(
    context,
    restText,
    crossPathRefs || restText.includes('"#/paths/') ? JSON.stringify(items) : '',
  );
  const byPath = new Map<string, string>();
  return (path, method) => {
    let itemKey = byPath.get(path);
    if (itemKey === undefined) {
      itemKey = hashText(shared, path, itemTexts.get(path) ?? '');
      byPath.set(path, itemKey);
    }
    return hashText(itemKey, method);
  };
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
