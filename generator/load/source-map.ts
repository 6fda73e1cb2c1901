/**
 * Where each node of a loaded document was written. Positions hang off the object identity of
 * each object/array node (a WeakMap), not off JSON pointers, so they survive overlays moving
 * nodes and conversions that reuse or alias nodes.
 *
 * A position is one number: `fileId * 2^32 + offset` (UTF-16 offset into the file's text), so
 * a 4 MB document costs a Map of numbers per object rather than an object per key.
 */
import type { SourceRef } from '../diagnostics/diagnostic.js';
import { getChild, isContainer, parseJsonPointer } from './json-pointer.js';

export const UNKNOWN_POSITION = -1;
const FILE_SPAN = 2 ** 32;

interface SourceText {
  /** Display path (relative to cwd, posix). */
  readonly file: string;
  readonly text: string;
  lineStarts?: number[];
  /** Set when the file was edited (watch): its positions now live in `to`, shifted by the edit. */
  readonly edit?: TextEdit;
}

/** One replaced range: offsets before `start` stay, offsets from `oldEnd` on move by `delta`. */
export interface TextEdit {
  /** File id of the edited text. */
  readonly to: number;
  readonly start: number;
  readonly oldEnd: number;
  readonly delta: number;
}

interface NodeInfo {
  /** Where the node itself starts. */
  own: number;
  /** Objects: where each key was written. */
  keys?: Map<string, number>;
  /** Arrays: where each item starts. */
  items?: number[];
  /** Overlay actions that changed this node, as `file#/actions/N`. */
  actions?: string[];
}

export interface FilePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export class SourceMap {
  readonly #files: SourceText[] = [];
  readonly #nodes = new WeakMap<object, NodeInfo>();
  /** Infos made by `alias` that still share their key/item tables with the original. */
  readonly #sharedMaps = new WeakSet<NodeInfo>();

  /** Registers a file's text (for line/column lookups) and returns its id for `position()`. */
  addFile(file: string, text: string): number {
    this.#files.push({ file, text });
    return this.#files.length - 1;
  }

  position(fileId: number, offset: number): number {
    return fileId * FILE_SPAN + offset;
  }

  /**
   * Moves the positions of file `fileId` into its edited text `edit.to` (added with addFile):
   * every node outside the replaced range keeps its place without being visited, at the cost of
   * one hop per edit when described. The old text is dropped.
   */
  redirectFile(fileId: number, edit: TextEdit): void {
    const source = this.#files[fileId];
    if (!source) return;
    this.#files[fileId] = { file: source.file, text: '', edit };
  }

  /** The file and offset a position is at now, after the edits of its file; undefined when unknown. */
  resolve(position: number): { readonly fileId: number; readonly offset: number } | undefined {
    if (position < 0) return undefined;
    let fileId = Math.floor(position / FILE_SPAN);
    let offset = position % FILE_SPAN;
    let edit = this.#files[fileId]?.edit;
    while (edit) {
      // Live nodes never start inside the replaced range (they were parsed again); clamp anyway.
      offset = offset < edit.start ? offset : offset >= edit.oldEnd ? offset + edit.delta : edit.start;
      fileId = edit.to;
      edit = this.#files[fileId]?.edit;
    }
    return this.#files[fileId] ? { fileId, offset } : undefined;
  }

  /** Line and column (1-based) of a position; undefined for an unknown position. */
  describe(position: number): FilePosition | undefined {
    const resolved = this.resolve(position);
    if (!resolved) return undefined;
    const source = this.#files[resolved.fileId]!;
    const { offset } = resolved;
    source.lineStarts ??= computeLineStarts(source.text);
    const starts = source.lineStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { file: source.file, line: low + 1, column: offset - starts[low]! + 1 };
  }

  registerObject(node: object, own: number, keys: Map<string, number>): void {
    this.#nodes.set(node, { own, keys });
  }

  registerArray(node: unknown[], own: number, items: number[]): void {
    this.#nodes.set(node, { own, items });
  }

  ownPosition(node: unknown): number {
    return isContainer(node) ? (this.#nodes.get(node)?.own ?? UNKNOWN_POSITION) : UNKNOWN_POSITION;
  }

  /** Where the key (object) or index (array) was written inside `parent`. */
  childPosition(parent: unknown, key: string | number): number {
    if (!isContainer(parent)) return UNKNOWN_POSITION;
    const info = this.#nodes.get(parent);
    if (!info) return UNKNOWN_POSITION;
    if (Array.isArray(parent)) return info.items?.[Number(key)] ?? UNKNOWN_POSITION;
    return info.keys?.get(String(key)) ?? UNKNOWN_POSITION;
  }

  setChildPosition(parent: object, key: string | number, position: number): void {
    const info = this.#ensure(parent);
    if (Array.isArray(parent)) {
      info.items ??= [];
      info.items[Number(key)] = position;
    } else {
      info.keys ??= new Map();
      info.keys.set(String(key), position);
    }
  }

  deleteChild(parent: object, key: string | number): void {
    if (!this.#nodes.has(parent)) return;
    const info = this.#ensure(parent);
    if (Array.isArray(parent)) info.items?.splice(Number(key), 1);
    else info.keys?.delete(String(key));
  }

  /** Gives `target` the positions of `source` (a converted node keeps the place of its original). */
  alias(target: object, source: unknown): void {
    if (!isContainer(source) || target === source) return;
    const info = this.#nodes.get(source);
    if (!info) return;
    const copy: NodeInfo = { own: info.own };
    if (info.keys) copy.keys = info.keys;
    if (info.items) copy.items = info.items;
    if (info.actions) copy.actions = [...info.actions];
    // Keys and items are shared read-only; #ensureOwnMaps copies them before any write.
    this.#nodes.set(target, copy);
    this.#sharedMaps.add(copy);
  }

  recordAction(node: object, action: string): void {
    const info = this.#ensure(node);
    info.actions ??= [];
    if (!info.actions.includes(action)) info.actions.push(action);
  }

  actionsOf(node: unknown): readonly string[] {
    return (isContainer(node) && this.#nodes.get(node)?.actions) || [];
  }

  /**
   * A deep copy of plain data that keeps the positions of every copied node; `action`, when
   * given, is recorded on every copied container (they were all inserted by that action).
   */
  clone<T>(value: T, action?: string): T {
    if (!isContainer(value)) return value;
    if (Array.isArray(value)) {
      const copy = value.map((item) => this.clone(item, action));
      this.#copyInfo(copy, value, action);
      return copy as T;
    }
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const child = this.clone((value as Record<string, unknown>)[key], action);
      if (key === '__proto__') {
        Object.defineProperty(copy, key, {
          value: child,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        copy[key] = child;
      }
    }
    this.#copyInfo(copy, value, action);
    return copy as T;
  }

  /**
   * The position of the node at `pointer` under `root`: for a key, where the key was written in
   * its parent; else the node's own start; else the nearest located ancestor. Never throws.
   */
  locate(root: unknown, pointer: string, fallbackFile: string): SourceRef {
    const tokens = parseJsonPointer(pointer) ?? [];
    let node = root;
    let position = this.ownPosition(root);
    let touched: unknown = root;
    for (const token of tokens) {
      if (!isContainer(node)) break;
      const child = getChild(node, token);
      if (child === undefined) break;
      const keyPosition = this.childPosition(node, token);
      if (keyPosition >= 0) position = keyPosition;
      else if (this.ownPosition(child) >= 0) position = this.ownPosition(child);
      node = child;
      if (isContainer(child)) touched = child;
    }
    const where = this.describe(position);
    const actions = this.actionsOf(touched);
    return {
      file: where?.file ?? fallbackFile,
      pointer,
      line: where?.line ?? 1,
      column: where?.column ?? 1,
      ...(actions.length > 0 ? { overlayActions: [...actions] } : {}),
    };
  }

  #copyInfo(target: object, source: object, action: string | undefined): void {
    const info = this.#nodes.get(source);
    const copy: NodeInfo = { own: info?.own ?? UNKNOWN_POSITION };
    if (info?.keys) copy.keys = new Map(info.keys);
    if (info?.items) copy.items = [...info.items];
    const actions = [...(info?.actions ?? []), ...(action ? [action] : [])];
    if (actions.length > 0) copy.actions = actions;
    this.#nodes.set(target, copy);
  }

  #ensure(node: object): NodeInfo {
    let info = this.#nodes.get(node);
    if (!info) {
      info = { own: UNKNOWN_POSITION };
      this.#nodes.set(node, info);
    } else if (this.#sharedMaps.has(info)) {
      if (info.keys) info.keys = new Map(info.keys);
      if (info.items) info.items = [...info.items];
      this.#sharedMaps.delete(info);
    }
    return info;
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  let index = text.indexOf('\n');
  while (index !== -1) {
    starts.push(index + 1);
    index = text.indexOf('\n', index + 1);
  }
  return starts;
}
