/**
 * The one JSONPath entry point of the overlay engine: RFC 9535 via json-p3, after rewriting the
 * non-standard dot shorthand with a dash (`$.info.x-mcp`) to bracket notation (`$.info['x-mcp']`).
 * RFC 9535 forbids `-` in member-name-shorthand, but overlay authors write `x-` extensions that
 * way all the time; the caller warns with the rewritten form (docs/x-mcp.md).
 */
import { JSONPathEnvironment, JSONPathError, type JSONPathQuery } from 'json-p3';

/** Deep enough for any real OpenAPI document under `..`; json-p3's default is 50. */
const MAX_RECURSION_DEPTH = 512;

const environment = new JSONPathEnvironment({ maxRecursionDepth: MAX_RECURSION_DEPTH });

export type CompiledJsonPath =
  | {
      readonly ok: true;
      readonly query: JSONPathQuery;
      /** Set when the expression used non-standard shorthand: the RFC 9535 form that was compiled. */
      readonly standardForm?: string;
      /** The shorthand names that needed brackets, e.g. `x-mcp`. */
      readonly nonstandardNames?: readonly string[];
    }
  | {
      readonly ok: false;
      readonly message: string /** 0-based index into the expression. */;
      readonly index?: number;
    };

export function compileJsonPath(expression: string): CompiledJsonPath {
  const rewrite = rewriteDashShorthand(expression);
  try {
    const query = environment.compile(rewrite.expression);
    return rewrite.names.length > 0
      ? { ok: true, query, standardForm: rewrite.expression, nonstandardNames: rewrite.names }
      : { ok: true, query };
  } catch (error) {
    if (error instanceof JSONPathError) {
      // json-p3 appends `('…':index)`; the caller shows the whole expression anyway.
      const message = error.message.replace(/\s*\('.*':\d+\)$/s, '');
      return rewrite.names.length > 0
        ? { ok: false, message }
        : { ok: false, message, index: error.token.index };
    }
    throw error;
  }
}

export interface ShorthandRewrite {
  readonly expression: string;
  readonly names: readonly string[];
}

/**
 * Rewrites `.name` / `..name` segments whose name contains `-` to `['name']` / `..['name']`.
 * Only text outside string literals is touched, so `[?@.a == 'x.y-z']` keeps its string. A name
 * must still start like an RFC 9535 name (ALPHA / `_` / non-ASCII), so `$.-a` stays invalid.
 */
export function rewriteDashShorthand(expression: string): ShorthandRewrite {
  const names: string[] = [];
  let out = '';
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (c === "'" || c === '"') {
      const end = findStringEnd(expression, i);
      out += expression.slice(i, end);
      i = end;
      continue;
    }
    if (c !== '.') {
      out += c;
      i++;
      continue;
    }
    const dots = expression[i + 1] === '.' ? 2 : 1;
    const start = i + dots;
    if (!isNameFirst(expression.charCodeAt(start))) {
      out += expression.slice(i, start);
      i = start;
      continue;
    }
    let end = start + 1;
    while (end < expression.length && isNameChar(expression.charCodeAt(end))) end++;
    const name = expression.slice(start, end);
    if (name.includes('-')) {
      names.push(name);
      out += `${dots === 2 ? '..' : ''}['${name}']`;
    } else {
      out += expression.slice(i, end);
    }
    i = end;
  }
  return { expression: out, names };
}

/** Index just past the closing quote (or the end, for an unterminated string json-p3 then rejects). */
function findStringEnd(expression: string, start: number): number {
  const quote = expression[start];
  let i = start + 1;
  while (i < expression.length) {
    if (expression[i] === '\\') i += 2;
    else if (expression[i] === quote) return i + 1;
    else i++;
  }
  return expression.length;
}

function isNameFirst(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 0x80;
}

/** RFC 9535 name-char plus the `-` this rewrite exists for. */
function isNameChar(code: number): boolean {
  return isNameFirst(code) || (code >= 48 && code <= 57) || code === 45;
}
