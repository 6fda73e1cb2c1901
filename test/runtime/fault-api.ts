/**
 * An API definition over the fault upstream: per fault route, a GET tool (`get_<route>`, retry-safe)
 * and a POST tool (`create_<route>`, retry-safe only with an idempotency key).
 */
import { type ApiDefinition, defineApi, type ToolDefinition } from '../../runtime/define-tool.js';
import { FAULT_ROUTES, type FaultRoute } from './fault-upstream.js';

/** The byte cap of every fault tool: far below the 50 MB body. */
export const FAULT_TOOL_MAX_BYTES = 64 * 1024;

const ANNOTATIONS = { destructiveHint: false, openWorldHint: true } as const;
// Declared so that unparsable or cut JSON is an isError result, as for most generated tools.
const OUTPUT_SCHEMA = { type: 'object' } as const;
const RESPONSE = { redact: [], maxBytes: FAULT_TOOL_MAX_BYTES, maxItems: 100 } as const;

function buildGetTool(route: FaultRoute): ToolDefinition {
  return {
    name: `get_${route}`,
    title: `Get ${route}`,
    description: `GET /faults/${route}`,
    annotations: { ...ANNOTATIONS, readOnlyHint: true, idempotentHint: true },
    scopes: ['mcp:read'],
    idempotency: 'none',
    toolsets: [],
    http: { method: 'get', path: `/faults/${route}`, params: [], responseMediaType: 'application/json' },
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    outputSchema: OUTPUT_SCHEMA,
    response: RESPONSE,
  };
}

function buildCreateTool(route: FaultRoute): ToolDefinition {
  return {
    name: `create_${route}`,
    title: `Create ${route}`,
    description: `POST /faults/${route}`,
    annotations: { ...ANNOTATIONS, readOnlyHint: false, idempotentHint: false },
    scopes: ['mcp:write'],
    idempotency: 'optional',
    toolsets: [],
    http: {
      method: 'post',
      path: `/faults/${route}`,
      params: [],
      body: {
        mediaType: 'application/json',
        required: false,
        mode: 'properties',
        properties: [{ argument: 'payload', property: 'payload' }],
      },
      responseMediaType: 'application/json',
    },
    inputSchema: {
      type: 'object',
      properties: { payload: { type: 'string' }, idempotency_key: { type: 'string', minLength: 8 } },
      additionalProperties: false,
    },
    outputSchema: OUTPUT_SCHEMA,
    response: RESPONSE,
  };
}

export function buildFaultApi(upstream: { timeoutMs: number; retries: number }): ApiDefinition {
  return defineApi({
    id: 'faults',
    title: 'Faults',
    version: '1.0.0',
    server: { name: 'faults', title: 'Faults', version: '1.0.0' },
    servers: ['http://faults.invalid/v1'],
    securitySchemes: [],
    upstream: { ...upstream, forwardIdempotencyKey: true },
    scopes: {
      definitions: [
        { name: 'mcp:read', description: 'Read' },
        { name: 'mcp:write', description: 'Write' },
      ],
      read: ['mcp:read'],
      write: ['mcp:write'],
    },
    extensions: {},
    prompts: [],
    tools: FAULT_ROUTES.flatMap((route) => [buildGetTool(route), buildCreateTool(route)]),
  });
}
