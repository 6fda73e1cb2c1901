/**
 * The tool-surface difference between two generations: pure functions over two manifests
 * (generated/<api>/manifest.json). `spec2mcp diff` reads the manifests; format-diff.ts prints.
 *
 * Every change has one section (`severity`):
 * - `breaking`: a client that worked before can fail now (tool or argument gone or renamed, a new
 *   required argument, an argument accepting less, output losing a property ...);
 * - `security`: what a tool may do or who may call it changed (read-only -> write, non-destructive
 *   -> destructive, idempotent -> not, closed -> open world, scopes added or removed);
 * - `compatible`: everything else (new tools, new optional arguments, wider enums, descriptions).
 * `breaking` is true for the breaking section and for a scope added to a tool (tokens without it
 * are refused from now on); the CLI exits 1 when any change is breaking.
 */
import {
  classifySchemaChange,
  compareProperties,
  compareStrings,
  normalizeSchema,
  type SchemaChange,
} from './classify-schema-change.js';
import type { Manifest, ManifestTool } from './parse-manifest.js';

export type Severity = 'breaking' | 'security' | 'compatible';
export type ChangeArea = 'tool' | 'argument' | 'output' | 'hint' | 'scope' | 'prompt';

export interface SurfaceChange {
  readonly api: string;
  /** The tool (its new name when renamed) or, for area `prompt`, the prompt. */
  readonly tool: string;
  readonly area: ChangeArea;
  readonly kind: string;
  readonly severity: Severity;
  /** Whether this change fails `spec2mcp diff` (unless --allow-breaking). */
  readonly breaking: boolean;
  /** Argument or output property path, hint name, scope or toolset. */
  readonly subject?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly message: string;
}

export interface DiffSummary {
  readonly breaking: number;
  readonly security: number;
  readonly compatible: number;
  readonly tools: {
    readonly added: number;
    readonly removed: number;
    readonly renamed: number;
    readonly changed: number;
    readonly unchanged: number;
  };
}

export interface SurfaceDiff {
  readonly apis: readonly string[];
  readonly summary: DiffSummary;
  readonly changes: readonly SurfaceChange[];
}

const SEVERITY_RANK: Record<Severity, number> = { breaking: 0, security: 1, compatible: 2 };

/** Compares several APIs (api id -> manifest); an API on one side only is all added / all removed. */
export function compareSurfaces(
  before: ReadonlyMap<string, Manifest>,
  after: ReadonlyMap<string, Manifest>,
): SurfaceDiff {
  const apis = [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings);
  const changes: SurfaceChange[] = [];
  let unchanged = 0;
  for (const api of apis) {
    const result = compareApi(api, before.get(api), after.get(api));
    changes.push(...result.changes);
    unchanged += result.unchanged;
  }
  return { apis, summary: summarize(changes, unchanged), changes: sortChanges(changes) };
}

/** Compares two manifests of one API. */
export function compareManifests(before: Manifest | undefined, after: Manifest | undefined): SurfaceDiff {
  const api = after?.api.id ?? before?.api.id ?? '';
  const result = compareApi(api, before, after);
  return {
    apis: [api],
    summary: summarize(result.changes, result.unchanged),
    changes: sortChanges(result.changes),
  };
}

function compareApi(
  api: string,
  before: Manifest | undefined,
  after: Manifest | undefined,
): { changes: SurfaceChange[]; unchanged: number } {
  const changes: SurfaceChange[] = [];
  const oldTools = new Map((before?.tools ?? []).map((t) => [t.name, t]));
  const newTools = new Map((after?.tools ?? []).map((t) => [t.name, t]));
  const pairs: [ManifestTool, ManifestTool][] = [];
  const removed: ManifestTool[] = [];
  for (const [name, tool] of oldTools) {
    const next = newTools.get(name);
    if (next) pairs.push([tool, next]);
    else removed.push(tool);
  }
  const added = new Map([...newTools].filter(([name]) => !oldTools.has(name)));

  // Renames: a tool gone and a tool new for the same operation (operationId, else METHOD path).
  for (const tool of removed) {
    const match =
      [...added.values()].find((t) => tool.operationId !== undefined && t.operationId === tool.operationId) ??
      [...added.values()].find((t) => operationKey(t) === operationKey(tool));
    if (match) {
      added.delete(match.name);
      changes.push(
        change(
          api,
          match.name,
          'tool',
          'tool-renamed',
          'breaking',
          `tool \`${tool.name}\` renamed to \`${match.name}\``,
          {
            before: tool.name,
            after: match.name,
          },
        ),
      );
      changes.push(...compareTool(api, tool, match));
    } else {
      changes.push(
        change(api, tool.name, 'tool', 'tool-removed', 'breaking', `tool \`${tool.name}\` removed`),
      );
    }
  }
  for (const tool of added.values())
    changes.push(
      change(
        api,
        tool.name,
        'tool',
        'tool-added',
        'compatible',
        `tool \`${tool.name}\` added (${kindOf(tool)})`,
      ),
    );
  let unchanged = 0;
  for (const [a, b] of pairs) {
    const toolChanges = compareTool(api, a, b);
    if (toolChanges.length === 0) unchanged++;
    changes.push(...toolChanges);
  }
  changes.push(...comparePrompts(api, before, after));
  return { changes, unchanged };
}

function compareTool(api: string, a: ManifestTool, b: ManifestTool): SurfaceChange[] {
  const tool = b.name;
  const changes: SurfaceChange[] = [];
  const push = (
    area: ChangeArea,
    kind: string,
    severity: Severity,
    message: string,
    extra: Partial<Pick<SurfaceChange, 'subject' | 'before' | 'after' | 'breaking'>> = {},
  ) => changes.push(change(api, tool, area, kind, severity, message, extra));

  // Hints (MCP defaults when absent: readOnly false, destructive true, idempotent false, openWorld true).
  const hints = [
    ['readOnlyHint', false, false, 'became-write', 'is no longer read-only: it can change data'],
    ['destructiveHint', true, true, 'became-destructive', 'is now destructive'],
    [
      'idempotentHint',
      false,
      false,
      'no-longer-idempotent',
      'is no longer idempotent: retries may repeat it',
    ],
    ['openWorldHint', true, true, 'became-open-world', 'now reaches an open world of external systems'],
  ] as const;
  for (const [hint, fallback, riskyValue, kind, sentence] of hints) {
    const was = a.annotations[hint] ?? fallback;
    const is = b.annotations[hint] ?? fallback;
    if (was === is) continue;
    // readOnly and idempotent are risky when they turn false; destructive and openWorld when true.
    const risky = hint === 'readOnlyHint' || hint === 'idempotentHint' ? !is : is === riskyValue;
    if (risky)
      push('hint', kind, 'security', `\`${tool}\` ${sentence} (${hint} ${was} -> ${is})`, {
        subject: hint,
        before: was,
        after: is,
      });
    else
      push('hint', 'hint-relaxed', 'compatible', `\`${tool}\`: ${hint} ${was} -> ${is}`, {
        subject: hint,
        before: was,
        after: is,
      });
  }

  // Scopes.
  for (const scope of b.scopes.filter((s) => !a.scopes.includes(s)))
    push('scope', 'scope-added', 'security', `\`${tool}\` now requires scope \`${scope}\``, {
      subject: scope,
      breaking: true,
    });
  for (const scope of a.scopes.filter((s) => !b.scopes.includes(s)))
    push('scope', 'scope-removed', 'security', `\`${tool}\` no longer requires scope \`${scope}\``, {
      subject: scope,
    });

  // Arguments.
  const renames = argumentRenames(a, b);
  const inputA = normalizeSchema(a.inputSchema);
  const inputB = normalizeSchema(b.inputSchema);
  for (const c of compareProperties(inputA, inputB, 'input', '', renames))
    changes.push(fromSchemaChange(api, tool, 'argument', c));
  for (const c of classifySchemaChange(withoutProperties(inputA), withoutProperties(inputB), 'input'))
    changes.push(fromSchemaChange(api, tool, 'argument', c));

  // Output.
  if (a.outputSchema && !b.outputSchema)
    push(
      'output',
      'output-schema-removed',
      'breaking',
      `\`${tool}\` no longer declares an output schema (no structuredContent to rely on)`,
    );
  else if (!a.outputSchema && b.outputSchema)
    push('output', 'output-schema-added', 'compatible', `\`${tool}\` now declares an output schema`);
  else if (a.outputSchema && b.outputSchema)
    for (const c of classifySchemaChange(
      normalizeSchema(a.outputSchema),
      normalizeSchema(b.outputSchema),
      'output',
    ))
      changes.push(fromSchemaChange(api, tool, 'output', c));

  // The rest of the tool.
  for (const ts of a.toolsets.filter((t) => !b.toolsets.includes(t)))
    push(
      'tool',
      'toolset-removed',
      'breaking',
      `\`${tool}\` left toolset \`${ts}\` (servers started with it lose the tool)`,
      {
        subject: ts,
      },
    );
  for (const ts of b.toolsets.filter((t) => !a.toolsets.includes(t)))
    push('tool', 'toolset-added', 'compatible', `\`${tool}\` joined toolset \`${ts}\``, { subject: ts });
  if (!a.deprecated && b.deprecated)
    push('tool', 'tool-deprecated', 'compatible', `\`${tool}\` is now deprecated`);
  if (a.deprecated && !b.deprecated)
    push('tool', 'tool-undeprecated', 'compatible', `\`${tool}\` is no longer deprecated`);
  if (a.idempotency !== b.idempotency)
    push(
      'tool',
      'idempotency-changed',
      'compatible',
      `\`${tool}\`: idempotency ${a.idempotency} -> ${b.idempotency}`,
      {
        before: a.idempotency,
        after: b.idempotency,
      },
    );
  if (operationKey(a) !== operationKey(b))
    push(
      'tool',
      'binding-changed',
      'compatible',
      `\`${tool}\` now calls ${operationKey(b)} (was ${operationKey(a)})`,
      {
        before: operationKey(a),
        after: operationKey(b),
      },
    );
  if (a.title !== b.title || a.description !== b.description)
    push(
      'tool',
      'description-changed',
      'compatible',
      `\`${tool}\`: ${a.title !== b.title ? 'title' : 'description'} changed`,
    );
  return changes;
}

/** Old argument -> new argument, for arguments that disappeared while a new one fills the same source. */
function argumentRenames(a: ManifestTool, b: ManifestTool): Map<string, string> {
  const renames = new Map<string, string>();
  if (!a.argumentSources || !b.argumentSources) return renames;
  const newBySource = new Map<string, string>();
  for (const [argument, source] of Object.entries(b.argumentSources))
    if (a.argumentSources[argument] === undefined) newBySource.set(source, argument);
  for (const [argument, source] of Object.entries(a.argumentSources)) {
    if (b.argumentSources[argument] !== undefined) continue;
    const target = newBySource.get(source);
    if (target !== undefined) renames.set(argument, target);
  }
  return renames;
}

function comparePrompts(
  api: string,
  before: Manifest | undefined,
  after: Manifest | undefined,
): SurfaceChange[] {
  const changes: SurfaceChange[] = [];
  const oldPrompts = new Map((before?.prompts ?? []).map((p) => [p.name, p]));
  const newPrompts = new Map((after?.prompts ?? []).map((p) => [p.name, p]));
  for (const [name, prompt] of oldPrompts) {
    const next = newPrompts.get(name);
    if (!next) {
      changes.push(change(api, name, 'prompt', 'prompt-removed', 'breaking', `prompt \`${name}\` removed`));
      continue;
    }
    const args = new Map(next.arguments.map((x) => [x.name, x]));
    const oldArgs = new Map(prompt.arguments.map((x) => [x.name, x]));
    for (const [argName, arg] of oldArgs) {
      const now = args.get(argName);
      if (!now)
        changes.push(
          change(
            api,
            name,
            'prompt',
            'argument-removed',
            'breaking',
            `prompt \`${name}\`: argument \`${argName}\` removed`,
            {
              subject: argName,
            },
          ),
        );
      else if (!arg.required && now.required)
        changes.push(
          change(
            api,
            name,
            'prompt',
            'argument-now-required',
            'breaking',
            `prompt \`${name}\`: \`${argName}\` is now required`,
            {
              subject: argName,
            },
          ),
        );
    }
    for (const [argName, arg] of args)
      if (!oldArgs.has(argName))
        changes.push(
          change(
            api,
            name,
            'prompt',
            arg.required ? 'argument-added-required' : 'argument-added-optional',
            arg.required ? 'breaking' : 'compatible',
            `prompt \`${name}\`: ${arg.required ? 'required' : 'optional'} argument \`${argName}\` added`,
            { subject: argName },
          ),
        );
  }
  for (const name of newPrompts.keys())
    if (!oldPrompts.has(name))
      changes.push(change(api, name, 'prompt', 'prompt-added', 'compatible', `prompt \`${name}\` added`));
  return changes;
}

function fromSchemaChange(
  api: string,
  tool: string,
  area: 'argument' | 'output',
  c: SchemaChange,
): SurfaceChange {
  const kind = area === 'argument' ? c.kind.replace(/^property-/, 'argument-') : `output-${c.kind}`;
  return change(api, tool, area, kind, c.severity, `\`${tool}\`: ${c.message}`, {
    ...(c.path !== '' ? { subject: c.path } : {}),
    ...(c.before !== undefined ? { before: c.before } : {}),
    ...(c.after !== undefined ? { after: c.after } : {}),
  });
}

function change(
  api: string,
  tool: string,
  area: ChangeArea,
  kind: string,
  severity: Severity,
  message: string,
  extra: Partial<Pick<SurfaceChange, 'subject' | 'before' | 'after' | 'breaking'>> = {},
): SurfaceChange {
  const { breaking, ...rest } = extra;
  return { api, tool, area, kind, severity, breaking: breaking ?? severity === 'breaking', ...rest, message };
}

function withoutProperties(schema: ManifestTool['inputSchema']): ManifestTool['inputSchema'] {
  const { properties: _p, required: _r, ...rest } = schema;
  return rest;
}

function operationKey(tool: ManifestTool): string {
  return `${tool.method.toUpperCase()} ${tool.path}`;
}

function kindOf(tool: ManifestTool): string {
  if (tool.annotations.readOnlyHint) return 'read';
  return tool.annotations.destructiveHint === false ? 'write' : 'write, destructive';
}

function summarize(changes: readonly SurfaceChange[], unchanged: number): DiffSummary {
  const count = (predicate: (c: SurfaceChange) => boolean) => changes.filter(predicate).length;
  const toolKinds = (kind: string) => count((c) => c.area === 'tool' && c.kind === kind);
  const touched = new Set(
    changes
      .filter((c) => c.area !== 'prompt' && !['tool-added', 'tool-removed', 'tool-renamed'].includes(c.kind))
      .map((c) => `${c.api}\u0000${c.tool}`),
  );
  const renamed = new Set(
    changes.filter((c) => c.kind === 'tool-renamed').map((c) => `${c.api}\u0000${c.tool}`),
  );
  return {
    breaking: count((c) => c.breaking),
    security: count((c) => c.severity === 'security'),
    compatible: count((c) => c.severity === 'compatible'),
    tools: {
      added: toolKinds('tool-added'),
      removed: toolKinds('tool-removed'),
      renamed: renamed.size,
      changed: [...touched].filter((t) => !renamed.has(t)).length,
      unchanged,
    },
  };
}

/** Stable order: API, section (breaking, security, compatible), tool; generation order within a tool. */
function sortChanges(changes: readonly SurfaceChange[]): SurfaceChange[] {
  return [...changes].sort(
    (x, y) =>
      compareStrings(x.api, y.api) ||
      SEVERITY_RANK[x.severity] - SEVERITY_RANK[y.severity] ||
      compareStrings(x.tool, y.tool),
  );
}
