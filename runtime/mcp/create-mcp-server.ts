/**
 * The per-request MCP server factory handed to `createMcpHandler`. Everything heavy (validators,
 * listings, templates, the dynamic-mode search index) was built at startup; each call only wires a
 * few handlers onto a fresh `Server`, so a 1,000-tool API costs the same per request as a 10-tool one.
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
  Server,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import type { ApiDefinition } from '../define-tool.js';
import { type CallScope, type CallServices, callTool } from './call-tool.js';
import type { MetaToolContext } from './dynamic-tools.js';
import type { PromptRegistry } from './prompt-registry.js';
import type { ToolListing, ToolRegistry, ToolRegistryEntry } from './tool-registry.js';

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
}

export function createMcpServerFactory(options: CreateMcpServerFactoryOptions): McpServerFactory {
  const { api, tools, prompts } = options;
  const serverInfo = { name: api.server.name, title: api.server.title, version: api.server.version };
  const capabilities: ServerCapabilities = {
    tools: { listChanged: false },
    ...(prompts.size > 0 && { prompts: { listChanged: false } }),
  };
  const { dynamic } = tools;
  const instructions = [api.server.instructions, dynamic?.instructions].filter(Boolean).join('\n\n');
  const serverOptions = { capabilities, ...(instructions !== '' && { instructions }) };
  // The precomputed payloads are frozen; the SDK's types want mutable arrays, it never writes to them.
  const listedFor = (scope: Omit<CallScope, 'signal'>) => {
    if (dynamic !== undefined) return dynamic.listResult;
    // Without a grant (no token authentication) there are no scopes to hold against the tools.
    if (scope.grant === undefined || options.listAllTools === true) return tools.listResult;
    return tools.listResultFor(scope.grant.scopes);
  };
  const listPrompts = () => ({ prompts: prompts.listResult.prompts }) as unknown as ListPromptsResult;

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

  return (requestContext) => {
    const requestScope = options.scopeOf(requestContext);
    const listed = listedFor(requestScope);
    const listTools = () => ({ tools: listed.tools }) as unknown as ListToolsResult;
    // The low-level Server (deprecated in favour of McpServer) on purpose: McpServer would
    // re-register and re-convert every tool on every request, making each request O(tools).
    const server = new Server(serverInfo, serverOptions);
    server.setRequestHandler('tools/list', listTools);
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const name = request.params.name;
      // Dynamic mode: the listed meta-tools win over an API tool of the same name (that one stays
      // reachable through call_tool); unlisted API tools called directly still run.
      if (dynamic?.isMetaTool(name)) {
        const context: MetaToolContext = {
          callApiTool: (entry, args) =>
            callApiTool(server, entry, args, { ...requestScope, signal: ctx.mcpReq.signal }),
          projectOutputSchema: (schema) => projectOutputSchema(server, schema),
        };
        return dynamic.callMetaTool(name, request.params.arguments, context);
      }
      const entry = tools.entries.get(name);
      if (entry === undefined)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
      return callApiTool(server, entry, request.params.arguments, {
        ...requestScope,
        signal: ctx.mcpReq.signal,
      });
    });
    if (prompts.size > 0) {
      server.setRequestHandler('prompts/list', listPrompts);
      server.setRequestHandler(
        'prompts/get',
        (request): GetPromptResult => prompts.renderPrompt(request.params.name, request.params.arguments),
      );
    }
    return server;
  };
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
