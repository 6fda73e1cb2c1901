/**
 * Per-tool scopes: which API tool a JSON-RPC request calls, and which of its scopes a grant lacks.
 * Checked on the parsed HTTP body before the MCP SDK sees the request, so a refusal can be an HTTP
 * 403 with a step-up challenge rather than a tool result.
 */
import { CALL_TOOL } from '../mcp/dynamic-tools.js';
import type { ToolRegistry, ToolRegistryEntry } from '../mcp/tool-registry.js';

/**
 * The API tool a `tools/call` request runs: `params.name`, or in dynamic mode call_tool's
 * `params.arguments.name`. Anything else (other methods, unknown tools, search_tools) is undefined:
 * the MCP layer answers those itself.
 */
export function calledToolOf(message: unknown, tools: ToolRegistry): ToolRegistryEntry | undefined {
  if (!isObject(message) || message['method'] !== 'tools/call') return undefined;
  const params = message['params'];
  if (!isObject(params)) return undefined;
  const name = params['name'];
  if (typeof name !== 'string') return undefined;
  if (tools.dynamic?.isMetaTool(name)) {
    if (name !== CALL_TOOL) return undefined;
    const args = params['arguments'];
    const target = isObject(args) ? args['name'] : undefined;
    return typeof target === 'string' ? tools.entries.get(target) : undefined;
  }
  return tools.entries.get(name);
}

/** The tool's scopes the grant does not hold (all of a tool's scopes are needed), in the tool's order. */
export function missingScopes(required: readonly string[], granted: readonly string[]): string[] {
  return required.filter((scope) => !granted.includes(scope));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
