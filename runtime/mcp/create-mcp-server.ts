/**
 * The per-request MCP server factory handed to `createMcpHandler`. Everything heavy (validators,
 * listings, templates) was built at startup; each call only wires a few handlers onto a fresh
 * `Server`, so a 1,000-tool API costs the same per request as a 10-tool one.
 */
import {
  type CallToolResult,
  type GetPromptResult,
  type ListPromptsResult,
  type ListToolsResult,
  type McpServerFactory,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import type { ApiDefinition } from '../define-tool.js';
import { executeTool, type ToolCallContext } from './execute-tool.js';
import type { PromptRegistry } from './prompt-registry.js';
import type { ToolRegistry } from './tool-registry.js';

export interface McpServerLogger {
  debug(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface CreateMcpServerFactoryOptions {
  readonly api: ApiDefinition;
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
  /** Everything a tool call needs except the per-request abort signal. */
  readonly toolContext: Omit<ToolCallContext, 'signal' | 'logger'>;
  readonly logger: McpServerLogger;
}

export function createMcpServerFactory(options: CreateMcpServerFactoryOptions): McpServerFactory {
  const { api, tools, prompts, logger } = options;
  const serverInfo = { name: api.server.name, title: api.server.title, version: api.server.version };
  const capabilities: ServerCapabilities = {
    tools: { listChanged: false },
    ...(prompts.size > 0 && { prompts: { listChanged: false } }),
  };
  const serverOptions = {
    capabilities,
    ...(api.server.instructions !== undefined && { instructions: api.server.instructions }),
  };
  // The precomputed payloads are frozen; the SDK's types want mutable arrays, it never writes to them.
  const listTools = () => ({ tools: tools.listResult.tools }) as unknown as ListToolsResult;
  const listPrompts = () => ({ prompts: prompts.listResult.prompts }) as unknown as ListPromptsResult;

  return () => {
    // The low-level Server (deprecated in favour of McpServer) on purpose: McpServer would
    // re-register and re-convert every tool on every request, making each request O(tools).
    const server = new Server(serverInfo, serverOptions);
    server.setRequestHandler('tools/list', listTools);
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const name = request.params.name;
      const entry = tools.entries.get(name);
      if (entry === undefined)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
      let result: CallToolResult;
      try {
        result = await executeTool(entry, request.params.arguments, {
          ...options.toolContext,
          signal: ctx.mcpReq.signal,
          logger,
        });
      } catch (error) {
        logger.error({ err: error, tool: name }, 'tool call failed unexpectedly');
        result = {
          isError: true,
          content: [{ type: 'text', text: `${name} failed because of an internal error in the MCP server.` }],
        };
      }
      // 2025-era clients need non-object structuredContent wrapped as {result: ...}; 2026 is identity.
      return server.projectCallToolResult(result, entry.listing.outputSchema);
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
