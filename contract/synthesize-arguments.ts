/**
 * Argument sets for one tool, made from its input schema: one call with only the required
 * arguments and one with every argument (examples first, then values built from the schema), each
 * valid against the input schema. A set that cannot be made valid is reported with the reason.
 */
import type { SchemaCompiler } from './compile-schemas.js';
import { isSchema, sampleValue } from './sample-values.js';

export interface ArgumentSet {
  /** `required arguments` or `all arguments`. */
  readonly label: string;
  readonly args: Record<string, unknown>;
}

export interface SynthesizedArguments {
  readonly sets: readonly ArgumentSet[];
  /** Why a set could not be made (the tool is then checked with fewer calls, or not at all). */
  readonly problems: readonly string[];
}

/** The label of the minimal call: examples and values for the required arguments only. */
export const REQUIRED_SET = 'required arguments';

/** Not made up: the runner gives each call its own key, so no call replays another. */
export const IDEMPOTENCY_ARGUMENT = 'idempotency_key';

/**
 * The operation's own schema per argument (path/query parameter, body property or whole body), at
 * full depth: a tool's input schema may leave deep objects open to stay small, so object and array
 * values are made from these instead, where the result still fits the input schema.
 */
export interface ArgumentSources {
  readonly schemas: ReadonlyMap<string, unknown>;
  /** What their references resolve in (`{$defs}` of the normalized document). */
  readonly root: Record<string, unknown>;
}

export function synthesizeArguments(
  inputSchema: unknown,
  compiler: SchemaCompiler,
  sources?: ArgumentSources,
): SynthesizedArguments {
  const root = isSchema(inputSchema) ? inputSchema : {};
  const problems: string[] = [];
  const sets: ArgumentSet[] = [];
  const attempt = (label: string, optional: boolean): void => {
    let reason = '';
    for (const examples of [true, false]) {
      let args = asObject(sampleValue(root, root, { optional, examples }));
      delete args[IDEMPOTENCY_ARGUMENT];
      let checked = compiler.check(root, withKey(args, root));
      if (sources !== undefined) {
        const deeper = fromSources(args, sources, { optional, examples });
        const deeperChecked = compiler.check(root, withKey(deeper, root));
        if (deeperChecked.ok === true || checked.ok !== true) {
          args = deeper;
          checked = deeperChecked;
        }
      }
      // An optional argument that cannot be made valid is left out rather than losing the whole set.
      for (let tries = 0; optional && checked.ok === false && tries < 8; tries++) {
        const blamed = blamedArgument(checked.errors, args, root);
        if (blamed === undefined) break;
        const { [blamed]: _dropped, ...rest } = args;
        args = rest;
        checked = compiler.check(root, withKey(args, root));
      }
      if (checked.ok === true) {
        if (!sets.some((set) => JSON.stringify(set.args) === JSON.stringify(args)))
          sets.push({ label, args });
        return;
      }
      reason = checked.ok === false ? checked.errors.join('; ') : checked.reason;
    }
    problems.push(`no valid ${label} could be made from the input schema: ${reason}`);
  };
  attempt(REQUIRED_SET, false);
  attempt('all arguments', true);
  return { sets, problems };
}

/** The arguments plus a placeholder key when the tool takes one, as the runner will send it. */
export function withKey(
  args: Record<string, unknown>,
  root: Record<string, unknown>,
): Record<string, unknown> {
  const properties = isSchema(root['properties']) ? root['properties'] : {};
  return IDEMPOTENCY_ARGUMENT in properties
    ? { ...args, [IDEMPOTENCY_ARGUMENT]: 'contract-check-0001' }
    : args;
}

/** Object and array arguments made again from the operation's schema for them. */
function fromSources(
  args: Record<string, unknown>,
  sources: ArgumentSources,
  options: { optional: boolean; examples: boolean },
): Record<string, unknown> {
  const out = { ...args };
  for (const [name, value] of Object.entries(args)) {
    const schema = sources.schemas.get(name);
    if (schema === undefined || typeof value !== 'object' || value === null) continue;
    out[name] = sampleValue(schema, sources.root, options);
  }
  return out;
}

function asObject(value: unknown): Record<string, unknown> {
  return isSchema(value) ? { ...value } : {};
}

/** The optional top-level argument an error points at (`/name...` or a property it forbids). */
function blamedArgument(
  errors: readonly string[],
  args: Record<string, unknown>,
  root: Record<string, unknown>,
): string | undefined {
  const required = new Set(Array.isArray(root['required']) ? (root['required'] as string[]) : []);
  for (const error of errors) {
    const name = /^\/([^/\s]+)/.exec(error)?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
    if (name !== undefined && name in args && !required.has(name)) return name;
  }
  return undefined;
}
