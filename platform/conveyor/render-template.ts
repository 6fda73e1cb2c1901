/**
 * Minimal `{{path.to.value}}` templates over an execution's context (`input`, `steps`), enough for
 * block configs to pass data between blocks.
 */

const TEMPLATE = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/;

export function lookupPath(context: unknown, path: string): unknown {
  let value = context;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A string that is exactly one template keeps the value's type (`{{input.amount}}` -> 1200). */
export function resolveTemplateValue(value: unknown, context: unknown): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_TEMPLATE.exec(value);
    if (whole?.[1] !== undefined) return lookupPath(context, whole[1]);
    return value.replace(TEMPLATE, (_match, path: string) => stringifyValue(lookupPath(context, path)));
  }
  if (Array.isArray(value)) return value.map((item) => resolveTemplateValue(item, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveTemplateValue(item, context)]),
    );
  }
  return value;
}

export function renderTemplate(text: string, context: unknown): string {
  return text.replace(TEMPLATE, (_match, path: string) => stringifyValue(lookupPath(context, path)));
}

function stringifyValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
