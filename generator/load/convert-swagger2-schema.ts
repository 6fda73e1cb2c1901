/**
 * Swagger 2.0 Schema Objects and `$ref`s in OpenAPI 3.0 shape: `#/definitions/` refs point at
 * `#/components/schemas/`, `x-nullable` becomes `nullable`, `type: file` a binary string, a string
 * `discriminator` a Discriminator Object. Converted nodes keep their originals' positions.
 */
import { isPlainObject, setOwn } from './json-pointer.js';
import type { SourceMap } from './source-map.js';
import { isLiteralKeyword } from './walk-references.js';

export interface Swagger2Context {
  readonly sourceMap: SourceMap;
  /** Names under the 2.0 root `parameters` that are body parameters (they become requestBodies). */
  readonly bodyParameters: ReadonlySet<string>;
}

const REF_PREFIXES: readonly (readonly [string, string])[] = [
  ['#/definitions/', '#/components/schemas/'],
  ['#/responses/', '#/components/responses/'],
  ['#/securityDefinitions/', '#/components/securitySchemes/'],
];

/** The OpenAPI 3.0 form of a Swagger 2.0 internal `$ref`; anything else is returned as is. */
export function rewriteSwagger2Ref(ref: string, bodyParameters: ReadonlySet<string>): string {
  for (const [from, to] of REF_PREFIXES) {
    if (ref.startsWith(from)) return to + ref.slice(from.length);
  }
  if (ref.startsWith('#/parameters/')) {
    const rest = ref.slice('#/parameters/'.length);
    const name = decodeURIComponent(rest.split('/')[0]!.replace(/~1/g, '/').replace(/~0/g, '~'));
    return `${bodyParameters.has(name) ? '#/components/requestBodies/' : '#/components/parameters/'}${rest}`;
  }
  return ref;
}

/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);

export function convertSchema(node: unknown, context: Swagger2Context): unknown {
  if (Array.isArray(node)) {
    const items = node.map((item) => convertSchema(item, context));
    context.sourceMap.alias(items, node);
    return items;
  }
  if (!isPlainObject(node)) return node;
  const out: Record<string, unknown> = {};
  context.sourceMap.alias(out, node);
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (key === '$ref' && typeof value === 'string') {
      out['$ref'] = rewriteSwagger2Ref(value, context.bodyParameters);
    } else if (key === 'x-nullable') {
      if (value === true) {
        out['nullable'] = true;
        context.sourceMap.setChildPosition(out, 'nullable', context.sourceMap.childPosition(node, key));
      }
    } else if (key === 'type' && value === 'file') {
      out['type'] = 'string';
      out['format'] = 'binary';
      context.sourceMap.setChildPosition(out, 'format', context.sourceMap.childPosition(node, key));
    } else if (key === 'discriminator' && typeof value === 'string') {
      out['discriminator'] = { propertyName: value };
    } else if (isLiteralKeyword(key, value, 'keywords', { swagger2: true })) {
      // Example payloads and defaults are data: shared as they are, never rewritten.
      setOwn(out, key, value);
    } else if (SCHEMA_MAPS.has(key) && isPlainObject(value)) {
      const map: Record<string, unknown> = {};
      context.sourceMap.alias(map, value);
      for (const name of Object.keys(value)) setOwn(map, name, convertSchema(value[name], context));
      out[key] = map;
    } else {
      setOwn(out, key, convertSchema(value, context));
    }
  }
  return out;
}

/** Copies the `x-` extensions of a 2.0 object onto its 3.0 counterpart. */
export function copyExtensions(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
  skip?: string,
): void {
  for (const key of Object.keys(from)) {
    if (key.startsWith('x-') && key !== skip) setOwn(to, key, from[key]);
  }
}
