/**
 * ApiIR -> the ApiDefinition the runtime serves, in memory: the same objects the emitted
 * `index.ts` and `tools/*.ts` spell out as literals (emit-api.ts, emit-tool-module.ts), so
 * `contract` can serve what a spec generates without writing, type-checking or importing
 * TypeScript. test/contract/build-api-definition.test.ts keeps the two in step.
 */
import type { ApiIR, ToolIR, WaitIR } from '../generator/ir/types.js';
import type { ApiDefinition, ToolDefinition } from '../runtime/define-tool.js';

export function buildApiDefinition(api: ApiIR): ApiDefinition {
  const definition = {
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
    ...(Object.keys(api.settings.access).length > 0 ? { access: api.settings.access } : {}),
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
    prompts: api.prompts.map((p) => ({
      name: p.name,
      title: p.title,
      description: p.description,
      arguments: p.arguments,
      template: p.template,
    })),
    tools: api.tools.map(buildToolDefinition),
  };
  // A JSON round trip drops undefined members and non-finite numbers, as the printed literals do.
  return JSON.parse(JSON.stringify(definition)) as ApiDefinition;
}

function buildToolDefinition(tool: ToolIR): ToolDefinition {
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
      ...(tool.body !== undefined && { body: tool.body }),
      ...(tool.responseMediaType !== undefined && { responseMediaType: tool.responseMediaType }),
    },
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined && { outputSchema: tool.outputSchema }),
    response: tool.response,
    ...(tool.wait?.pollTool !== undefined && { wait: buildToolWait(tool.wait, tool.wait.pollTool) }),
  } as ToolDefinition;
}

/** As emit-tool-module.ts's toToolWait: a tool that waits by polling another one. */
function buildToolWait(wait: WaitIR, poll: string) {
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
