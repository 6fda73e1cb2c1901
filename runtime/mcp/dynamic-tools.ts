/**
 * Dynamic mode: instead of every API tool, `tools/list` shows three meta-tools (search_tools,
 * describe_tool, call_tool), so a 1,000-operation API costs a model a few hundred tokens up front
 * and it loads only the definitions it needs. The listing, the search index and the meta-tools'
 * validators are built once at startup; API tools still run through the registry's validators and
 * `executeTool`, exactly as a direct `tools/call` would.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { ApiDefinition, JsonSchema } from '../define-tool.js';
import { formatArgumentErrors } from './format-argument-errors.js';
import { buildToolSearch, type ToolSearch } from './search-tools.js';
import type { ToolListing, ToolRegistryEntry } from './tool-registry.js';

export const SEARCH_TOOLS = 'search_tools';
export const DESCRIBE_TOOL = 'describe_tool';
export const CALL_TOOL = 'call_tool';
export const META_TOOL_NAMES: readonly string[] = [SEARCH_TOOLS, DESCRIBE_TOOL, CALL_TOOL];

const DEFAULT_SEARCH_LIMIT = 8;
const MAX_SEARCH_LIMIT = 20;
const SUGGESTION_COUNT = 5;
const LISTED_TOOLSETS_MAX = 30;

/** What a meta-tool needs from the MCP layer of the current request. */
export interface MetaToolContext {
  /** Runs one API tool exactly like `tools/call` (validation, execution, error results, projection). */
  readonly callApiTool: (
    entry: ToolRegistryEntry,
    args: Readonly<Record<string, unknown>> | undefined,
  ) => Promise<CallToolResult>;
  /** An output schema as this connection's `tools/list` would advertise it. */
  readonly projectOutputSchema: (
    schema: ToolListing['outputSchema'],
  ) => Readonly<Record<string, unknown>> | undefined;
}

export interface DynamicTools {
  /** The `tools/list` result of dynamic mode: the three meta-tools, frozen. */
  readonly listResult: { readonly tools: readonly ToolListing[] };
  readonly search: ToolSearch;
  /** Sentences appended to the server instructions, teaching the search -> describe -> call loop. */
  readonly instructions: string;
  isMetaTool(name: string): boolean;
  callMetaTool(name: string, args: unknown, context: MetaToolContext): Promise<CallToolResult>;
}

export interface BuildDynamicToolsOptions {
  readonly api: Pick<ApiDefinition, 'title'>;
  readonly entries: ReadonlyMap<string, ToolRegistryEntry>;
  /** Compiles the meta-tools' input schemas (the registry's Ajv instance). */
  readonly compile: (name: string, schema: JsonSchema) => ValidateFunction;
}

export function buildDynamicTools(options: BuildDynamicToolsOptions): DynamicTools {
  const { entries } = options;
  const targets = [...entries.values()];
  const search = buildToolSearch(targets.map((entry) => entry.tool));
  const listings = [
    buildSearchToolsListing(options.api.title, targets),
    buildDescribeToolListing(),
    buildCallToolListing(targets),
  ];
  const validators = new Map(
    listings.map((listing) => [listing.name, options.compile(listing.name, listing.inputSchema)]),
  );

  const unknownToolResult = (name: string): CallToolResult => {
    const suggestions = search.suggestNames(name, SUGGESTION_COUNT);
    const hint =
      suggestions.length > 0
        ? ` Closest names: ${suggestions.join(', ')}.`
        : ` Call ${SEARCH_TOOLS} to find the right tool.`;
    const meta = META_TOOL_NAMES.includes(name) ? ` ${name} is a meta-tool: call it directly.` : '';
    return errorResult(`There is no tool named "${name}".${meta}${hint}`);
  };

  const handlers: Record<
    string,
    (args: Record<string, unknown>, context: MetaToolContext) => Promise<CallToolResult> | CallToolResult
  > = {
    [SEARCH_TOOLS]: (args) => {
      const query = String(args['query']);
      const limit = typeof args['limit'] === 'number' ? args['limit'] : DEFAULT_SEARCH_LIMIT;
      const answer = search.search(query, limit);
      const structured = { matched: answer.matched, results: answer.results };
      const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(structured) }];
      if (answer.results.length === 0) {
        content.push({
          type: 'text',
          text: `No tool matches "${query}". Try other words for the action or the resource (the API's own terms, singular or plural both work).`,
        });
      }
      return { content, structuredContent: structured };
    },
    [DESCRIBE_TOOL]: (args, context) => {
      const name = String(args['name']);
      const entry = entries.get(name);
      if (entry === undefined) return unknownToolResult(name);
      const { listing } = entry;
      const outputSchema = context.projectOutputSchema(listing.outputSchema);
      const structured = {
        name: listing.name,
        title: listing.title,
        description: listing.description,
        inputSchema: listing.inputSchema,
        ...(outputSchema !== undefined && { outputSchema }),
        annotations: listing.annotations,
      };
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    },
    [CALL_TOOL]: (args, context) => {
      const name = String(args['name']);
      const entry = entries.get(name);
      if (entry === undefined) return unknownToolResult(name);
      return context.callApiTool(entry, args['arguments'] as Record<string, unknown> | undefined);
    },
  };

  return {
    listResult: deepFreeze({ tools: listings }),
    search,
    instructions:
      `This server's ${entries.size} tools are not listed individually. Find one with ${SEARCH_TOOLS}, ` +
      `read its arguments with ${DESCRIBE_TOOL}, then run it with ${CALL_TOOL}.`,
    isMetaTool: (name) => validators.has(name),
    async callMetaTool(name, rawArgs, context) {
      const validate = validators.get(name);
      const handler = handlers[name];
      if (validate === undefined || handler === undefined) return unknownToolResult(name);
      const args = rawArgs ?? {};
      if (!validate(args)) return errorResult(formatArgumentErrors(name, validate.errors ?? []));
      return handler(args as Record<string, unknown>, context);
    },
  };
}

function buildSearchToolsListing(apiTitle: string, targets: readonly ToolRegistryEntry[]): ToolListing {
  const toolsets = [...new Set(targets.flatMap((entry) => entry.tool.toolsets))].sort();
  const toolsetNote =
    toolsets.length === 0
      ? ''
      : ` Toolsets: ${toolsets.slice(0, LISTED_TOOLSETS_MAX).join(', ')}${toolsets.length > LISTED_TOOLSETS_MAX ? ', …' : ''}.`;
  const title = 'Search tools';
  return {
    name: SEARCH_TOOLS,
    title,
    description:
      `Search the ${targets.length} tools of ${apiTitle} by keywords for the action and the resource ` +
      `(e.g. "list users"). Best matches first, with access (read/write) and required arguments. ` +
      `Next: ${DESCRIBE_TOOL} for a tool's arguments, then ${CALL_TOOL} to run it.${toolsetNote}`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 500, description: 'Keywords for the task.' },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_SEARCH_LIMIT,
          default: DEFAULT_SEARCH_LIMIT,
          description: 'How many results to return.',
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        matched: { type: 'integer' },
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              title: { type: 'string' },
              description: { type: 'string' },
              access: { enum: ['read', 'write'] },
              requiredArguments: { type: 'array', items: { type: 'string' } },
            },
            required: ['name', 'title', 'description', 'access', 'requiredArguments'],
          },
        },
      },
      required: ['matched', 'results'],
    },
    annotations: { title, ...READ_ONLY_HINTS },
  };
}

function buildDescribeToolListing(): ToolListing {
  const title = 'Describe a tool';
  return {
    name: DESCRIBE_TOOL,
    title,
    description:
      `Get one tool's full definition: description, inputSchema (the arguments for ${CALL_TOOL}), ` +
      `outputSchema and annotations. Use a name from ${SEARCH_TOOLS}.`,
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, description: `A tool name from ${SEARCH_TOOLS}.` },
      },
      required: ['name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        title: { type: 'string' },
        description: { type: 'string' },
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object' },
        annotations: { type: 'object' },
      },
      required: ['name', 'title', 'description', 'inputSchema', 'annotations'],
    },
    annotations: { title, ...READ_ONLY_HINTS },
  };
}

/**
 * call_tool's hints are the widest of the tools it can reach (any write makes it a write, any
 * destructive tool makes it destructive), because a host approves call_tool, not its target.
 * It declares no outputSchema: its result is the target's, which may be text only.
 */
function buildCallToolListing(targets: readonly ToolRegistryEntry[]): ToolListing {
  const hints = targets.map((entry) => entry.tool.annotations);
  const readOnlyHint = hints.every((hint) => hint.readOnlyHint);
  const title = 'Call a tool';
  return {
    name: CALL_TOOL,
    title,
    description:
      `Run a tool found with ${SEARCH_TOOLS}: its name, and arguments matching its inputSchema from ` +
      `${DESCRIBE_TOOL}. Validated and executed like a listed tool; returns that tool's result, errors as ` +
      `isError saying what to fix. The target tool's own annotations apply (these are the widest, as ` +
      `${CALL_TOOL} reaches every tool), so a client should show the user which tool is being called ` +
      `and with what arguments.`,
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, description: 'The tool to run.' },
        arguments: { type: 'object', description: "The tool's arguments, per its inputSchema." },
      },
      required: ['name'],
      additionalProperties: false,
    },
    annotations: {
      title,
      readOnlyHint,
      destructiveHint: !readOnlyHint && hints.some((hint) => !hint.readOnlyHint && hint.destructiveHint),
      idempotentHint: hints.every((hint) => hint.readOnlyHint || hint.idempotentHint),
      openWorldHint: hints.some((hint) => hint.openWorldHint),
    },
  };
}

const READ_ONLY_HINTS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
