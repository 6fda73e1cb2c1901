/**
 * `--watch`: where a saved JSON document changed. The edit is the range between the texts'
 * common prefix and suffix; the changed value is the deepest object or array whose text holds
 * the whole edit strictly inside its brackets, found from the positions of the previous parse
 * (each node's start, each key's start) without parsing anything. Pure.
 */
import { isContainer } from './json-pointer.js';
import type { SourceMap } from './source-map.js';

export interface TextChange {
  /** First changed offset (both texts). */
  readonly start: number;
  /** End of the replaced range in the old text, and of its replacement in the new one. */
  readonly oldEnd: number;
  readonly newEnd: number;
}

export interface ChangedValue {
  readonly change: TextChange;
  /** Where the value sits in the document. */
  readonly tokens: readonly string[];
  /** The value's text in the old document: [start, end). In the new one it ends at end + delta. */
  readonly start: number;
  readonly end: number;
}

/** The edit between two texts; undefined when they are equal. */
export function findTextChange(oldText: string, newText: string): TextChange | undefined {
  if (oldText === newText) return undefined;
  const shorter = Math.min(oldText.length, newText.length);
  let start = 0;
  // Blocks first: a 4 MB document is compared in a few milliseconds, not char by char.
  const BLOCK = 4096;
  while (
    start + BLOCK <= shorter &&
    oldText.slice(start, start + BLOCK) === newText.slice(start, start + BLOCK)
  )
    start += BLOCK;
  while (start < shorter && oldText.charCodeAt(start) === newText.charCodeAt(start)) start++;
  let suffix = 0;
  const room = shorter - start;
  while (
    suffix + BLOCK <= room &&
    oldText.slice(oldText.length - suffix - BLOCK, oldText.length - suffix) ===
      newText.slice(newText.length - suffix - BLOCK, newText.length - suffix)
  )
    suffix += BLOCK;
  while (
    suffix < room &&
    oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)
  )
    suffix++;
  return { start, oldEnd: oldText.length - suffix, newEnd: newText.length - suffix };
}

/**
 * The containers of `root` (parsed from `oldText`, positions in file `fileId`) whose brackets
 * hold the whole change, the deepest first; empty when not even the root does. Not only the
 * deepest: where an edit begins is ambiguous (inserting `{"a": 1}, ` before `{"b": 2}` shares
 * its first character with the old text, so the change seems to start inside `{"b": 2}`), and
 * only parsing the new text can tell which one really holds it.
 */
export function findChangedValues(input: {
  readonly oldText: string;
  readonly change: TextChange;
  readonly root: unknown;
  readonly sourceMap: SourceMap;
  readonly fileId: number;
}): ChangedValue[] {
  const { oldText: text, change, sourceMap } = input;
  const offsetOf = (position: number): number | undefined => {
    const resolved = sourceMap.resolve(position);
    return resolved?.fileId === input.fileId ? resolved.offset : undefined;
  };
  const holds = (start: number | undefined, end: number | undefined): boolean =>
    start !== undefined && end !== undefined && start < change.start && change.oldEnd <= end - 1;

  let node: unknown = input.root;
  let start = offsetOf(sourceMap.ownPosition(node));
  let end = skipBack(text, text.length - 1) + 1;
  if (!isContainer(node) || !holds(start, end) || !isClosing(text, end - 1)) return [];
  const tokens: string[] = [];
  const found: ChangedValue[] = [{ change, tokens: [], start: start!, end }];
  for (;;) {
    const container: Record<string, unknown> | unknown[] = node as Record<string, unknown> | unknown[];
    const children = listChildren(container, sourceMap, offsetOf);
    // The child whose text begins last before the change; the next one bounds its end.
    let index = -1;
    for (let i = 0; i < children.length && children[i]!.at < change.start; i++) index = i;
    const child = children[index];
    if (!child) break;
    const value = Array.isArray(container) ? container[Number(child.key)] : container[child.key];
    if (!isContainer(value)) break;
    const next = children[index + 1];
    const childEnd = next ? endBeforeComma(text, next.at) : endBeforeClosing(text, end - 1);
    const childStart = offsetOf(sourceMap.ownPosition(value));
    if (childEnd === undefined || !holds(childStart, childEnd)) break;
    tokens.push(child.key);
    node = value;
    start = childStart;
    end = childEnd;
    found.unshift({ change, tokens: [...tokens], start: start!, end });
  }
  return found;
}

interface Child {
  readonly key: string;
  /** Offset of the key (objects) or the item (arrays). */
  readonly at: number;
}

/** In text order: integer-like keys come first in Object.keys, not where they were written. */
function listChildren(
  node: Record<string, unknown> | unknown[],
  sourceMap: SourceMap,
  offsetOf: (position: number) => number | undefined,
): Child[] {
  const keys = Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node);
  const children: Child[] = [];
  for (const key of keys) {
    const at = offsetOf(sourceMap.childPosition(node, key));
    if (at !== undefined) children.push({ key, at });
  }
  return children.sort((a, b) => a.at - b.at);
}

/** The end of a value followed by `,` and the next member at `next`; undefined if the text says otherwise. */
function endBeforeComma(text: string, next: number): number | undefined {
  const comma = skipBack(text, next - 1);
  if (text.charCodeAt(comma) !== 44) return undefined;
  const close = skipBack(text, comma - 1);
  return isClosing(text, close) ? close + 1 : undefined;
}

/** The end of the last value before its parent's closing bracket at `closing`. */
function endBeforeClosing(text: string, closing: number): number | undefined {
  const close = skipBack(text, closing - 1);
  return isClosing(text, close) ? close + 1 : undefined;
}

function isClosing(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c === 125 || c === 93;
}

/** The last offset at or before `from` that is not JSON whitespace. */
function skipBack(text: string, from: number): number {
  let at = from;
  for (;;) {
    const c = text.charCodeAt(at);
    if (c === 32 || c === 10 || c === 13 || c === 9) at--;
    else return at;
  }
}
