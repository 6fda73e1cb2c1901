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
): (path: string, method: string) => string {
  const { paths, ...rest } = document;
  const items = typeof paths === 'object' && paths !== null ? (paths as Record<string, unknown>) : {};
  const itemTexts = new Map(Object.entries(items).map(([path, item]) => [path, JSON.stringify(item)]));
  const crossPathRefs = [...itemTexts.values()].some((text) => text.includes('"#/paths/'));
  const restText = JSON.stringify(rest);
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
