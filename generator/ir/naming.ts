/**
 * Names: tool names, argument names, TypeScript identifiers and file names, all derived
 * deterministically. Tool names are assigned for the whole document at once
 * (`assignToolNames`): a name can only be unique among the others, and a name that was
 * published once (the previous manifest, the "name lock") must not change by accident.
 */
import { createHash } from 'node:crypto';

/** What MCP clients accept for tool names in practice. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** What model providers accept for input property keys. */
export const ARGUMENT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TOOL_NAME_LENGTH = 64;
/** A disambiguating suffix (tag or path words) never cuts the operation's own name below this. */
const MIN_BASE_LENGTH = 32;

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
 * For argument names, which are unique per tool and have no collision pass of their own.
 */
export function fitName(name: string, max = MAX_TOOL_NAME_LENGTH): string {
  if (name.length <= max) return name;
  const suffix = `_${shortHash(name)}`;
  let head = name.slice(0, max - suffix.length);
  const cut = head.lastIndexOf('_');
  if (cut > max / 2) head = head.slice(0, cut);
  return `${head.replace(/_+$/, '')}${suffix}`;
}

/** Dropped first when a name is too long: they carry the least meaning. */
const FILLER_WORDS = new Set(['a', 'an', 'the', 'of', 'for', 'by', 'to', 'with', 'and', 'in', 'on', 'from']);

/**
 * Fits a snake_case tool name into `max` characters without a hash, each step only while the
 * name is too long: drop repeated words, then a word echoing the one before it
 * (`customers_customer`, from `/customers/{customer}`), then filler words, then the words
 * just before the last two: the first words (verb, namespace) and the last two (the object,
 * `..._status`) tell a name from its neighbours (over the 4,900 corpus operations this leaves
 * 2 names needing a hash, cutting the tail 20). A collision this causes is resolved by
 * `assignToolNames`.
 */
export function fitToolName(name: string, max = MAX_TOOL_NAME_LENGTH): string {
  if (name.length <= max) return name;
  let words = name.split('_').filter((w) => w.length > 0);
  const fits = () => words.join('_').length <= max;
  words = words.filter((w, i) => words.indexOf(w) === i);
  if (!fits())
    words = words.filter(
      (w, i) => i === 0 || !(words[i - 1] === `${w}s` || singularize(words[i - 1]!) === w),
    );
  if (!fits()) words = words.filter((w, i) => i === 0 || !FILLER_WORDS.has(w));
  while (!fits() && words.length > 3) words.splice(words.length - 3, 1);
  const fitted = words.join('_');
  return fitted.length <= max ? fitted : fitted.slice(0, max).replace(/_+$/, '');
}

/**
 * The operation's own tool name: from the operationId (FastAPI's route tail dropped), or from
 * method + path when there is none or it has no letters or digits; prefixed and fitted.
 */
export function deriveToolName(input: {
  operationId?: string | undefined;
  method: string;
  path: string;
  prefix: string;
}): string {
  const fromId = input.operationId ? toSnakeCase(stripFastApiTail(input.operationId, input)) : '';
  const base = fromId || deriveNameFromPath(input.method, input.path);
  return fitToolName(`${input.prefix}${base}`);
}

/**
 * FastAPI's default operationId is `<function>` + the path with non-word characters as `_` +
 * `_<method>` (`read_flow_run_flow_runs__id__get`); the function name alone says it all.
 */
function stripFastApiTail(operationId: string, op: { method: string; path: string }): string {
  const tail = `${op.path.replace(/\W/g, '_')}_${op.method.toLowerCase()}`;
  const head = operationId.endsWith(tail) ? operationId.slice(0, -tail.length) : '';
  return toSnakeCase(head) ? head : operationId;
}

const VERSION_SEGMENT = /^(v\d+([a-z]+\d*)?|\d+(\.\d+)*)$/i;
const API_SEGMENT = /^(api|apis|rest)$/i;
const PARAM_SEGMENT = /^\{[^}]*\}$/;
/** The last literal segments carry the meaning; the leading ones mostly repeat the API's base. */
const MAX_PATH_PARTS = 4;

/**
 * `GET /v1/workspaces/{workspaceId}/flows` -> `get_workspace_flows`: the method, then the
 * last four literal path segments (a collection followed by an id reads singular; version
 * and a leading `api` segment are noise).
 */
export function deriveNameFromPath(method: string, path: string): string {
  const verb = toSnakeCase(method) || 'call';
  const segments = path.split('/').filter((s) => s.length > 0);
  const literalParts = (skipNoise: boolean): string[] => {
    const parts: string[] = [];
    segments.forEach((segment, index) => {
      const literal = toSnakeCase(segment.replace(/\{[^}]*\}/g, ' '));
      if (!literal) return;
      if (skipNoise && (VERSION_SEGMENT.test(segment) || (index === 0 && API_SEGMENT.test(segment)))) return;
      const next = segments[index + 1];
      parts.push(next !== undefined && PARAM_SEGMENT.test(next) ? singularize(literal) : literal);
    });
    return parts;
  };
  let parts = literalParts(true);
  if (parts.length === 0) parts = literalParts(false);
  if (parts.length === 0) {
    const param = segments.findLast((s) => PARAM_SEGMENT.test(s));
    const name = param ? toSnakeCase(param.slice(1, -1)) : '';
    return name ? `${verb}_by_${name}` : `${verb}_root`;
  }
  return [verb, ...parts.slice(-MAX_PATH_PARTS)].join('_');
}

/** English plural -> singular for the last word, common cases only: a miss just reads oddly. */
export function singularize(snake: string): string {
  const cut = snake.lastIndexOf('_');
  const head = snake.slice(0, cut + 1);
  const word = snake.slice(cut + 1);
  let singular = word;
  if (word.length <= 3 || /(ss|us|is)$/.test(word)) singular = word;
  else if (/ies$/.test(word) && word.length > 4) singular = `${word.slice(0, -3)}y`;
  else if (/(sses|shes|ches|xes|zes|uses)$/.test(word)) singular = word.slice(0, -2);
  else if (word.endsWith('s')) singular = word.slice(0, -1);
  return `${head}${singular}`;
}

/** One operation, as tool naming sees it. */
export interface NamingOperation {
  /** `METHOD path` (method upper case), the key of the name lock. */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly operationId?: string | undefined;
  readonly tags: readonly string[];
  /** x-mcp.name: used verbatim (validate-ir checks it). */
  readonly explicitName?: string | undefined;
}

export type NameOrigin = 'explicit' | 'locked' | 'derived' | 'disambiguated';

export interface AssignedName {
  readonly name: string;
  readonly origin: NameOrigin;
  /** The name the operation would have on its own (for explicit names, the explicit name). */
  readonly base: string;
  /** disambiguated: keys of the operations that wanted or hold `base`, sorted. */
  readonly collidedWith?: readonly string[];
}

export interface AssignToolNamesOptions {
  readonly prefix: string;
  /** The name lock: `METHOD path` -> name from the previous generation's manifest.json. */
  readonly previousNames?: ReadonlyMap<string, string>;
}

/** Suffix tiers tried in order before the hash: tag, path words, method, path words + method. */
const SUFFIX_TIERS = 4;

/**
 * Names every operation (the result is in the order given):
 * 1. x-mcp.name, verbatim (two equal explicit names are validate-ir's error to report);
 * 2. the locked name from the previous generation, unless an explicit name now takes it;
 * 3. the derived name (`deriveToolName`) when no other operation wants it and none holds it;
 * 4. otherwise the derived name plus the first suffix that no other contender shares and no
 *    name holds: the first tag, the path words the name lacks, the method, both; the one
 *    contender (if one) with no such suffix keeps the plain name when nobody holds it, any
 *    other gets a hash of method + path. Each suffix depends on the operation alone, so adding
 *    a contender does not rename the others unless it shares their suffix (never with a lock).
 */
export function assignToolNames(
  operations: readonly NamingOperation[],
  options: AssignToolNamesOptions,
): AssignedName[] {
  const assigned: (AssignedName | undefined)[] = operations.map(() => undefined);
  /** lower-case name -> index of the operation holding it (tool names compare case-insensitively). */
  const taken = new Map<string, number>();
  const take = (index: number, value: AssignedName) => {
    assigned[index] = value;
    if (!taken.has(value.name.toLowerCase())) taken.set(value.name.toLowerCase(), index);
  };

  operations.forEach((op, index) => {
    if (op.explicitName !== undefined)
      take(index, { name: op.explicitName, origin: 'explicit', base: op.explicitName });
  });

  const bases = operations.map((op) =>
    deriveToolName({ operationId: op.operationId, method: op.method, path: op.path, prefix: options.prefix }),
  );
  const byKey = (a: number, b: number) => compareText(operations[a]!.key, operations[b]!.key);
  const lock = options.previousNames;
  if (lock && lock.size > 0) {
    const open = operations.map((_, index) => index).filter((index) => assigned[index] === undefined);
    for (const index of open.sort(byKey)) {
      const name = lock.get(operations[index]!.key);
      if (name === undefined || !TOOL_NAME_PATTERN.test(name) || taken.has(name.toLowerCase())) continue;
      take(index, { name, origin: 'locked', base: bases[index]! });
    }
  }

  const groups = new Map<string, number[]>();
  operations.forEach((_, index) => {
    if (assigned[index] !== undefined) return;
    const key = bases[index]!.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const contenders: number[] = [];
  for (const [key, members] of groups) {
    const only = members[0]!;
    if (members.length === 1 && !taken.has(key))
      take(only, { name: bases[only]!, origin: 'derived', base: bases[only]! });
    else contenders.push(...members);
  }

  const candidates = new Map(
    contenders.map((index) => [index, suffixedNames(operations[index]!, bases[index]!)]),
  );
  const tierCounts = Array.from({ length: SUFFIX_TIERS }, () => new Map<string, number>());
  for (const names of candidates.values()) {
    names.forEach((name, tier) => {
      if (name === undefined) return;
      const counts = tierCounts[tier]!;
      counts.set(name.toLowerCase(), (counts.get(name.toLowerCase()) ?? 0) + 1);
    });
  }
  contenders.sort((a, b) => compareText(bases[a]!.toLowerCase(), bases[b]!.toLowerCase()) || byKey(a, b));
  const chosen = new Map<number, string>();
  for (const index of contenders) {
    const name = candidates
      .get(index)!
      .find(
        (n, tier) =>
          n !== undefined && !taken.has(n.toLowerCase()) && tierCounts[tier]!.get(n.toLowerCase()) === 1,
      );
    if (name === undefined) continue;
    chosen.set(index, name);
    taken.set(name.toLowerCase(), index);
  }
  // The one contender whose own data tells it from no one keeps the plain name, if nobody holds it.
  const plain = new Set<number>();
  const contending = new Set(contenders);
  for (const [key, members] of groups) {
    const bare = members.filter((index) => contending.has(index) && !chosen.has(index));
    if (bare.length === 1 && !taken.has(key)) {
      plain.add(bare[0]!);
      taken.set(key, bare[0]!);
    }
  }
  for (const index of contenders) {
    const op = operations[index]!;
    const base = bases[index]!;
    if (plain.has(index)) {
      assigned[index] = { name: base, origin: 'derived', base };
      continue;
    }
    let name = chosen.get(index);
    for (let length = 6; name === undefined || taken.get(name.toLowerCase()) !== index; length += 2) {
      name = withSuffix(base, shortHash(op.key, length));
      if (!taken.has(name.toLowerCase())) taken.set(name.toLowerCase(), index);
    }
    const holder = taken.get(base.toLowerCase());
    const rivals = [
      ...(groups.get(base.toLowerCase()) ?? []).filter((other) => other !== index),
      ...(holder === undefined || holder === index ? [] : [holder]),
    ];
    assigned[index] = {
      name,
      origin: 'disambiguated',
      base,
      collidedWith: [...new Set(rivals.map((other) => operations[other]!.key))].sort(compareText),
    };
  }
  return assigned.map((a, index) => a ?? { name: bases[index]!, origin: 'derived', base: bases[index]! });
}

/** The suffix tiers of `assignToolNames` (the hash is its fallback), undefined where a tier says nothing new. */
function suffixedNames(op: NamingOperation, base: string): (string | undefined)[] {
  const baseWords = new Set(base.split('_'));
  const tag = op.tags[0] === undefined ? '' : toSnakeCase(op.tags[0]);
  const tagSuffix = tag && !tag.split('_').every((w) => baseWords.has(w)) ? tag : undefined;
  const pathWords = [
    ...new Set(
      op.path
        .split('/')
        .filter((s, i) => s.length > 0 && !PARAM_SEGMENT.test(s) && !(i === 1 && API_SEGMENT.test(s)))
        .flatMap((s) => splitWords(s.replace(/\{[^}]*\}/g, ' ')))
        .filter((w) => !baseWords.has(w) && !baseWords.has(singularize(w))),
    ),
  ];
  const pathSuffix = pathWords.length > 0 ? pathWords.join('_') : undefined;
  const method = toSnakeCase(op.method);
  const methodSuffix = baseWords.has(method) ? undefined : method;
  return [
    tagSuffix,
    pathSuffix,
    methodSuffix,
    pathSuffix && methodSuffix ? `${pathSuffix}_${methodSuffix}` : undefined,
  ].map((suffix) => (suffix ? withSuffix(base, suffix) : undefined));
}

/** `base_suffix` within 64 characters: the base gives way down to 32 characters, then the suffix is cut. */
function withSuffix(base: string, suffix: string): string {
  const room = MAX_TOOL_NAME_LENGTH - 1 - Math.min(base.length, MIN_BASE_LENGTH);
  const capped = suffix.length <= room ? suffix : fitToolName(suffix, room);
  return `${fitToolName(base, MAX_TOOL_NAME_LENGTH - capped.length - 1)}_${capped}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
    'declare get module require number set string symbol type from of api default ' +
    // Bound by the generated modules themselves: index.ts imports `prompts`, every module `defineTool`.
    'prompts defineApi defineTool undefined arguments eval'
  ).split(' '),
);

/** A valid, non-reserved TypeScript identifier for a tool's export. */
export function deriveExportName(toolName: string): string {
  let id = toCamelCase(toolName) || `tool${shortHash(toolName)}`;
  if (/^[0-9]/.test(id)) id = `tool${id.charAt(0).toUpperCase()}${id.slice(1)}`;
  if (RESERVED_WORDS.has(id)) id = `${id}Tool`;
  return id;
}

/**
 * File stem for tools/<stem>.ts: lower case, so case-insensitive file systems never collide;
 * a name that is not its own stem (upper case, dots) gets a hash of the name.
 */
export function deriveFileName(toolName: string): string {
  const stem = toolName.replace(/[^A-Za-z0-9_-]+/g, '_').toLowerCase();
  return stem === toolName ? stem : `${stem}_${shortHash(toolName, 4)}`;
}

/**
 * Export and file names for a set of distinct tool names: camelCase can map two names to one
 * identifier (`a_1b`, `a1b`); those get a hash of their tool name.
 */
export function deriveModuleNames(
  toolNames: readonly string[],
): Map<string, { exportName: string; fileName: string }> {
  const exportNames = toolNames.map((name) => deriveExportName(name));
  const counts = new Map<string, number>();
  for (const id of exportNames) counts.set(id, (counts.get(id) ?? 0) + 1);
  const out = new Map<string, { exportName: string; fileName: string }>();
  toolNames.forEach((name, index) => {
    const id = exportNames[index]!;
    out.set(name, {
      exportName: counts.get(id)! > 1 ? `${id}${shortHash(name, 4)}` : id,
      fileName: deriveFileName(name),
    });
  });
  return out;
}

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}
