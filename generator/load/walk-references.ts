/**
 * Finds `$ref`s in reference positions. A `$ref` key inside an example payload, a default, an
 * enum or const value, or an `x-` extension is data, not a reference (real specs have them:
 * SCIM examples hold `"$ref": "https://..."`), and names in maps (`properties`, `responses`,
 * `schemas`...) are names even when they read `example` or `default`.
 */
import { appendJsonPointer, isPlainObject } from './json-pointer.js';

/** Keywords whose value is literal data. */
const LITERAL_KEYWORDS = new Set(['example', 'default', 'enum', 'const']);

/** Keywords whose value is a map from names (chosen by the author) to OpenAPI/Schema objects. */
const NAMED_MAP_KEYWORDS = new Set([
  'paths',
  'webhooks',
  'definitions',
  '$defs',
  'properties',
  'patternProperties',
  'dependentSchemas',
  'schemas',
  'responses',
  'parameters',
  'requestBodies',
  'headers',
  'securitySchemes',
  'securityDefinitions',
  'links',
  'callbacks',
  'pathItems',
  'content',
  'encoding',
  'variables',
]);

export interface RefSite {
  /** The object holding the `$ref`. */
  readonly holder: Record<string, unknown>;
  /** Pointer of the holder. */
  readonly pointer: string;
  readonly ref: string;
}

/** keywords: an OpenAPI/Schema object; names: a map of them; exampleNames: a map of Example Objects. */
type Context = 'keywords' | 'names' | 'exampleNames' | 'example';

export interface WalkOptions {
  /** Swagger 2.0: `examples` (mime type -> payload) is data, not a map of Example Objects. */
  readonly swagger2?: boolean;
  /**
   * The sites found under each path item and component (`--watch`): a node that is still the
   * same object at the same place was not edited (edits replace the objects above them), so
   * its sites are replayed instead of walked again.
   */
  readonly memo?: RefSiteMemo;
}

export type RefSiteMemo = WeakMap<object, { readonly key: string; readonly sites: readonly RefSite[] }>;

/** Path items (`/paths/x`) and components (`/components/schemas/x`) are what the memo keeps. */
const MEMO_DEPTHS = new Set([2, 3]);

/** Calls `visit` for every `$ref` in a reference position, in document order. */
export function walkReferences(
  root: unknown,
  visit: (site: RefSite) => void,
  options: WalkOptions = {},
): void {
  const { memo } = options;
  let emit = visit;
  const walk = (node: unknown, pointer: string, context: Context, depth = 0): void => {
    if (memo && MEMO_DEPTHS.has(depth) && isPlainObject(node)) {
      const key = `${options.swagger2 === true}${context}${pointer}`;
      const known = memo.get(node);
      if (known?.key === key) {
        for (const site of known.sites) emit(site);
        return;
      }
      const sites: RefSite[] = [];
      const outer = emit;
      emit = (site) => {
        sites.push(site);
        outer(site);
      };
      try {
        walkNode(node, pointer, context, depth);
      } finally {
        emit = outer;
      }
      memo.set(node, { key, sites });
      return;
    }
    walkNode(node, pointer, context, depth);
  };
  const walkNode = (node: unknown, pointer: string, context: Context, depth: number): void => {
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++)
        walk(node[index], appendJsonPointer(pointer, index), 'keywords', depth + 1);
      return;
    }
    if (!isPlainObject(node)) return;
    if (context === 'names' || context === 'exampleNames') {
      const entryContext = context === 'names' ? 'keywords' : 'example';
      for (const key of Object.keys(node))
        walk(node[key], appendJsonPointer(pointer, key), entryContext, depth + 1);
      return;
    }
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (key === '$ref') {
        if (typeof value === 'string') emit({ holder: node, pointer, ref: value });
        continue;
      }
      if (isLiteralKeyword(key, value, context, options)) continue;
      walk(value, appendJsonPointer(pointer, key), childContext(key, value), depth + 1);
    }
  };
  walk(root, '', 'keywords');
}

/** Whether `key` (in keyword position) holds data rather than OpenAPI structure. */
export function isLiteralKeyword(
  key: string,
  value: unknown,
  context: Context = 'keywords',
  options: WalkOptions = {},
): boolean {
  if (LITERAL_KEYWORDS.has(key) || key.startsWith('x-')) return true;
  // Example Object: `value` is the payload. JSON Schema `examples` is an array of payloads.
  if (context === 'example' && key === 'value') return true;
  return key === 'examples' && (Array.isArray(value) || options.swagger2 === true);
}

function childContext(key: string, value: unknown): Context {
  if (key === 'examples' && isPlainObject(value)) return 'exampleNames';
  return NAMED_MAP_KEYWORDS.has(key) && isPlainObject(value) ? 'names' : 'keywords';
}
