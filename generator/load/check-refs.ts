/**
 * Every `$ref` in a reference position must resolve inside the document: a broken one is
 * reported at the `$ref` itself with the closest existing names, an external one (another file
 * or a URL) is refused. External references are not bundled yet, even with allowExternalRefs.
 *
 * Lenient (the default): a broken reference to a schema component that no existing name comes
 * close to (keycloak's `#/components/schemas/oas_any_type_not_mapped`) is a warning, and the
 * schema accepts any value. A near miss (`ItemLst` beside `ItemList`) stays an error: it is a
 * typo with an obvious fix, and `{}` would silently drop the schema meant. So does a broken
 * parameter, body, response or path item: the operation could not be called as documented.
 */
import path from 'node:path';
import type { SourceRef } from '../diagnostics/diagnostic.js';
import { escapeToken, isPlainObject, parseRefFragment, resolveJsonPointer } from './json-pointer.js';
import type { LoadContext } from './load-context.js';
import { rankCandidates } from './rank-candidates.js';
import { type RefSiteMemo, walkReferences } from './walk-references.js';

export interface RefCheck {
  /** Pointers of the objects whose `$ref` does not resolve inside the document (broken or external). */
  readonly unresolvedPointers: readonly string[];
}

export interface CheckRefsInput {
  readonly document: Record<string, unknown>;
  /** File name of the spec, so `openapi.yaml#/components/...` counts as internal. */
  readonly specName: string;
  readonly at: (pointer: string) => SourceRef;
  /** Swagger 2.0 reads `examples` as data. */
  readonly swagger2?: boolean;
  /** `--watch`: the sites of path items and components that were not edited (walk-references.ts). */
  readonly memo?: RefSiteMemo;
}

export type ParsedRef =
  | { readonly kind: 'internal'; readonly tokens: readonly string[] }
  | { readonly kind: 'anchor'; readonly anchor: string }
  | { readonly kind: 'external'; readonly location: string };

/** Splits a `$ref` into an internal pointer, a plain-name anchor, or something outside the document. */
export function parseRef(ref: string, specName?: string): ParsedRef {
  const hash = ref.indexOf('#');
  const location = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? '' : ref.slice(hash + 1);
  if (location !== '' && !(specName && isSameFile(location, specName))) return { kind: 'external', location };
  const tokens = parseRefFragment(fragment);
  return tokens ? { kind: 'internal', tokens } : { kind: 'anchor', anchor: fragment };
}

export function checkRefs(
  input: CheckRefsInput,
  context: Pick<LoadContext, 'report' | 'allowExternalRefs' | 'strict'>,
): RefCheck {
  const unresolvedPointers: string[] = [];
  let anchors: Set<string> | undefined;
  walkReferences(
    input.document,
    ({ pointer, ref }) => {
      // Located only when reported: a large document has thousands of refs that resolve.
      const at = () => input.at(`${pointer}/$ref`);
      const parsed = parseRef(ref, input.specName);
      if (parsed.kind === 'external') {
        unresolvedPointers.push(pointer);
        context.report({
          code: 'MCPGEN_REF_EXTERNAL',
          source: at(),
          message: context.allowExternalRefs
            ? `$ref '${ref}' points outside this document; external references are not bundled yet, even with --allow-external-refs`
            : `$ref '${ref}' points outside this document`,
          ...(context.allowExternalRefs
            ? {
                fix: 'Inline the referenced definitions into the spec, e.g. with `redocly bundle` or `swagger-cli bundle`.',
              }
            : {}),
        });
        return;
      }
      if (parsed.kind === 'anchor') {
        anchors ??= collectAnchors(input.document);
        if (anchors.has(parsed.anchor)) return;
        unresolvedPointers.push(pointer);
        context.report({
          code: 'MCPGEN_REF_NOT_FOUND',
          source: at(),
          message: `$ref '${ref}' does not resolve: no schema has $anchor '${parsed.anchor}'`,
        });
        return;
      }
      const resolution = resolveJsonPointer(input.document, parsed.tokens);
      if (resolution.found) return;
      unresolvedPointers.push(pointer);
      const missing = parsed.tokens[resolution.depth]!;
      const parentRef = formatRef(parsed.tokens.slice(0, resolution.depth));
      const names = isPlainObject(resolution.container) ? Object.keys(resolution.container) : [];
      const suggestions = rankCandidates(missing, names).map((name) =>
        formatRef([
          ...parsed.tokens.slice(0, resolution.depth),
          name,
          ...parsed.tokens.slice(resolution.depth + 1),
        ]),
      );
      const lenient = !context.strict && suggestions.length === 0 && isSchemaRef(parsed.tokens);
      context.report({
        code: 'MCPGEN_REF_NOT_FOUND',
        source: at(),
        message: lenient
          ? `$ref '${ref}' does not resolve: there is no '${missing}' in ${parentRef}; the schema accepts any value`
          : `$ref '${ref}' does not resolve: there is no '${missing}' in ${parentRef}`,
        ...(lenient ? { severity: 'warning' as const } : {}),
        ...(suggestions.length > 0
          ? {
              fix: `Did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}? Otherwise add the missing component.`,
            }
          : {}),
      });
    },
    { swagger2: input.swagger2 === true, ...(input.memo ? { memo: input.memo } : {}) },
  );
  return { unresolvedPointers };
}

/** `#/components/schemas/X` (3.x) or `#/definitions/X` (2.0): a reference that stands for a schema. */
function isSchemaRef(tokens: readonly string[]): boolean {
  return (tokens[0] === 'components' && tokens[1] === 'schemas') || tokens[0] === 'definitions';
}

function formatRef(tokens: readonly string[]): string {
  return `#${tokens.map((token) => `/${escapeToken(token)}`).join('')}`;
}

function isSameFile(location: string, specName: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return false;
  return path.posix.normalize(location.replace(/\\/g, '/')) === path.posix.normalize(specName);
}

function collectAnchors(root: unknown): Set<string> {
  const anchors = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (isPlainObject(node)) {
      if (typeof node['$anchor'] === 'string') anchors.add(node['$anchor']);
      if (typeof node['$dynamicAnchor'] === 'string') anchors.add(node['$dynamicAnchor']);
      for (const value of Object.values(node)) visit(value);
    }
  };
  visit(root);
  return anchors;
}
