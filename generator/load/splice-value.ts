/**
 * `--watch`: puts a re-parsed value in place of the old one without touching the old tree.
 * Every object above it is copied (keeping its positions), everything else is shared, so an
 * object that is still the same object is also unchanged: what the per-unit memos of the
 * checks and the cache's hashes rely on. Pure but for the positions it records.
 */
import { getChild, isContainer, setOwn } from './json-pointer.js';
import type { SourceMap } from './source-map.js';

export function spliceValue(
  root: Record<string, unknown>,
  tokens: readonly string[],
  value: unknown,
  sourceMap: SourceMap,
): Record<string, unknown> {
  const replace = (node: unknown, depth: number): unknown => {
    if (depth === tokens.length) return value;
    if (!isContainer(node)) throw new Error(`splice: nothing at /${tokens.slice(0, depth).join('/')}`);
    const token = tokens[depth]!;
    const child = replace(getChild(node, token), depth + 1);
    let copy: Record<string, unknown> | unknown[];
    if (Array.isArray(node)) {
      copy = [...node];
      copy[Number(token)] = child;
    } else {
      const object: Record<string, unknown> = {};
      for (const key of Object.keys(node)) setOwn(object, key, key === token ? child : node[key]);
      copy = object;
    }
    sourceMap.alias(copy, node);
    return copy;
  };
  return replace(root, 0) as Record<string, unknown>;
}
