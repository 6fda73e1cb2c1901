/**
 * A JSON parser that records positions as it goes. `yaml` parses JSON too, but takes over a
 * second on a 4 MB minified document; this scanner is about as fast as JSON.parse plus the
 * position bookkeeping, and reports duplicate keys, which JSON.parse silently drops.
 */
import { formatJsonPointer, setOwn } from './json-pointer.js';
import type { SourceMap } from './source-map.js';

export interface ParseIssue {
  readonly offset: number;
  readonly message: string;
}

export interface DuplicateKey {
  readonly key: string;
  /** Where the repeated key is. */
  readonly offset: number;
  readonly firstOffset: number;
  /** Pointer of the object holding the key. */
  readonly pointer: string;
}

export interface ParsedText {
  readonly value: unknown;
  /** Empty when the text parsed. */
  readonly errors: readonly ParseIssue[];
  readonly duplicates: readonly DuplicateKey[];
}

/** Deeper documents are hostile or broken; the limit keeps the recursion off the stack limit. */
export const MAX_NESTING = 1000;

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** One value inside a text (watch: the value an edit changed), and where it sits in the document. */
export interface JsonValueRange {
  readonly start: number;
  /** Where the value must end (exclusive): anything else means the edit was not confined to it. */
  readonly end: number;
  readonly tokens: readonly string[];
}

export function parseJsonText(
  text: string,
  fileId: number,
  sourceMap: SourceMap,
  range?: JsonValueRange,
): ParsedText {
  const base = sourceMap.position(fileId, 0);
  const duplicates: DuplicateKey[] = [];
  const path: string[] = range ? [...range.tokens] : [];
  let pos = range?.start ?? 0;

  const fail = (message: string, at = pos): never => {
    throw new JsonSyntaxError(at, message);
  };

  const describeChar = (at: number): string =>
    at >= text.length ? 'the end of the file' : `'${text[at] === '\n' ? '\\n' : text[at]}'`;

  const skipWhitespace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
      else return;
    }
  };

  const parseString = (): string => {
    const start = pos;
    let i = pos + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92 || c < 32 || Number.isNaN(c)) return parseEscapedString(start);
      i++;
    }
    pos = i + 1;
    return text.slice(start + 1, i);
  };

  const parseEscapedString = (start: number): string => {
    let i = start + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('Unterminated string', start);
      if (c < 32) fail('Control character in a string; escape it (e.g. \\n)', i);
      if (c === 92) i += 2;
      else if (c === 34) break;
      else i++;
    }
    try {
      const value = JSON.parse(text.slice(start, i + 1)) as string;
      pos = i + 1;
      return value;
    } catch {
      return fail('Invalid escape sequence in a string', start);
    }
  };

  const parseValue = (depth: number): unknown => {
    skipWhitespace();
    const c = text.charCodeAt(pos);
    if (c === 123) return parseObject(depth + 1);
    if (c === 91) return parseArray(depth + 1);
    if (c === 34) return parseString();
    if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = pos;
      const match = NUMBER.exec(text);
      if (!match) return fail(`Invalid number`);
      pos += match[0].length;
      return Number(match[0]);
    }
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    return fail(`Unexpected ${describeChar(pos)}, expected a value`);
  };

  const parseObject = (depth: number): Record<string, unknown> => {
    if (depth > MAX_NESTING) fail(`Nested more than ${MAX_NESTING} levels deep`);
    const own = base + pos;
    pos++;
    const object: Record<string, unknown> = {};
    const keys = new Map<string, number>();
    skipWhitespace();
    if (text.charCodeAt(pos) === 125) {
      pos++;
    } else {
      for (;;) {
        skipWhitespace();
        if (text.charCodeAt(pos) !== 34)
          fail(`Unexpected ${describeChar(pos)}, expected a property name in double quotes`);
        const keyOffset = pos;
        const key = parseString();
        skipWhitespace();
        if (text.charCodeAt(pos) !== 58)
          fail(`Unexpected ${describeChar(pos)}, expected ':' after the property name`);
        pos++;
        path.push(key);
        const value = parseValue(depth);
        path.pop();
        const first = keys.get(key);
        if (first !== undefined) {
          duplicates.push({
            key,
            offset: keyOffset,
            firstOffset: first - base,
            pointer: formatJsonPointer(path),
          });
        }
        setOwn(object, key, value);
        keys.set(key, base + keyOffset);
        skipWhitespace();
        const next = text.charCodeAt(pos);
        if (next === 44) {
          pos++;
          continue;
        }
        if (next === 125) {
          pos++;
          break;
        }
        fail(`Unexpected ${describeChar(pos)}, expected ',' or '}'`);
      }
    }
    sourceMap.registerObject(object, own, keys);
    return object;
  };

  const parseArray = (depth: number): unknown[] => {
    if (depth > MAX_NESTING) fail(`Nested more than ${MAX_NESTING} levels deep`);
    const own = base + pos;
    pos++;
    const array: unknown[] = [];
    const items: number[] = [];
    skipWhitespace();
    if (text.charCodeAt(pos) === 93) {
      pos++;
    } else {
      for (;;) {
        skipWhitespace();
        items.push(base + pos);
        path.push(String(array.length));
        array.push(parseValue(depth));
        path.pop();
        skipWhitespace();
        const next = text.charCodeAt(pos);
        if (next === 44) {
          pos++;
          continue;
        }
        if (next === 93) {
          pos++;
          break;
        }
        fail(`Unexpected ${describeChar(pos)}, expected ',' or ']'`);
      }
    }
    sourceMap.registerArray(array, own, items);
    return array;
  };

  try {
    const value = parseValue(range ? range.tokens.length : 0);
    if (range) {
      if (pos !== range.end) fail('The value does not end where the edit allows');
      return { value, errors: [], duplicates };
    }
    skipWhitespace();
    if (pos < text.length) fail(`Unexpected ${describeChar(pos)} after the end of the JSON value`);
    return { value, errors: [], duplicates };
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      return { value: undefined, errors: [{ offset: error.offset, message: error.message }], duplicates };
    }
    throw error;
  }
}
