/** RFC 6901 JSON Pointers: parsing, formatting and resolving against plain data. */

/** Splits a pointer into unescaped reference tokens; undefined when it is not a pointer. */
export function parseJsonPointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map(unescapeToken);
}

/** Builds a pointer from reference tokens, escaping `~` and `/`. */
export function formatJsonPointer(tokens: readonly (string | number)[]): string {
  let pointer = '';
  for (const token of tokens) pointer += `/${escapeToken(String(token))}`;
  return pointer;
}

export function appendJsonPointer(pointer: string, token: string | number): string {
  return `${pointer}/${escapeToken(String(token))}`;
}

export function escapeToken(token: string): string {
  return token.includes('~') || token.includes('/') ? token.replace(/~/g, '~0').replace(/\//g, '~1') : token;
}

function unescapeToken(token: string): string {
  // Order matters: `~01` is the literal `~1`, not `/`.
  return token.includes('~') ? token.replace(/~1/g, '/').replace(/~0/g, '~') : token;
}

/**
 * The pointer in the fragment of a `$ref` (`#/components/schemas/A%20B`), percent-decoded as
 * URI fragments are; undefined when the fragment is not a pointer (e.g. a plain-name anchor).
 */
export function parseRefFragment(fragment: string): string[] | undefined {
  let decoded = fragment;
  if (fragment.includes('%')) {
    try {
      decoded = decodeURIComponent(fragment);
    } catch {
      // A stray `%` is kept literally: the ref is then reported with the text the author wrote.
    }
  }
  return parseJsonPointer(decoded);
}

export function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The child of a container, own properties only (so `constructor` or `__proto__` never resolve by accident). */
export function getChild(container: unknown, token: string): unknown {
  if (Array.isArray(container)) {
    return /^(0|[1-9][0-9]*)$/.test(token) ? container[Number(token)] : undefined;
  }
  if (isPlainObject(container) && Object.hasOwn(container, token)) return container[token];
  return undefined;
}

export interface PointerResolution {
  readonly found: boolean;
  readonly value: unknown;
  /** Number of tokens that resolved before the walk stopped. */
  readonly depth: number;
  /** The last container reached (the parent of the first missing token when not found). */
  readonly container: unknown;
}

export function resolveJsonPointer(root: unknown, tokens: readonly string[]): PointerResolution {
  let value = root;
  for (let depth = 0; depth < tokens.length; depth++) {
    const next = getChild(value, tokens[depth]!);
    if (next === undefined) return { found: false, value: undefined, depth, container: value };
    value = next;
  }
  return { found: true, value, depth: tokens.length, container: value };
}

/** Sets an own property, including `__proto__`, which plain assignment would turn into a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
