/**
 * Applies OpenAPI Overlay 1.0 / 1.1 documents to a parsed OpenAPI document, in place, action by
 * action in order (update-nodes.ts has the merge rules). Unlike the spec, a target (or copy
 * source) that selects nothing is an error here: after an API change it is nearly always a typo.
 */
import path from 'node:path';
import type { JSONPathNode, JSONValue } from 'json-p3';
import type { SourceRef } from '../diagnostics/diagnostic.js';
import { checkOverlaySchema } from './check-overlay-schema.js';
import { compileJsonPath } from './compile-jsonpath.js';
import { isContainer, isPlainObject } from './json-pointer.js';
import type { LoadContext } from './load-context.js';
import { resolveLocation, updateNodes } from './update-nodes.js';

export interface OverlayFile {
  /** Display path (relative to cwd). */
  readonly file: string;
  /** Absolute path, to resolve a relative `extends`. */
  readonly absolutePath?: string;
  readonly value: unknown;
}

export interface OverlayTarget {
  readonly document: Record<string, unknown>;
  /** Absolute path of the OpenAPI document, to check `extends` against. */
  readonly specPath?: string;
}

/** Applies one overlay to `target.document` (mutated in place); problems go to the context. */
export function applyOverlay(target: OverlayTarget, overlay: OverlayFile, context: LoadContext): void {
  const at = (pointer: string): SourceRef => context.sourceMap.locate(overlay.value, pointer, overlay.file);
  const schema = checkOverlaySchema(overlay.value);
  const badActions = new Set<number>();
  for (const issue of schema.issues) {
    if (issue.actionIndex !== undefined) badActions.add(issue.actionIndex);
    context.report({
      code: issue.actionIndex === undefined ? 'MCPGEN_OVERLAY_INVALID' : 'MCPGEN_OVERLAY_ACTION_INVALID',
      source: at(issue.pointer),
      message: issue.message,
    });
  }
  if (!isPlainObject(overlay.value) || !Array.isArray(overlay.value['actions'])) return;
  checkExtends(overlay, target, at, context);
  const actions = overlay.value['actions'] as unknown[];
  actions.forEach((action, index) => {
    // Malformed actions are skipped (already reported); the rest still apply so one run shows all problems.
    if (badActions.has(index) || !isPlainObject(action) || typeof action['target'] !== 'string') return;
    applyAction(target.document, action, index, { overlay, at, context });
  });
}

interface ActionScope {
  readonly overlay: OverlayFile;
  readonly at: (pointer: string) => SourceRef;
  readonly context: LoadContext;
}

function applyAction(
  document: Record<string, unknown>,
  action: Record<string, unknown>,
  index: number,
  scope: ActionScope,
): void {
  const { at, context } = scope;
  const pointer = `/actions/${index}`;
  const actionId = `${scope.overlay.file}#${pointer}`;
  const nodes = selectNodes(document, action['target'] as string, `${pointer}/target`, scope);
  if (!nodes) return;

  const remove = action['remove'] === true;
  const hasUpdate = 'update' in action;
  const hasCopy = typeof action['copy'] === 'string';
  const modifiers = [remove && '`remove: true`', hasUpdate && '`update`', hasCopy && '`copy`'].filter(
    Boolean,
  );
  if (modifiers.length === 0) {
    context.report({
      code: 'MCPGEN_OVERLAY_ACTION_INVALID',
      source: at(pointer),
      message: `Action ${index} has no \`update\`, \`remove: true\` or \`copy\`, so it does nothing`,
    });
    return;
  }
  if (modifiers.length > 1) {
    context.report({
      code: 'MCPGEN_OVERLAY_ACTION_INVALID',
      source: at(pointer),
      message: `Action ${index} has ${modifiers.join(' and ')}; only ${modifiers[0]} takes effect (Overlay 1.1 order: remove, update, copy)`,
    });
  }
  if (nodes.length === 0) {
    context.report({
      code: 'MCPGEN_OVERLAY_TARGET_NO_MATCH',
      source: at(`${pointer}/target`),
      message: `Target ${action['target'] as string} of action ${index} selects nothing`,
    });
    return;
  }
  if (remove) {
    removeNodes(document, nodes, actionId, pointer, scope);
    return;
  }
  if (hasUpdate) {
    updateNodes(document, nodes, {
      value: action['update'],
      position: context.sourceMap.childPosition(action, 'update'),
      reportAt: `${pointer}/update`,
      actionId,
      context,
      at,
      typeProblemReported: { value: false },
    });
    return;
  }
  const sources = selectNodes(document, action['copy'] as string, `${pointer}/copy`, scope);
  if (!sources) return;
  if (sources.length !== 1) {
    context.report({
      code: 'MCPGEN_OVERLAY_COPY_SOURCE',
      source: at(`${pointer}/copy`),
      message: `Copy source ${action['copy'] as string} of action ${index} selects ${sources.length} nodes, not one`,
    });
    return;
  }
  const source = sources[0]!;
  updateNodes(document, nodes, {
    value: source.value,
    position: positionOfLocation(document, source.location, context),
    reportAt: `${pointer}/copy`,
    actionId,
    context,
    at,
    typeProblemReported: { value: false },
  });
}

/** Compiles and runs a JSONPath; undefined (reported) when it is not valid RFC 9535. */
function selectNodes(
  document: Record<string, unknown>,
  expression: string,
  reportAt: string,
  scope: ActionScope,
): JSONPathNode[] | undefined {
  const { at, context } = scope;
  const compiled = compileJsonPath(expression);
  if (!compiled.ok) {
    const column = compiled.index !== undefined ? ` at character ${compiled.index + 1}` : '';
    context.report({
      code: 'MCPGEN_OVERLAY_TARGET_INVALID',
      source: at(reportAt),
      message: `${expression} is not a valid RFC 9535 JSONPath: ${compiled.message}${column}`,
    });
    return undefined;
  }
  if (compiled.standardForm !== undefined) {
    const names = (compiled.nonstandardNames ?? []).map((name) => `.${name}`).join(', ');
    context.report({
      code: 'MCPGEN_OVERLAY_TARGET_NONSTANDARD',
      source: at(reportAt),
      message: `${expression} uses dot shorthand with '-' (${names}), which RFC 9535 does not allow; read as ${compiled.standardForm}`,
      fix: `Write it as ${compiled.standardForm}`,
    });
  }
  try {
    return compiled.query.query(document as JSONValue).nodes;
  } catch (error) {
    context.report({
      code: 'MCPGEN_OVERLAY_TARGET_INVALID',
      source: at(reportAt),
      message: `${expression} could not be evaluated: ${error instanceof Error ? error.message : String(error)}`,
    });
    return undefined;
  }
}

function removeNodes(
  document: Record<string, unknown>,
  nodes: readonly JSONPathNode[],
  actionId: string,
  pointer: string,
  scope: ActionScope,
): void {
  const { sourceMap } = scope.context;
  // Parents are resolved before anything is removed, and array items go last-first, so indexes stay valid.
  const byParent = new Map<object, Set<string | number>>();
  for (const node of nodes) {
    if (node.location.length === 0) {
      scope.context.report({
        code: 'MCPGEN_OVERLAY_ACTION_INVALID',
        source: scope.at(`${pointer}/target`),
        message: 'The document root cannot be removed',
      });
      continue;
    }
    const parent = resolveLocation(document, node.location.slice(0, -1));
    if (!isContainer(parent)) continue;
    const keys = byParent.get(parent) ?? new Set();
    keys.add(node.location[node.location.length - 1]!);
    byParent.set(parent, keys);
  }
  for (const [parent, keys] of byParent) {
    if (Array.isArray(parent)) {
      const indexes = [...keys].map(Number).sort((a, b) => b - a);
      for (const index of indexes) {
        parent.splice(index, 1);
        sourceMap.deleteChild(parent, index);
      }
    } else {
      for (const key of keys) {
        delete (parent as Record<string, unknown>)[String(key)];
        sourceMap.deleteChild(parent, String(key));
      }
    }
    sourceMap.recordAction(parent, actionId);
  }
}

function checkExtends(
  overlay: OverlayFile,
  target: OverlayTarget,
  at: (pointer: string) => SourceRef,
  context: LoadContext,
): void {
  const value = isPlainObject(overlay.value) ? overlay.value['extends'] : undefined;
  if (typeof value !== 'string' || !target.specPath) return;
  const specName = path.basename(target.specPath);
  let matches: boolean;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    // A URL: only its last segment can be compared with a local file.
    matches = decodeURIComponent(value.split(/[?#]/)[0]!.split('/').pop() ?? '') === specName;
  } else if (overlay.absolutePath) {
    const base = value.startsWith('/') ? path.dirname(target.specPath) : path.dirname(overlay.absolutePath);
    const resolved = path.resolve(base, value.startsWith('/') ? `.${value}` : value);
    matches = resolved === target.specPath || path.basename(resolved) === specName;
  } else {
    matches = path.basename(value) === specName;
  }
  if (!matches) {
    context.report({
      code: 'MCPGEN_OVERLAY_EXTENDS_MISMATCH',
      source: at('/extends'),
      message: `extends names ${value}, but the overlay is applied to ${specName}`,
    });
  }
}

/** Where the node at `location` was written: its key in its parent, else its own start. */
function positionOfLocation(
  document: Record<string, unknown>,
  location: readonly (string | number)[],
  context: LoadContext,
): number {
  if (location.length === 0) return context.sourceMap.ownPosition(document);
  const parent = resolveLocation(document, location.slice(0, -1));
  const keyPosition = context.sourceMap.childPosition(parent, location[location.length - 1]!);
  return keyPosition >= 0 ? keyPosition : context.sourceMap.ownPosition(resolveLocation(document, location));
}
