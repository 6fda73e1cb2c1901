/**
 * Caps list results at `response.maxItems`: a top-level array, or arrays under list-like keys
 * (`items`, `data`, `results`, ...) up to two levels deep, where APIs put their pages.
 */

const LIST_KEYS = new Set([
  'items',
  'data',
  'results',
  'records',
  'entries',
  'rows',
  'hits',
  'nodes',
  'edges',
  'values',
  'list',
  'objects',
  'elements',
  'resources',
]);

export interface CappedList {
  /** Where the list was, as a JSONPath (`$`, `$.data`, `$.result.items`). */
  readonly path: string;
  readonly total: number;
  readonly shown: number;
}

/** Truncates oversized lists in place (the value is freshly parsed JSON); returns what it cut. */
export function capListItems(value: unknown, maxItems: number): { value: unknown; capped: CappedList[] } {
  if (maxItems <= 0) return { value, capped: [] };
  if (Array.isArray(value)) {
    if (value.length <= maxItems) return { value, capped: [] };
    return { value: value.slice(0, maxItems), capped: [{ path: '$', total: value.length, shown: maxItems }] };
  }
  const capped: CappedList[] = [];
  capUnder(value, '$', maxItems, 1, capped);
  return { value, capped };
}

function capUnder(value: unknown, path: string, maxItems: number, depth: number, capped: CappedList[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 2) return;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    const itemPath = `${path}.${key}`;
    if (Array.isArray(item) && LIST_KEYS.has(key.toLowerCase())) {
      if (item.length > maxItems) {
        capped.push({ path: itemPath, total: item.length, shown: maxItems });
        record[key] = item.slice(0, maxItems);
      }
    } else {
      capUnder(item, itemPath, maxItems, depth + 1, capped);
    }
  }
}
