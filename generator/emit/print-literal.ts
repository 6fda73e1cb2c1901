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
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return printString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const scalars = value.every((v) => v === null || typeof v !== 'object');
    const flat = `[${value.map((v) => printLiteral(v, inner)).join(', ')}]`;
    if (scalars && flat.length <= 80) return flat;
    return `[\n${value.map((v) => `${inner}${printLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${printKey(k)}: ${printLiteral(v, inner)},`).join('\n')}\n${indent}}`;
  }
  return 'null';
}

/** Text safe inside a block comment: nothing can end it early. */
export function sanitizeComment(text: string): string {
  return text
    .replace(/\*\//g, '*\\/')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/\r\n?/g, '\n');
}
