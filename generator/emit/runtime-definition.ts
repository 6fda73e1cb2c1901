/**
 * IR -> the runtime's definitions (runtime/define-tool.ts) as plain data: what `index.ts`,
 * `prompts.ts` and `tools/*.ts` spell out as literals, and what `spec2mcp contract` serves in
 * memory without writing or importing TypeScript. One source for both, so they cannot drift.
 * Members left undefined are dropped by printLiteral and by contract's JSON round trip alike.
 */
import type { ApiIR, ToolIR, WaitIR } from '../ir/types.js';

/** The API's settings: everything of ApiDefinition but its prompts and tools. */
export function toApiSettings(api: ApiIR) {
  return {
    id: api.id,
    title: api.title,
    version: api.version,
    server: api.server,
    servers: api.servers,
    securitySchemes: api.securitySchemes,
    upstream: api.settings.upstream,
    scopes: {
      definitions: api.settings.scopes.definitions,
      read: api.settings.scopes.read,
      write: api.settings.scopes.write,
    },
    // Absent when the overlay sets none of whoami, tokens, tenancy: ApiDefinition.access is optional.
    ...(Object.keys(api.settings.access).length > 0 ? { access: api.settings.access } : {}),
    // Absent rather than empty when the overlay sets no rules, as ApiDefinition documents.
    ...(api.settings.rateLimits.length > 0
      ? {
          rateLimits: api.settings.rateLimits.map((rule) => ({
            key: rule.key,
            limit: rule.limit,
            windowSeconds: rule.windowSeconds,
            window: rule.window,
            ...(rule.tools ? { tools: rule.tools } : {}),
          })),
        }
      : {}),
    extensions: api.settings.extensions,
  };
}

export function toPromptDefinitions(api: ApiIR) {
  return api.prompts.map((p) => ({
    name: p.name,
    title: p.title,
    description: p.description,
    arguments: p.arguments,
    template: p.template,
  }));
}

/** A tool's definition: its binding, schemas and policy; the runtime interprets it. */
export function toToolDefinition(tool: ToolIR) {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    annotations: tool.annotations,
    scopes: tool.scopes,
    idempotency: tool.idempotency,
    toolsets: tool.toolsets,
    http: {
      method: tool.http.method,
      path: tool.http.path,
      params: tool.params,
      body: tool.body,
      responseMediaType: tool.responseMediaType,
    },
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    response: tool.response,
    ...(tool.wait?.pollTool !== undefined && { wait: toToolWait(tool.wait, tool.wait.pollTool) }),
  };
}

/** The runtime's ToolWait: what the generator resolved, without where it was written. */
function toToolWait(wait: WaitIR, poll: string) {
  return {
    poll,
    arguments: wait.arguments,
    status: wait.status,
    until: wait.until,
    ...(wait.progressMessage !== undefined && { progressMessage: wait.progressMessage }),
    intervalSeconds: wait.intervalSeconds,
    maxIntervalSeconds: wait.maxIntervalSeconds,
    timeoutSeconds: wait.timeoutSeconds,
    maxTimeoutSeconds: wait.maxTimeoutSeconds,
    argument: wait.argument,
    secondsArgument: wait.secondsArgument,
    default: wait.default,
  };
}
