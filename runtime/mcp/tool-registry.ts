/**
 * Everything per tool that does not depend on the request, built once at startup: the compiled
 * redaction paths, the MCP listing and the whole `tools/list` payload. The per-request MCP server
 * only looks entries up, so its cost does not grow with the tool count.
 *
 * Ajv validators are compiled on a tool's first call (then cached, shared by equal schemas): code
 * generation is ~1 ms per schema, most of the startup of a large API, and most tools of a large
 * API are never called by a given server. Startup still checks every distinct schema against the
 * JSON Schema meta-schema, its patterns and its local `$ref`s, which is what makes a compilation
 * fail, so a broken schema stops the server at startup as before. The meta-schema validator is
 * precompiled by the build (validate-json-schema.ts), so the check costs ~0.1 ms per schema.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { JSONPathQuery } from 'json-p3';
import type { ApiDefinition, JsonSchema, ToolDefinition, ToolWait } from '../define-tool.js';
import { buildDynamicTools, type DynamicTools } from './dynamic-tools.js';
import { compileRedactions } from './redact-response.js';
import { getMetaSchemaValidator } from './validate-json-schema.js';

/** A tool as `tools/list` shows it (the MCP `Tool` wire shape). */
export interface ToolListing {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: { readonly type: 'object'; readonly [key: string]: unknown };
  readonly outputSchema?: { readonly [key: string]: unknown };
  readonly annotations: {
    readonly title: string;
    readonly readOnlyHint: boolean;
    readonly destructiveHint: boolean;
    readonly idempotentHint: boolean;
    readonly openWorldHint: boolean;
  };
}

export interface ToolRegistryEntry {
  readonly tool: ToolDefinition;
  readonly listing: ToolListing;
  readonly validateInput: ValidateFunction;
  readonly validateOutput?: ValidateFunction;
  readonly redactions: readonly JSONPathQuery[];
  /** Input arguments that page or size a list (cursor, limit, ...), named in the maxItems note. */
  readonly pagingArguments: readonly string[];
  /** A list tool of the same toolset, suggested when this tool gets a 404. */
  readonly listToolName?: string;
  /** GET/HEAD/OPTIONS/PUT/DELETE: repeating the request cannot apply it twice. */
  readonly idempotentMethod: boolean;
  /** The generator's `idempotency_key` argument: forwarded as a header, never bound to the HTTP request. */
  readonly takesIdempotencyKey: boolean;
  /** x-mcp `wait`: the declaration and the status tool's entry (served or not). */
  readonly wait?: { readonly declaration: ToolWait; readonly poll: ToolRegistryEntry };
}

/**
 * `all`: `tools/list` shows every served tool. `dynamic`: it shows three meta-tools that search,
 * describe and call them (for APIs with hundreds of operations).
 */
export type ToolMode = 'all' | 'dynamic';
export const TOOL_MODES: readonly ToolMode[] = ['all', 'dynamic'];

export interface ToolRegistry {
  /** The served API tools (after the toolset filter), by name, in either mode. */
  readonly entries: ReadonlyMap<string, ToolRegistryEntry>;
  /** The API tools' `tools/list` result, frozen and shared by every request. */
  readonly listResult: { readonly tools: readonly ToolListing[] };
  /**
   * The `tools/list` result for a grant: the tools whose scopes are all among `scopes`. Built once
   * per distinct set of relevant scopes and cached, so a request costs a lookup, not a filter.
   */
  listResultFor(scopes: readonly string[]): { readonly tools: readonly ToolListing[] };
  readonly mode: ToolMode;
  /** mode `dynamic`: the meta-tools listed instead of `listResult`, with their search index. */
  readonly dynamic?: DynamicTools;
}

export interface BuildToolRegistryOptions {
  /**
   * Serve only tools in one of these toolsets; all tools when absent or empty. Tools without a
   * toolset are served only without a filter.
   */
  readonly toolsets?: readonly string[];
  /** Default `all`. */
  readonly mode?: ToolMode;
  /** Injected in tests to count compilations; one is created otherwise. */
  readonly ajv?: Ajv2020;
}

/** A toolset filter naming toolsets no tool belongs to: a typo would otherwise serve nothing. */
export class UnknownToolsetError extends Error {
  override readonly name = 'UnknownToolsetError';
  constructor(
    readonly unknown: readonly string[],
    readonly available: readonly string[],
  ) {
    super(describeUnknownToolsets(unknown, available));
  }
}

export const IDEMPOTENCY_KEY_ARGUMENT = 'idempotency_key';
const IDEMPOTENT_METHODS = new Set(['get', 'head', 'options', 'put', 'delete']);
const PAGING_ARGUMENTS = new Set([
  'cursor',
  'next_cursor',
  'page',
  'page_token',
  'pagetoken',
  'starting_after',
  'after',
  'offset',
  'limit',
  'page_size',
  'pagesize',
  'per_page',
  'perpage',
  'max_results',
]);

/** The Ajv instance the runtime validates with: JSON Schema 2020-12, formats, all errors. */
export function createSchemaCompiler(): Ajv2020 {
  // strict: false because generated schemas carry annotations (examples, x-*) Ajv does not know.
  // Real APIs use formats of their own (`seconds`, `int32`, `uuid4`); per JSON Schema an unknown format
  // is an annotation, so Ajv's one warning per format at startup is noise, not a problem to report.
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    logger: {
      log: () => {},
      warn: (...args: unknown[]) => {
        if (!String(args[0]).startsWith('unknown format')) console.warn(...args);
      },
      error: (...args: unknown[]) => console.error(...args),
    },
  });
  addFormats.default(ajv);
  return ajv;
}

export function buildToolRegistry(api: ApiDefinition, options: BuildToolRegistryOptions = {}): ToolRegistry {
  const ajv = options.ajv ?? createSchemaCompiler();
  const compiler = createCachedCompiler(ajv);
  const lazy = createLazyCompiler(ajv, compiler);
  const tools = selectTools(api.tools, options.toolsets);
  const listTools = indexListTools(tools);
  const entries = new Map<string, ToolRegistryEntry>();
  for (const tool of tools) {
    if (entries.has(tool.name)) throw new Error(`Duplicate tool name ${tool.name} in API ${api.id}.`);
    entries.set(tool.name, buildEntry(lazy, tool, listTools));
  }
  attachWaits(entries, api, (tool) => buildEntry(lazy, tool, listTools));
  const listing = [...entries.values()].map((entry) => entry.listing);
  const mode = options.mode ?? 'all';
  if (!TOOL_MODES.includes(mode))
    throw new Error(`Unknown tool mode "${mode}"; use ${TOOL_MODES.join(' or ')}.`);
  const dynamic =
    mode === 'dynamic'
      ? buildDynamicTools({ api, entries, compile: (name, schema) => compiler(name, 'inputSchema', schema) })
      : undefined;
  const listResult = deepFreeze({ tools: listing });
  return {
    entries,
    listResult,
    listResultFor: createScopedListings([...entries.values()], listResult),
    mode,
    ...(dynamic !== undefined && { dynamic }),
  };
}

// Tools name few distinct scopes, so few sets occur; the bound only guards against a pathological API.
const MAX_SCOPED_LISTINGS = 256;

function createScopedListings(
  entries: readonly ToolRegistryEntry[],
  all: { readonly tools: readonly ToolListing[] },
): ToolRegistry['listResultFor'] {
  // Only scopes some tool needs tell listings apart; others must not multiply the cache keys.
  const relevant = new Set(entries.flatMap((entry) => entry.tool.scopes));
  const everyScope = [...relevant].sort().join(' ');
  const cache = new Map<string, { readonly tools: readonly ToolListing[] }>([[everyScope, all]]);
  return (scopes) => {
    const held = [...new Set(scopes.filter((scope) => relevant.has(scope)))].sort();
    const key = held.join(' ');
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const granted = new Set(held);
    const listing = deepFreeze({
      tools: entries
        .filter((entry) => entry.tool.scopes.every((scope) => granted.has(scope)))
        .map((entry) => entry.listing),
    });
    if (cache.size < MAX_SCOPED_LISTINGS) cache.set(key, listing);
    return listing;
  };
}

/** The toolsets the API's tools declare, sorted: what a toolset filter may name. */
export function listToolsets(api: Pick<ApiDefinition, 'tools'>): string[] {
  return [...new Set(api.tools.flatMap((tool) => tool.toolsets))].sort();
}

function selectTools(tools: readonly ToolDefinition[], toolsets: readonly string[] | undefined) {
  const wanted = new Set(
    (toolsets ?? []).map((toolset) => toolset.trim()).filter((toolset) => toolset !== ''),
  );
  if (wanted.size === 0) return tools;
  const available = listToolsets({ tools });
  const unknown = [...wanted].filter((toolset) => !available.includes(toolset));
  if (unknown.length > 0) throw new UnknownToolsetError(unknown, available);
  return tools.filter((tool) => tool.toolsets.some((toolset) => wanted.has(toolset)));
}

function describeUnknownToolsets(unknown: readonly string[], available: readonly string[]): string {
  const guesses = unknown.flatMap((name) => {
    const guess = available.find((toolset) => toolset.toLowerCase() === name.toLowerCase());
    return guess === undefined ? [] : [`"${name}" -> "${guess}"`];
  });
  const fix =
    available.length === 0
      ? 'This API defines no toolsets (x-mcp.toolsets on operations); serve it without a toolset filter.'
      : `Set SPEC2MCP_TOOLSETS (--toolsets) to some of the known ones${guesses.length > 0 ? `, e.g. ${guesses.join(', ')}` : ''}, or leave it unset to serve every tool.`;
  return `Unknown toolset(s) ${unknown.join(', ')}; known: ${available.join(', ') || 'none'}. ${fix}`;
}

type SchemaCompiler = (owner: string, field: string, schema: JsonSchema) => ValidateFunction;

/**
 * Compiles each distinct schema once: generated APIs repeat schemas (one resource schema as the
 * output of get/create/update), and at ~1 ms per compilation that adds up.
 * Sharing is safe: validation is synchronous and `errors` is read right after the call.
 */
function createCachedCompiler(ajv: Ajv2020): SchemaCompiler {
  const compiled = new Map<string, ValidateFunction>();
  return (owner, field, schema) => {
    const stripped = stripSchemaIdentity(schema);
    const key = JSON.stringify(stripped);
    const cached = compiled.get(key);
    if (cached !== undefined) return cached;
    try {
      const validate = ajv.compile(stripped);
      compiled.set(key, validate);
      return validate;
    } catch (error) {
      throw new Error(`Tool ${owner}: ${field} does not compile: ${describeError(error)}`);
    }
  };
}

/**
 * Checks a schema now and returns a validator that compiles it on its first call. The check is
 * what fails a compilation (meta-schema, patterns, local `$ref`s), once per distinct schema.
 */
function createLazyCompiler(ajv: Ajv2020, compile: SchemaCompiler): SchemaCompiler {
  const checked = new Set<string>();
  return (owner, field, schema) => {
    const stripped = stripSchemaIdentity(schema);
    // Equal schemas are frequent (one resource as the output of get/create/update): check one.
    const key = JSON.stringify(stripped);
    if (!checked.has(key)) {
      checkSchema(ajv, owner, field, stripped);
      checked.add(key);
    }
    let compiled: ValidateFunction | undefined;
    const validate = ((data: unknown) => {
      compiled ??= compile(owner, field, schema);
      const valid = compiled(data) as boolean;
      validate.errors = compiled.errors;
      return valid;
    }) as ValidateFunction;
    validate.errors = null;
    return validate;
  };
}

function checkSchema(ajv: Ajv2020, owner: string, field: string, stripped: JsonSchema): void {
  let problem: string | undefined;
  try {
    // What ajv.validateSchema does for a schema without `$schema`, with a validator the build
    // precompiles (validate-json-schema.ts) instead of compiling the meta-schema at startup.
    const validateMetaSchema = getMetaSchemaValidator();
    if (!validateMetaSchema(stripped))
      problem = `schema is invalid: ${ajv.errorsText(validateMetaSchema.errors)}`;
  } catch (error) {
    problem = describeError(error);
  }
  problem ??= findCompileProblem(stripped);
  if (problem !== undefined) throw new Error(`Tool ${owner}: ${field} does not compile: ${problem}`);
}

/**
 * What Ajv would refuse to compile that the meta-schema does not catch: a `$ref` that does not
 * point into the schema itself, a `pattern` (or `patternProperties` key) that is no regular
 * expression under the `u` flag Ajv compiles with.
 */
function findCompileProblem(root: JsonSchema): string | undefined {
  // Nested `$id`s and anchors change what a `$ref` means: then Ajv alone decides, at first call.
  const text = JSON.stringify(root);
  const checkRefs = !/"\$(id|anchor|dynamicAnchor)":/.test(text);
  const visit = (node: unknown): string | undefined => {
    if (typeof node !== 'object' || node === null) return undefined;
    if (Array.isArray(node)) {
      for (const item of node) {
        const found = visit(item);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const record = node as Record<string, unknown>;
    const ref = record['$ref'];
    if (checkRefs && typeof ref === 'string' && !resolvesLocally(root, ref))
      return `can't resolve reference ${ref}`;
    const patterns = [
      ...(typeof record['pattern'] === 'string' ? [record['pattern']] : []),
      ...Object.keys(readObject(record['patternProperties'])),
    ];
    for (const pattern of patterns) {
      const problem = checkPattern(pattern);
      if (problem !== undefined) return problem;
    }
    for (const [key, value] of Object.entries(record)) {
      // `const`, `enum`, `default` and `examples` hold data, where `$ref` is just a property name.
      if (DATA_KEYWORDS.has(key)) continue;
      const found = visit(value);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(root);
}

function checkPattern(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch (error) {
    return `pattern ${JSON.stringify(pattern)} is not a regular expression: ${describeError(error)}`;
  }
}

function readObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

function resolvesLocally(root: JsonSchema, ref: string): boolean {
  if (!ref.startsWith('#')) return false;
  const pointer = decodeURIComponent(ref.slice(1));
  if (pointer === '') return true;
  if (!pointer.startsWith('/')) return false;
  let node: unknown = root;
  for (const token of pointer.slice(1).split('/')) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function buildEntry(
  compile: SchemaCompiler,
  tool: ToolDefinition,
  listTools: ListToolIndex,
): ToolRegistryEntry {
  const validateInput = compile(tool.name, 'inputSchema', tool.inputSchema);
  const validateOutput =
    tool.outputSchema === undefined ? undefined : compile(tool.name, 'outputSchema', tool.outputSchema);
  const listToolName = findListTool(tool, listTools);
  return {
    tool,
    listing: toListing(tool),
    validateInput,
    ...(validateOutput !== undefined && { validateOutput }),
    redactions: compileRedactions(tool.name, tool.response.redact),
    pagingArguments: Object.keys(readProperties(tool.inputSchema)).filter((name) =>
      PAGING_ARGUMENTS.has(name.toLowerCase()),
    ),
    ...(listToolName !== undefined && { listToolName }),
    idempotentMethod: IDEMPOTENT_METHODS.has(tool.http.method),
    takesIdempotencyKey: tool.idempotency !== 'none' && !bindsArgument(tool, IDEMPOTENCY_KEY_ARGUMENT),
  };
}

/** `$schema` of another dialect and repeated root `$id`s would make Ajv refuse the schema. */
function stripSchemaIdentity(schema: JsonSchema): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

function toListing(tool: ToolDefinition): ToolListing {
  const input = typeof tool.inputSchema === 'object' ? tool.inputSchema : {};
  const outputSchema = typeof tool.outputSchema === 'object' ? tool.outputSchema : undefined;
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    // MCP requires an object root for inputs; generated schemas always are, this guards hand-written ones.
    inputSchema: { ...input, type: 'object' },
    ...(outputSchema !== undefined && { outputSchema }),
    annotations: { title: tool.title, ...tool.annotations },
  };
}

/** The read-only list tools, with their path segments: scanned per tool, so split once. */
type ListToolIndex = readonly { readonly tool: ToolDefinition; readonly segments: readonly string[] }[];

function indexListTools(tools: readonly ToolDefinition[]): ListToolIndex {
  return tools
    .filter((candidate) => /(^|_)list_/.test(candidate.name) && candidate.annotations.readOnlyHint)
    .map((tool) => ({ tool, segments: splitPath(tool.http.path) }));
}

function findListTool(tool: ToolDefinition, listTools: ListToolIndex): string | undefined {
  if (/(^|_)list(_|$)/.test(tool.name)) return undefined;
  const segments = splitPath(tool.http.path);
  // The list over the same resource first: most path segments in common, then by name.
  let best: { readonly name: string; readonly shared: number } | undefined;
  for (const candidate of listTools) {
    const { name, toolsets } = candidate.tool;
    if (tool.toolsets.length > 0 && !toolsets.some((t) => tool.toolsets.includes(t))) continue;
    const shared = sharedSegments(segments, candidate.segments);
    if (best === undefined || shared > best.shared || (shared === best.shared && name < best.name)) {
      best = { name, shared };
    }
  }
  return best?.name;
}

function splitPath(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function sharedSegments(a: readonly string[], b: readonly string[]): number {
  let count = 0;
  while (count < a.length && count < b.length && a[count] === b[count]) count += 1;
  return count;
}

function bindsArgument(tool: ToolDefinition, argument: string): boolean {
  const body = tool.http.body;
  return (
    tool.http.params.some((param) => param.argument === argument) ||
    body?.argument === argument ||
    (body?.properties ?? []).some((property) => property.argument === argument)
  );
}

function readProperties(schema: JsonSchema): Record<string, unknown> {
  if (typeof schema !== 'object') return {};
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Gives each tool with an x-mcp `wait` its status tool's entry: a served one, or one built here when
 * a toolset filter left it out (waiting still works; the model just cannot call it directly). A
 * waiting call may end with the status tool's result, so the listing's outputSchema admits both.
 */
function attachWaits(
  entries: Map<string, ToolRegistryEntry>,
  api: ApiDefinition,
  build: (tool: ToolDefinition) => ToolRegistryEntry,
): void {
  for (const [name, entry] of entries) {
    const declaration = entry.tool.wait;
    if (declaration === undefined) continue;
    let poll = entries.get(declaration.poll);
    if (poll === undefined) {
      const tool = api.tools.find((candidate) => candidate.name === declaration.poll);
      if (tool === undefined) {
        throw new Error(
          `Tool ${name}: its wait polls "${declaration.poll}", which API ${api.id} has no tool of; regenerate it.`,
        );
      }
      poll = build(tool);
    }
    entries.set(name, {
      ...entry,
      listing: withPollOutput(entry.listing, poll.listing.outputSchema),
      wait: { declaration, poll },
    });
  }
}

function withPollOutput(listing: ToolListing, pollOutput: ToolListing['outputSchema']): ToolListing {
  const own = listing.outputSchema;
  if (own === undefined || JSON.stringify(own) === JSON.stringify(pollOutput)) return listing;
  const { outputSchema: _own, ...rest } = listing;
  // Without a poll schema any structured result may come back: advertise none rather than a wrong one.
  if (pollOutput === undefined) return rest;
  return { ...rest, outputSchema: { type: 'object', anyOf: [own, pollOutput] } };
}
