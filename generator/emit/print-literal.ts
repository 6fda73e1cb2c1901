/**
 * Prints data as a TypeScript expression. Strings go through JSON.stringify, so
 * no spec text can close a literal or start a template; U+2028/U+2029 are escaped
 * too, for the tools that still treat them as line ends.
 */
import { isIdentifier } from '../ir/naming.js';

export function printString(value: string): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function printKey(key: string): string {
  return isIdentifier(key) ? key : printString(key);
}

/** Pretty-prints with two-space indentation; short arrays of scalars stay on one line. */
export function printLiteral(value: unknown, indent = ''): string {
  // One output buffer for the whole tree: joining per level copied deep schemas once per level.
  const out: string[] = [];
  writeLiteral(value, indent, out);
  return out.join('');
}

function writeLiteral(value: unknown, indent: string, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(printScalar(value));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const flat = `[${value.map(printScalar).join(', ')}]`;
      if (flat.length <= 80) {
        out.push(flat);
        return;
      }
    }
    out.push('[\n');
    for (const v of value) {
      out.push(inner);
      writeLiteral(v, inner, out);
      out.push(',\n');
    }
    out.push(indent, ']');
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{\n');
  for (const [k, v] of entries) {
    out.push(inner, printKey(k), ': ');
    writeLiteral(v, inner, out);
    out.push(',\n');
  }
  out.push(indent, '}');
}

function printScalar(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return printString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  return 'null';
}

/** Text safe inside a block comment: nothing can end it early. */
export function sanitizeComment(text: string): string {
  return text
    .replace(/\*\//g, '*\\/')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/\r\n?/g, '\n');
}
