/**
 * Which path items and components differ between two loads of a document whose unchanged
 * parts are the same objects (`--watch` replaces only the objects above an edited value, so
 * identity is enough). Undefined when anything else differs (root fields, the set or order of
 * names): then only a full check is right. Pure.
 */
import { isPlainObject } from './json-pointer.js';

/** `['paths', '/pets']` or `['components', 'schemas', 'Pet']`. */
export type UnitTokens = readonly string[];

export function findChangedUnits(
  previous: Record<string, unknown>,
  next: Record<string, unknown>,
): UnitTokens[] | undefined {
  if (!sameKeys(previous, next)) return undefined;
  const changed: UnitTokens[] = [];
  for (const key of Object.keys(next)) {
    const before = previous[key];
    const after = next[key];
    if (before === after) continue;
    if (key === 'paths') {
      if (!collectChanged(before, after, ['paths'], changed)) return undefined;
    } else if (key === 'components' && isPlainObject(before) && isPlainObject(after)) {
      if (!sameKeys(before, after)) return undefined;
      for (const kind of Object.keys(after)) {
        if (before[kind] === after[kind]) continue;
        if (!collectChanged(before[kind], after[kind], ['components', kind], changed)) return undefined;
      }
    } else {
      return undefined;
    }
  }
  return changed;
}

function collectChanged(
  before: unknown,
  after: unknown,
  at: readonly string[],
  changed: UnitTokens[],
): boolean {
  if (!isPlainObject(before) || !isPlainObject(after) || !sameKeys(before, after)) return false;
  for (const name of Object.keys(after)) if (before[name] !== after[name]) changed.push([...at, name]);
  return true;
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const left = Object.keys(a);
  const right = Object.keys(b);
  return left.length === right.length && left.every((key, i) => key === right[i]);
}
