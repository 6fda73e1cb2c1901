/**
 * Removes what must never reach the model: the nodes a tool's `response.redact` JSONPath
 * expressions (RFC 9535) select, and the values of credential-looking keys anywhere.
 */
import { compile, type JSONPathQuery } from 'json-p3';

export const REDACTED = '[REDACTED]';

/** Compiles redaction paths once at startup; an invalid path fails the boot with the tool name. */
export function compileRedactions(toolName: string, paths: readonly string[]): JSONPathQuery[] {
  return paths.map((path) => {
    try {
      return compile(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Tool ${toolName}: invalid response.redact JSONPath "${path}": ${reason}`);
    }
  });
}

/** Removes every node the queries select; mutates `value` (freshly parsed JSON) and returns the count. */
export function removeSelectedNodes(value: unknown, queries: readonly JSONPathQuery[]): number {
  if (queries.length === 0 || typeof value !== 'object' || value === null) return 0;
  const locations: (string | number)[][] = [];
  for (const query of queries) {
    for (const node of query.query(value as Parameters<JSONPathQuery['query']>[0]).nodes) {
      if (node.location.length > 0) locations.push([...node.location]);
    }
  }
  // Deepest first, and higher array indices first, so a removal never shifts a pending one.
  locations.sort(compareRemovalOrder);
  let removed = 0;
  let previous: string | undefined;
  for (const location of locations) {
    const key = JSON.stringify(location);
    if (key === previous) continue;
    previous = key;
    if (removeAt(value, location)) removed += 1;
  }
  return removed;
}

function compareRemovalOrder(a: (string | number)[], b: (string | number)[]): number {
  if (a.length !== b.length) return b.length - a.length;
  for (let index = 0; index < a.length; index += 1) {
    const left = a[index];
    const right = b[index];
    if (left === right) continue;
    if (typeof left === 'number' && typeof right === 'number') return right - left;
    return String(left) < String(right) ? -1 : 1;
  }
  return 0;
}

function removeAt(root: unknown, location: (string | number)[]): boolean {
  let parent: unknown = root;
  for (const step of location.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return false;
    parent = (parent as Record<string | number, unknown>)[step];
  }
  const last = location[location.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') {
    if (last >= parent.length) return false;
    parent.splice(last, 1);
    return true;
  }
  if (typeof parent === 'object' && parent !== null && last !== undefined && Object.hasOwn(parent, last)) {
    delete (parent as Record<string | number, unknown>)[last];
    return true;
  }
  return false;
}

const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'bearertoken',
  'sessiontoken',
  'clientsecret',
  'privatekey',
  'secretkey',
  'secretaccesskey',
  'authorization',
  'webhooksecret',
  'signingsecret',
]);
// Suffixes that mark a secret whatever the prefix (`db_password`, `stripe_api_key`). `token` is not
// one: `next_page_token` and `max_tokens` are data the model needs.
const SECRET_SUFFIXES = ['password', 'secret', 'apikey', 'privatekey'];

/** Whether a JSON key names a credential: case, `_` and `-` are ignored. */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[_\-\s]/g, '');
  return SECRET_KEYS.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/**
 * Hides the values of credential-looking keys so the result still fits the tool's outputSchema: a
 * string becomes "[REDACTED]" (still a string), a number (a PIN) is removed, since no other number
 * is honest. A boolean is kept: one bit is a flag (Keycloak's `secret: true`, "is a secret set"),
 * never a credential, and "[REDACTED]" in its place broke the schema. Mutates, returns the count.
 */
export function redactSecretKeys(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((count, item) => count + redactSecretKeys(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    if (!isSecretKey(key) || item === null || item === '' || typeof item === 'boolean') {
      count += redactSecretKeys(item);
    } else if (typeof item === 'string') {
      record[key] = REDACTED;
      count += 1;
    } else if (typeof item !== 'object') {
      delete record[key];
      count += 1;
    } else {
      count += redactSecretKeys(item);
    }
  }
  return count;
}
