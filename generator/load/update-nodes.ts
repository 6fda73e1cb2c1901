/**
 * `update` and `copy` as Overlay 1.1 defines them (also for 1.0 documents, whose text is a
 * subset): objects merge recursively, arrays concatenate (or get a non-array value appended),
 * primitives replace primitives; any other combination is MCPGEN_OVERLAY_UPDATE_TYPE, and the
 * value replaces the node anyway so later actions see what the author meant. Inserted values are
 * copies that keep the positions of where they were written and record the action.
 */
import type { JSONPathNode } from 'json-p3';
import type { SourceRef } from '../diagnostics/diagnostic.js';
import { describeType } from './describe-type.js';
import { appendJsonPointer, formatJsonPointer, isContainer, isPlainObject, setOwn } from './json-pointer.js';
import type { LoadContext } from './load-context.js';

export interface UpdateValue {
  readonly value: unknown;
  /** Where the value was written, for a primitive (which has no position of its own). */
  readonly position: number;
  /** Pointer into the overlay where type problems are reported. */
  readonly reportAt: string;
  readonly actionId: string;
  readonly context: LoadContext;
  /** Locates a pointer in the overlay document. */
  readonly at: (pointer: string) => SourceRef;
  readonly typeProblemReported: { value: boolean };
}

export function updateNodes(
  document: Record<string, unknown>,
  nodes: readonly JSONPathNode[],
  update: UpdateValue,
): void {
  const kinds = new Set(nodes.map((node) => kindOf(node.value)));
  if (kinds.size > 1) {
    reportTypeProblem(update, `the target selects a mix of ${[...kinds].join(', ')} nodes`);
  }
  for (const node of nodes) {
    const target = node.value;
    if (isPlainObject(target) && isPlainObject(update.value)) {
      mergeObject(target, update.value, formatJsonPointer(node.location), update);
    } else if (Array.isArray(target)) {
      appendToArray(target, update.value, update);
    } else if (!isContainer(target) && !isContainer(update.value)) {
      replaceAt(document, node.location, update.value, update.position, update);
    } else {
      reportTypeProblem(
        update,
        `it cannot update ${describeKind(target)} at ${formatJsonPointer(node.location) || '/'} with ${describeKind(update.value)}`,
      );
      // The value still replaces the node, so later actions see what the author meant.
      const position = update.context.sourceMap.ownPosition(update.value);
      replaceAt(document, node.location, update.value, position >= 0 ? position : update.position, update);
    }
  }
}

/** Overlay 1.1 merge: new keys are inserted, objects merge, arrays concatenate, primitives replace. */
function mergeObject(
  target: Record<string, unknown>,
  value: Record<string, unknown>,
  targetPointer: string,
  update: UpdateValue,
): void {
  const { sourceMap } = update.context;
  sourceMap.recordAction(target, update.actionId);
  for (const key of Object.keys(value)) {
    const incoming = value[key];
    const keyPosition = sourceMap.childPosition(value, key);
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(existing) && isPlainObject(incoming)) {
      mergeObject(existing, incoming, appendJsonPointer(targetPointer, key), update);
      continue;
    }
    if (Array.isArray(existing) && Array.isArray(incoming)) {
      appendToArray(existing, incoming, update);
      continue;
    }
    if (existing !== undefined && (isContainer(existing) || isContainer(incoming))) {
      reportTypeProblem(
        update,
        `it cannot merge ${describeKind(incoming)} into ${describeKind(existing)} at ${appendJsonPointer(targetPointer, key)}`,
      );
    }
    setOwn(target, key, sourceMap.clone(incoming, update.actionId));
    sourceMap.setChildPosition(target, key, keyPosition);
  }
}

function appendToArray(target: unknown[], value: unknown, update: UpdateValue): void {
  const { sourceMap } = update.context;
  sourceMap.recordAction(target, update.actionId);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      target.push(sourceMap.clone(item, update.actionId));
      sourceMap.setChildPosition(target, target.length - 1, sourceMap.childPosition(value, index));
    });
    return;
  }
  target.push(sourceMap.clone(value, update.actionId));
  const own = sourceMap.ownPosition(value);
  sourceMap.setChildPosition(target, target.length - 1, own >= 0 ? own : update.position);
}

function replaceAt(
  document: Record<string, unknown>,
  location: readonly (string | number)[],
  value: unknown,
  position: number,
  update: UpdateValue,
): void {
  if (location.length === 0) return;
  const parent = resolveLocation(document, location.slice(0, -1));
  const key = location[location.length - 1]!;
  const { sourceMap } = update.context;
  if (Array.isArray(parent)) parent[Number(key)] = sourceMap.clone(value, update.actionId);
  else if (isPlainObject(parent)) setOwn(parent, String(key), sourceMap.clone(value, update.actionId));
  else return;
  sourceMap.setChildPosition(parent, key, position);
  sourceMap.recordAction(parent, update.actionId);
}

function reportTypeProblem(update: UpdateValue, reason: string): void {
  // One per action: a wildcard target can hit hundreds of nodes, all at the same overlay line.
  if (update.typeProblemReported.value) return;
  update.typeProblemReported.value = true;
  update.context.report({
    code: 'MCPGEN_OVERLAY_UPDATE_TYPE',
    source: update.at(update.reportAt),
    message: `Overlay 1.1 merge rules: ${reason}`,
    fix: 'Objects merge into objects, arrays into arrays, primitives replace primitives; to change the type, remove the node first in an earlier action.',
  });
}

export function resolveLocation(root: unknown, location: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of location) {
    if (!isContainer(node)) return undefined;
    node = (node as Record<string, unknown>)[key as string];
  }
  return node;
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : isPlainObject(value) ? 'object' : 'primitive';
}

function describeKind(value: unknown): string {
  return isContainer(value) ? describeType(value) : `a primitive (${describeType(value)})`;
}
