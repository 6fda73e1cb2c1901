/**
 * YAML to plain data with positions: walks the `yaml` AST (rather than `toJS()`) so each object
 * and array is registered in the source map with its own offset and the offset of each key/item.
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { formatJsonPointer, setOwn } from './json-pointer.js';
import { type DuplicateKey, MAX_NESTING, type ParsedText, type ParseIssue } from './parse-json.js';
import type { SourceMap } from './source-map.js';

/** Total nodes copied for aliases; more is a billion-laughs document, not an API description. */
const MAX_ALIAS_NODES = 100_000;

export function parseYamlText(text: string, fileId: number, sourceMap: SourceMap): ParsedText {
  let document: Document;
  try {
    // Duplicate keys are reported as warnings below, not as `yaml` errors.
    document = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: false });
  } catch (error) {
    // Pathological nesting can exhaust the stack inside `yaml` itself.
    if (error instanceof RangeError) return tooDeep(0, 'Nested too deeply to parse');
    throw error;
  }
  if (document.errors.length > 0) {
    // `yaml` turns its own stack overflows into errors; one message says it better than a dozen.
    const overflow = document.errors.find((error) => /call stack/i.test(error.message));
    if (overflow) return tooDeep(overflow.pos[0], 'Nested too deeply to parse');
    const errors: ParseIssue[] = document.errors.map((error) => ({
      offset: error.pos[0],
      message: error.message.split('\n')[0] ?? error.message,
    }));
    return { value: undefined, errors, duplicates: [] };
  }
  const converter = new YamlConverter(document, sourceMap, sourceMap.position(fileId, 0));
  try {
    const value = converter.convert(document.contents);
    return { value, errors: [], duplicates: converter.duplicates };
  } catch (error) {
    if (error instanceof YamlLimitError) {
      return { value: undefined, errors: [{ offset: error.offset, message: error.message }], duplicates: [] };
    }
    throw error;
  }
}

function tooDeep(offset: number, message: string): ParsedText {
  return { value: undefined, errors: [{ offset, message }], duplicates: [] };
}

class YamlLimitError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

class YamlConverter {
  readonly duplicates: DuplicateKey[] = [];
  readonly #anchored = new Map<Node, unknown>();
  /** Keys from the root to the node being converted, for the pointer of a duplicate key. */
  readonly #path: string[] = [];
  #aliasNodes = 0;

  constructor(
    private readonly document: Document,
    private readonly sourceMap: SourceMap,
    private readonly base: number,
  ) {}

  convert(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    let value: unknown;
    if (isScalar(node)) {
      value = node.value;
    } else if (isAlias(node)) {
      value = this.#convertAlias(node);
    } else if (isMap(node) || isSeq(node)) {
      if (this.#path.length > MAX_NESTING) {
        throw new YamlLimitError(node.range?.[0] ?? 0, `Nested more than ${MAX_NESTING} levels deep`);
      }
      value = isMap(node) ? this.#convertMap(node) : this.#convertSeq(node as YAMLSeq);
    } else {
      value = null;
    }
    if ((isMap(node) || isSeq(node) || isScalar(node)) && node.anchor) this.#anchored.set(node, value);
    return value;
  }

  #convertAlias(node: Alias): unknown {
    const target = node.resolve(this.document);
    if (!target) return null;
    const value = this.#anchored.get(target as Node);
    // Copies, not shared references: an overlay changing one use must not change the other.
    this.#aliasNodes += countNodes(value);
    if (this.#aliasNodes > MAX_ALIAS_NODES) {
      throw new YamlLimitError(node.range?.[0] ?? 0, `Aliases expand to more than ${MAX_ALIAS_NODES} nodes`);
    }
    return this.sourceMap.clone(value);
  }

  #convertMap(node: YAMLMap): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    const keys = new Map<string, number>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = this.#keyString(pair.key);
      const keyOffset = (pair.key as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0;
      this.#path.push(key);
      const value = this.convert(pair.value);
      this.#path.pop();
      const first = keys.get(key);
      if (first !== undefined) {
        this.duplicates.push({
          key,
          offset: keyOffset,
          firstOffset: first - this.base,
          pointer: formatJsonPointer(this.#path),
        });
      }
      setOwn(object, key, value);
      keys.set(key, this.base + keyOffset);
    }
    this.sourceMap.registerObject(object, this.base + (node.range?.[0] ?? 0), keys);
    return object;
  }

  #convertSeq(node: YAMLSeq): unknown[] {
    const array: unknown[] = [];
    const items: number[] = [];
    for (const item of node.items) {
      items.push(this.base + ((item as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0));
      this.#path.push(String(array.length));
      array.push(this.convert(item));
      this.#path.pop();
    }
    this.sourceMap.registerArray(array, this.base + (node.range?.[0] ?? 0), items);
    return array;
  }

  #keyString(key: unknown): string {
    if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
    if (key === null || key === undefined) return '';
    // Complex keys (a map as a key) have no JSON equivalent; their JSON text is the least surprising name.
    return JSON.stringify(this.convert(key));
  }
}

function countNodes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  let count = 1;
  for (const child of Object.values(value)) count += countNodes(child);
  return count;
}
