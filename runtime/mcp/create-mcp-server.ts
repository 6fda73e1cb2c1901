/**
 * The per-request MCP server factory handed to `createMcpHandler`. Everything heavy (validators,
 * listings, templates, the dynamic-mode search index) was built at startup; each call only wires a
 * few handlers onto a fresh `Server`, so a 1,000-tool API costs the same per request as a 10-tool one.
 *
 * The handlers read the served surface (tools, prompts, services) when a request arrives, not when
 * the `Server` is built: `createLiveMcpServerFactory(...).replace()` swaps it in one assignment, so a
 * 2025 session opened before a live reload lists and calls the new tools, while calls already
 * running finish on the registry entry they started with.
 */
import {
  type CallToolResult,
  type GetPromptResult,
  type ListPromptsResult,
  type ListToolsResult,
  type McpRequestContext,
  type McpServerFactory,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  Server,
  type ServerCapabilities,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ApiDefinition } from '../define-tool.js';
import { type CallScope, type CallServices, callTool } from './call-tool.js';
import type { MetaToolContext } from './dynamic-tools.js';
import type { PromptRegistry } from './prompt-registry.js';
import type { ToolListing, ToolRegistry, ToolRegistryEntry } from './tool-registry.js';
import { createProgressReporter } from './wait-for-completion.js';

export interface CreateMcpServerFactoryOptions {
  readonly api: ApiDefinition;
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
  /** Everything a tool call needs that is shared by all requests. */
  readonly services: CallServices;
  /** The caller and request details of one MCP request (principal, grant, tenant, Idempotency-Key header). */
  readonly scopeOf: (ctx: McpRequestContext) => Omit<CallScope, 'signal'>;
  /** `true`: tools/list shows every tool whatever the grant's scopes. Default: only the granted ones. */
  readonly listAllTools?: boolean;
  /** `true` (live reload): advertise `listChanged`, the tool and prompt lists may change while connected. */
  readonly listChanged?: boolean;
  /**
   * How long 2026-07-28 clients may cache tools/list, prompts/list and server/discover (`ttlMs`,
   * scope `private`: the lists depend on the caller's grant). Default 0 with `listChanged`, else 5 min.
   */
  readonly listTtlMs?: number;
}

/** A factory whose served surface can be replaced while servers built by it stay connected. */
export interface LiveMcpServerFactory {
  readonly factory: McpServerFactory;
  /** Serves `options` from the next request on; capabilities and server info stay those of the first. */
  replace(options: CreateMcpServerFactoryOptions): void;
}

const DEFAULT_LIST_TTL_MS = 5 * 60_000;

export function createMcpServerFactory(options: CreateMcpServerFactoryOptions): McpServerFactory {
  return createLiveMcpServerFactory(options).factory;
}

export function createLiveMcpServerFactory(initial: CreateMcpServerFactoryOptions): LiveMcpServerFactory {
  const { api } = initial;
  const serverInfo = { name: api.server.name, title: api.server.title, version: api.server.version };
  const listChanged = initial.listChanged === true;
  const capabilities: ServerCapabilities = {
    tools: { listChanged },
    ...((initial.prompts.size > 0 || listChanged) && { prompts: { listChanged } }),
    // An empty catalog: generated servers expose no resources, but 2026 clients probe the lists.
    resources: {},
  };
  const ttlMs = initial.listTtlMs ?? (listChanged ? 0 : DEFAULT_LIST_TTL_MS);
  const hint = { ttlMs, cacheScope: 'private' } as const;
  const cacheHints = {
    'tools/list': hint,
    'prompts/list': hint,
    'resources/list': hint,
    'resources/templates/list': hint,
    'server/discover': hint,
  };
  const instructions = [api.server.instructions, initial.tools.dynamic?.instructions]
    .filter(Boolean)
    .join('\n\n');
  const serverOptions = { capabilities, cacheHints, ...(instructions !== '' && { instructions }) };
  let surface = compileSurface(initial);

  const factory: McpServerFactory = (requestContext) => {
    // A session's server outlives the request that built it: each call reads its own HTTP request.
    const scopeOf = (ctx: ServerContext) =>
      surface.scopeOf({
        era: requestContext.era,
        ...withDefined('authInfo', ctx.http?.authInfo ?? requestContext.authInfo),
        ...withDefined('requestInfo', ctx.http?.req ?? requestContext.requestInfo),
      });
    // The low-level Server (deprecated in favour of McpServer) on purpose: McpServer would
    // re-register and re-convert every tool on every request, making each request O(tools).
    const server = new Server(serverInfo, serverOptions);
    server.setRequestHandler('tools/list', (_request, ctx) => surface.listTools(scopeOf(ctx)));
    server.setRequestHandler('tools/call', (request, ctx) =>
      surface.callTool(server, request.params, {
        ...scopeOf(ctx),
        signal: ctx.mcpReq.signal,
        // x-mcp `wait` reports each poll when the client sent a progress token.
        ...createProgressReporter(ctx),
      }),
    );
    if (capabilities.prompts !== undefined) {
      server.setRequestHandler('prompts/list', () => surface.listPrompts());
      server.setRequestHandler('prompts/get', (request) =>
        surface.getPrompt(request.params.name, request.params.arguments),
      );
    }
    server.setRequestHandler('resources/list', () => ({ resources: [] }));
    server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: [] }));
    server.setRequestHandler('resources/read', (request) => {
      throw new ResourceNotFoundError(request.params.uri);
    });
    return server;
  };
  return {
    factory,
    replace(options) {
      surface = compileSurface(options);
    },
  };
}

interface CompiledSurface {
  readonly scopeOf: CreateMcpServerFactoryOptions['scopeOf'];
  listTools(scope: Omit<CallScope, 'signal'>): ListToolsResult;
  callTool(
    server: Server,
    params: { name: string; arguments?: Record<string, unknown> | undefined },
    scope: CallScope,
  ): Promise<CallToolResult>;
  listPrompts(): ListPromptsResult;
  getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult>;
}

/** Everything the handlers need from one generation of the API, built once per (re)load. */
function compileSurface(options: CreateMcpServerFactoryOptions): CompiledSurface {
  const { tools, prompts } = options;
  const { dynamic } = tools;
  // The precomputed payloads are frozen; the SDK's types want mutable arrays, it never writes to them.
  const listedFor = (scope: Omit<CallScope, 'signal'>) => {
    if (dynamic !== undefined) return dynamic.listResult;
    // Without a grant (no token authentication) there are no scopes to hold against the tools.
    if (scope.grant === undefined || options.listAllTools === true) return tools.listResult;
    return tools.listResultFor(scope.grant.scopes);
  };

  /** One API tool call, shared by a direct tools/call and call_tool. */
  const callApiTool = async (
    server: Server,
    entry: ToolRegistryEntry,
    args: Readonly<Record<string, unknown>> | undefined,
    scope: CallScope,
  ): Promise<CallToolResult> => {
    const result = await callTool(entry, args, scope, options.services);
    // 2025-era clients need non-object structuredContent wrapped as {result: ...}; 2026 is identity.
    return server.projectCallToolResult(result, entry.listing.outputSchema);
  };

  return {
    scopeOf: options.scopeOf,
    listTools: (scope) => ({ tools: listedFor(scope).tools }) as unknown as ListToolsResult,
    async callTool(server, params, scope) {
      const { name } = params;
      // Dynamic mode: the listed meta-tools win over an API tool of the same name (that one stays
      // reachable through call_tool); unlisted API tools called directly still run.
      if (dynamic?.isMetaTool(name)) {
        const context: MetaToolContext = {
          callApiTool: (entry, args) => callApiTool(server, entry, args, scope),
          projectOutputSchema: (schema) => projectOutputSchema(server, schema),
        };
        return dynamic.callMetaTool(name, params.arguments, context);
      }
      const entry = tools.entries.get(name);
      if (entry === undefined)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
      return callApiTool(server, entry, params.arguments, scope);
    },
    listPrompts: () => ({ prompts: prompts.listResult.prompts }) as unknown as ListPromptsResult,
    getPrompt: (name, args) => prompts.renderPrompt(name, args),
  };
}

function withDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * An output schema as this connection's `tools/list` would advertise it: the 2025 wire wraps a
 * non-object root as `{result}`. Asks the SDK's codec (via a probe result) instead of re-deriving
 * the protocol era here. Generated schemas are inlined (no `$ref`), so wrapping needs no rewriting.
 */
function projectOutputSchema(
  server: Server,
  schema: ToolListing['outputSchema'],
): Readonly<Record<string, unknown>> | undefined {
  if (schema === undefined || schema['type'] === 'object') return schema;
  const probe = {};
  const projected = server.projectCallToolResult({ content: [], structuredContent: probe }, schema);
  if (projected.structuredContent === probe) return schema;
  return { type: 'object', properties: { result: schema }, required: ['result'] };
}
