/**
 * JSON Schema (as the IR holds it) -> TypeScript type text for the generated
 * Input/Output types. Lossy on purpose: types help the people who call tools from
 * code; the JSON Schema beside them stays the contract.
 */
import type { JsonSchema } from '../ir/types.js';
import { printKey, printString } from './print-literal.js';

export interface TypeContext {
  /** Type name for a `#/$defs/<name>` reference. */
  readonly defType: (name: string) => string;
}

const MAX_TYPE_DEPTH = 12;

export function schemaToType(schema: JsonSchema | undefined, ctx: TypeContext, depth = 0): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (depth > MAX_TYPE_DEPTH) return 'unknown';
  const s = schema as Record<string, unknown>;
  const next = (sub: unknown) => schemaToType(sub as JsonSchema, ctx, depth + 1);

  if (typeof s['$ref'] === 'string') {
    const match = /^#\/\$defs\/(.+)$/.exec(s['$ref']);
    return match ? ctx.defType(match[1]!) : 'unknown';
  }
  if ('const' in s) return literal(s['const']);
  if (Array.isArray(s['enum'])) {
    const parts = [...new Set(s['enum'].map(literal))];
    return parts.length > 0 ? parts.join(' | ') : 'never';
  }
  const variants = (s['oneOf'] ?? s['anyOf']) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) {
    const parts = [...new Set(variants.map((v) => wrap(next(v))))];
    const own = withoutKeys(s, ['oneOf', 'anyOf', 'description', 'title', 'default', 'examples']);
    const base = Object.keys(own).length > 0 ? schemaToType(own, ctx, depth + 1) : undefined;
    // Variants that only constrain (`{required: [url]}`) add nothing a type can say.
    const typed = parts.filter((part) => part !== 'unknown');
    if (base && base !== 'unknown') {
      return typed.length === 0 || typed.length < parts.length
        ? base
        : `${wrap(base)} & (${typed.join(' | ')})`;
    }
    return typed.length < parts.length ? 'unknown' : parts.join(' | ');
  }
  if (Array.isArray(s['allOf']) && s['allOf'].length > 0) {
    const parts = (s['allOf'] as unknown[]).map((v) => wrap(next(v)));
    const own = withoutKeys(s, ['allOf', 'description', 'title', 'default', 'examples']);
    if (Object.keys(own).length > 0) parts.push(wrap(schemaToType(own, ctx, depth + 1)));
    const distinct = [...new Set(parts.filter((p) => p !== 'unknown'))];
    return distinct.length > 0 ? distinct.join(' & ') : 'unknown';
  }
  const type = s['type'];
  if (Array.isArray(type)) {
    const parts = type.map((t) => schemaToType({ ...s, type: t }, ctx, depth + 1));
    return [...new Set(parts)].join(' | ');
  }
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(s, ctx, depth);
    case 'object':
      return objectType(s, ctx, depth);
    default:
      if (s['properties'] || s['additionalProperties']) return objectType(s, ctx, depth);
      if (s['items']) return arrayType(s, ctx, depth);
      return 'unknown';
  }
}

function arrayType(s: Record<string, unknown>, ctx: TypeContext, depth: number): string {
  if (Array.isArray(s['prefixItems'])) {
    return `[${(s['prefixItems'] as unknown[]).map((v) => schemaToType(v as JsonSchema, ctx, depth + 1)).join(', ')}]`;
  }
  const item = schemaToType(s['items'] as JsonSchema | undefined, ctx, depth + 1);
  return `${wrap(item)}[]`;
}

function objectType(s: Record<string, unknown>, ctx: TypeContext, depth: number): string {
  const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
  const names = Object.keys(props);
  const extra = s['additionalProperties'];
  if (names.length === 0) {
    if (extra && typeof extra === 'object')
      return `Record<string, ${schemaToType(extra as JsonSchema, ctx, depth + 1)}>`;
    return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  }
  const members = names.map(
    (name) =>
      `${printKey(name)}${required.has(name) ? '' : '?'}: ${schemaToType(props[name], ctx, depth + 1)}`,
  );
  if (extra !== undefined && extra !== false) members.push('[key: string]: unknown');
  return `{ ${members.join('; ')} }`;
}

function withoutKeys(s: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)));
}

/** Parenthesizes a type with a top-level `|` or `&`, so `T[]` and `A & B` bind as meant. */
function wrap(type: string): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < type.length; i++) {
    const c = type[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '(' || c === '[' || c === '<') depth++;
    else if (c === '}' || c === ')' || c === ']' || c === '>') depth--;
    else if (depth === 0 && (c === '|' || c === '&')) return `(${type})`;
  }
  return type;
}

function literal(value: unknown): string {
  if (typeof value === 'string') return printString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return 'unknown';
}
