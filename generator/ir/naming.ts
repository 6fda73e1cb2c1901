/**
 * Names: tool names, argument names, TypeScript identifiers and file names,
 * all derived deterministically so regenerating never renames anything by accident.
 */
import { createHash } from 'node:crypto';

/** What MCP clients accept for tool names in practice. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** What model providers accept for input property keys. */
export const ARGUMENT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TOOL_NAME_LENGTH = 64;

/** Splits camelCase, PascalCase, kebab, dotted and spaced words: `getHTTPStatus2` -> [get, http, status2]. */
export function splitWords(input: string): string[] {
  return input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

export function toSnakeCase(input: string): string {
  return splitWords(input).join('_');
}

export function toCamelCase(input: string): string {
  const words = splitWords(input);
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

export function toPascalCase(input: string): string {
  const camel = toCamelCase(input);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

export function shortHash(input: string, length = 6): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/**
 * Fits a snake_case name into `max` characters: cuts at a word boundary and appends
 * a short hash of the full name, so two long names sharing a prefix stay distinct.
 */
export function fitName(name: string, max = MAX_TOOL_NAME_LENGTH): string {
  if (name.length <= max) return name;
  const suffix = `_${shortHash(name)}`;
  let head = name.slice(0, max - suffix.length);
  const cut = head.lastIndexOf('_');
  if (cut > max / 2) head = head.slice(0, cut);
  return `${head.replace(/_+$/, '')}${suffix}`;
}

/** Tool name from an operationId, or from method + path when there is none. */
export function deriveToolName(input: {
  operationId?: string;
  method: string;
  path: string;
  prefix: string;
}): string {
  const base = input.operationId
    ? toSnakeCase(input.operationId)
    : deriveNameFromPath(input.method, input.path);
  const prefixed = input.prefix ? `${input.prefix}${base}` : base;
  return fitName(prefixed || `${input.method}_root`);
}

/** `GET /workspaces/{id}/flows` -> `get_workspaces_by_id_flows`. */
export function deriveNameFromPath(method: string, path: string): string {
  const parts = path
    .split('/')
    .filter((p) => p.length > 0)
    .map((p) => {
      const param = /^\{(.+)\}$/.exec(p);
      return param ? `by_${toSnakeCase(param[1] ?? '')}` : toSnakeCase(p);
    })
    .filter((p) => p.length > 0);
  return [method.toLowerCase(), ...parts].join('_');
}

/** Argument name per the document's naming setting, made safe for model providers. */
export function deriveArgumentName(name: string, style: 'preserve' | 'snake_case'): string {
  const base = style === 'snake_case' ? toSnakeCase(name) : name;
  const safe = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '');
  return fitName(safe || `arg_${shortHash(name)}`);
}

const RESERVED_WORDS = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await any boolean constructor ' +
    'declare get module require number set string symbol type from of api default'
  ).split(' '),
);

/** A valid, non-reserved TypeScript identifier for a tool's export. */
export function deriveExportName(toolName: string): string {
  let id = toCamelCase(toolName) || `tool${shortHash(toolName)}`;
  if (/^[0-9]/.test(id)) id = `tool${id.charAt(0).toUpperCase()}${id.slice(1)}`;
  if (RESERVED_WORDS.has(id)) id = `${id}Tool`;
  return id;
}

/** File stem for tools/<stem>.ts: lower case, so case-insensitive file systems never collide. */
export function deriveFileName(toolName: string): string {
  const stem = toolName.replace(/[^A-Za-z0-9_-]+/g, '_');
  return stem === stem.toLowerCase() ? stem : `${stem.toLowerCase()}_${shortHash(toolName, 4)}`;
}

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}
