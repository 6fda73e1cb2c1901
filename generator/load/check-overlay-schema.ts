/**
 * The shape of an Overlay document, as the official Overlay 1.0 / 1.1 JSON Schemas define it
 * (schemas/v1.x/schema.yaml in OAI/Overlay-Specification), written out as code so the generator
 * needs no schema files at run time and can say exactly what is wrong in words.
 * test/load/overlay-compliance.test.ts checks it against the official pass/fail cases.
 */
import { describeType } from './describe-type.js';
import { appendJsonPointer, isPlainObject } from './json-pointer.js';

export type OverlayVersion = '1.0' | '1.1';

export interface OverlaySchemaIssue {
  /** Pointer into the overlay document. */
  readonly pointer: string;
  readonly message: string;
  /** Set when the problem is inside one action (reported as MCPGEN_OVERLAY_ACTION_INVALID). */
  readonly actionIndex?: number;
}

export interface OverlaySchemaCheck {
  /** The feature set the document declares; undefined when `overlay` is missing or unsupported. */
  readonly version?: OverlayVersion;
  readonly issues: readonly OverlaySchemaIssue[];
}

const ROOT_FIELDS = new Set(['overlay', 'info', 'extends', 'actions']);
const INFO_FIELDS: Record<OverlayVersion, ReadonlySet<string>> = {
  '1.0': new Set(['title', 'version']),
  '1.1': new Set(['title', 'version', 'description']),
};
const ACTION_FIELDS: Record<OverlayVersion, ReadonlySet<string>> = {
  '1.0': new Set(['target', 'description', 'update', 'remove']),
  '1.1': new Set(['target', 'description', 'update', 'remove', 'copy']),
};

export function checkOverlaySchema(document: unknown): OverlaySchemaCheck {
  const issues: OverlaySchemaIssue[] = [];
  if (!isPlainObject(document)) {
    issues.push({ pointer: '', message: `An overlay must be an object, found ${describeType(document)}` });
    return { issues };
  }
  const version = checkVersionField(document['overlay'], issues);
  // An unknown version is still checked with the newest rules, to report everything at once.
  const rules = version ?? '1.1';
  checkUnknownFields(document, '', ROOT_FIELDS, issues, 'the overlay');
  checkInfo(document['info'], rules, issues);
  if ('extends' in document && typeof document['extends'] !== 'string') {
    issues.push({
      pointer: '/extends',
      message: `extends must be a string, found ${describeType(document['extends'])}`,
    });
  }
  checkActions(document['actions'], rules, issues);
  return version ? { version, issues } : { issues };
}

function checkVersionField(value: unknown, issues: OverlaySchemaIssue[]): OverlayVersion | undefined {
  if (value === undefined) {
    issues.push({ pointer: '', message: 'The overlay has no `overlay` version field' });
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.push({
      pointer: '/overlay',
      message: `overlay must be a version string such as '1.1.0', found ${describeType(value)}`,
    });
    return undefined;
  }
  if (/^1\.0\.\d+$/.test(value)) return '1.0';
  if (/^1\.1\.\d+$/.test(value)) return '1.1';
  issues.push({
    pointer: '/overlay',
    message: `Unsupported overlay version '${value}' (1.0.x and 1.1.x are)`,
  });
  return undefined;
}

function checkInfo(info: unknown, version: OverlayVersion, issues: OverlaySchemaIssue[]): void {
  if (info === undefined) {
    issues.push({ pointer: '', message: 'The overlay has no `info` object' });
    return;
  }
  if (!isPlainObject(info)) {
    issues.push({ pointer: '/info', message: `info must be an object, found ${describeType(info)}` });
    return;
  }
  for (const field of ['title', 'version'] as const) {
    if (info[field] === undefined) issues.push({ pointer: '/info', message: `info.${field} is required` });
  }
  for (const field of ['title', 'version', 'description'] as const) {
    if (info[field] !== undefined && typeof info[field] !== 'string') {
      issues.push({
        pointer: `/info/${field}`,
        message: `info.${field} must be a string, found ${describeType(info[field])}`,
      });
    }
  }
  checkUnknownFields(info, '/info', INFO_FIELDS[version], issues, `info (overlay ${version})`);
}

function checkActions(actions: unknown, version: OverlayVersion, issues: OverlaySchemaIssue[]): void {
  if (actions === undefined) {
    issues.push({ pointer: '', message: 'The overlay has no `actions` array' });
    return;
  }
  if (!Array.isArray(actions)) {
    issues.push({ pointer: '/actions', message: `actions must be an array, found ${describeType(actions)}` });
    return;
  }
  if (actions.length === 0)
    issues.push({ pointer: '/actions', message: 'actions must hold at least one action' });
  const seen = new Map<string, number>();
  actions.forEach((action, index) => {
    const pointer = `/actions/${index}`;
    checkAction(action, pointer, index, version, issues);
    const canonical = canonicalJson(action);
    const first = seen.get(canonical);
    if (first === undefined) seen.set(canonical, index);
    else
      issues.push({
        pointer,
        actionIndex: index,
        message: `Action ${index} repeats action ${first} exactly`,
      });
  });
}

function checkAction(
  action: unknown,
  pointer: string,
  index: number,
  version: OverlayVersion,
  issues: OverlaySchemaIssue[],
): void {
  const add = (at: string, message: string) => issues.push({ pointer: at, message, actionIndex: index });
  if (!isPlainObject(action)) {
    add(pointer, `An action must be an object, found ${describeType(action)}`);
    return;
  }
  const target = action['target'];
  if (target === undefined) add(pointer, 'The action has no `target`');
  else if (typeof target !== 'string')
    add(`${pointer}/target`, `target must be a string, found ${describeType(target)}`);
  else if (!target.startsWith('$'))
    add(`${pointer}/target`, `target must be a JSONPath starting with $, found '${target}'`);
  const typed = [
    ['description', 'string'],
    ['copy', 'string'],
    ['remove', 'boolean'],
  ] as const;
  for (const [field, type] of typed) {
    if (action[field] !== undefined && typeof action[field] !== type) {
      add(`${pointer}/${field}`, `${field} must be a ${type}, found ${describeType(action[field])}`);
    }
  }
  const issuesBefore = issues.length;
  checkUnknownFields(action, pointer, ACTION_FIELDS[version], issues, `an action (overlay ${version})`);
  for (let i = issuesBefore; i < issues.length; i++) issues[i] = { ...issues[i]!, actionIndex: index };
}

/** `unevaluatedProperties: false` with `^x-` extensions allowed. */
function checkUnknownFields(
  object: Record<string, unknown>,
  pointer: string,
  allowed: ReadonlySet<string>,
  issues: OverlaySchemaIssue[],
  where: string,
): void {
  for (const key of Object.keys(object)) {
    if (allowed.has(key) || key.startsWith('x-')) continue;
    const hint = key === 'copy' || key === 'description' ? ' (it needs overlay: 1.1.0)' : '';
    issues.push({
      pointer: appendJsonPointer(pointer, key),
      message: `Unknown field '${key}' in ${where}${hint}`,
    });
  }
}

/** Key-order-independent JSON, for `uniqueItems` deep equality. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
