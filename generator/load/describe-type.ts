/** A value described for a message: `a list`, `the number 2`, `the string 'x'`. */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  }
  return `the ${typeof value} ${String(value)}`;
}
