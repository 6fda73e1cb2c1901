/**
 * The fingerprint of a keyed call: SHA-256 of its arguments as canonical JSON (object keys sorted,
 * no whitespace), so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same call and any other value is
 * not. The idempotency key itself is left out by the caller.
 */
import { createHash } from 'node:crypto';

export function fingerprintArguments(args: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(args)).digest('base64url');
}

/** JSON with object keys in code-unit order at every level (RFC 8785's ordering for JSON values). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}
