/**
 * The only runtime module generated code imports. It fixes the shape of a
 * generated tool and API module, so the runtime can serve any generated/<api>/
 * without knowing anything about the generator.
 */

export type JsonSchema = { readonly [key: string]: unknown } | boolean;

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

export interface ToolParamBinding {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly style: 'simple' | 'label' | 'matrix' | 'form' | 'spaceDelimited' | 'pipeDelimited' | 'deepObject';
  readonly explode: boolean;
  readonly required: boolean;
  /** Argument carrying the value; absent for hidden parameters. */
  readonly argument?: string;
  /** Fixed value of a hidden parameter. */
  readonly value?: unknown;
  /** Filled from the tenant of the endpoint path (`access.tenantPathParam`); no argument. */
  readonly fromTenant?: boolean;
  readonly allowReserved?: boolean;
}

export interface ToolBodyBinding {
  readonly mediaType: string;
  readonly required: boolean;
  readonly mode: 'properties' | 'value';
  readonly argument?: string;
  readonly properties?: readonly {
    readonly argument: string;
    readonly property: string;
    readonly value?: unknown;
    readonly hidden?: boolean;
  }[];
  /**
   * multipart: body properties whose argument is a file, `{url}` or `{content_base64}` plus an
   * optional `filename` and `content_type`; the runtime downloads or decodes it and sends a file part.
   */
  readonly files?: readonly string[];
  /** form and multipart: per body property, the OpenAPI Encoding Object (content type, style, explode). */
  readonly encoding?: { readonly [property: string]: ToolBodyEncoding };
}

export interface ToolBodyEncoding {
  readonly contentType?: string;
  readonly style?: 'form' | 'spaceDelimited' | 'pipeDelimited' | 'deepObject';
  readonly explode?: boolean;
  readonly allowReserved?: boolean;
}

export interface ToolDefinition<Input = unknown, Output = unknown> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly annotations: {
    readonly readOnlyHint: boolean;
    readonly destructiveHint: boolean;
    readonly idempotentHint: boolean;
    readonly openWorldHint: boolean;
  };
  readonly scopes: readonly string[];
  readonly idempotency: 'required' | 'optional' | 'none';
  readonly toolsets: readonly string[];
  readonly http: {
    readonly method: HttpMethod;
    readonly path: string;
    readonly params: readonly ToolParamBinding[];
    readonly body?: ToolBodyBinding;
    /** Media type of the success response, absent when the API answers with no body. */
    readonly responseMediaType?: string;
  };
  readonly inputSchema: JsonSchema;
  readonly outputSchema?: JsonSchema;
  readonly response: {
    readonly redact: readonly string[];
    readonly maxBytes: number;
    readonly maxItems: number;
  };
  /** x-mcp `wait`: with its `argument` true, the call polls `poll` until a final state (docs/long-running.md). */
  readonly wait?: ToolWait;
  /** Phantom fields: carry the generated TypeScript types to callers; never set at runtime. */
  readonly __input?: Input;
  readonly __output?: Output;
}

/** Where a poll argument's value comes from: the start call's arguments or result, or a fixed value. */
export type WaitValue =
  | { readonly from: 'arguments' | 'response'; readonly pointer: string }
  | { readonly value: unknown };

/**
 * Start + poll as one call. After the tool's own request succeeds and the `argument` is true, the
 * runtime calls the `poll` tool (same credential, same principal) every `intervalSeconds` (growing
 * to `maxIntervalSeconds`) until the value at `status` is one of `until`, or the wait ends.
 */
export interface ToolWait {
  /** Name of the generated tool that reads the state (a GET). */
  readonly poll: string;
  /** Its arguments: JSON pointers into this call's arguments (`arguments`) or result (`response`). */
  readonly arguments: { readonly [argument: string]: WaitValue };
  /** JSON pointer to the state in the poll result. */
  readonly status: string;
  /** States at which waiting ends. */
  readonly until: readonly string[];
  /** JSON pointer to a detail shown in each progress notification. */
  readonly progressMessage?: string;
  readonly intervalSeconds: number;
  readonly maxIntervalSeconds: number;
  /** How long a call waits unless `secondsArgument` says otherwise. */
  readonly timeoutSeconds: number;
  /** The most `secondsArgument` may ask for. */
  readonly maxTimeoutSeconds: number;
  /** The boolean argument that asks to wait (e.g. `wait`). */
  readonly argument: string;
  /** The integer argument that sets how long to wait (e.g. `wait_seconds`). */
  readonly secondsArgument: string;
  /** Whether a call without `argument` waits. */
  readonly default: boolean;
}

export interface ApiDefinition {
  readonly id: string;
  readonly title: string;
  readonly version: string;
  readonly server: {
    readonly name: string;
    readonly title: string;
    readonly version: string;
    readonly instructions?: string;
  };
  readonly servers: readonly string[];
  readonly securitySchemes: readonly {
    readonly name: string;
    readonly type: string;
    readonly in?: string;
    readonly paramName?: string;
    readonly scheme?: string;
  }[];
  readonly upstream: {
    readonly baseUrl?: string;
    readonly auth?: { readonly scheme: string };
    readonly timeoutMs: number;
    readonly retries: number;
    readonly forwardIdempotencyKey: boolean;
  };
  readonly scopes: {
    readonly definitions: readonly { readonly name: string; readonly description: string }[];
    readonly read: readonly string[];
    readonly write: readonly string[];
  };
  /** Who may call and on whose behalf (x-mcp `whoami`, `tokens`, `tenancy`); checked by the generator. */
  readonly access?: AccessDefinition;
  /** x-mcp `rateLimits`, checked by the generator; absent when the overlay sets none. */
  readonly rateLimits?: readonly RateLimitDefinition[];
  readonly extensions: { readonly [key: string]: unknown };
  readonly prompts: readonly PromptDefinition[];
  // unknown, not Record: generated Input types are interfaces, which have no index signature.
  readonly tools: readonly ToolDefinition<unknown, unknown>[];
}

export interface AccessDefinition {
  /** The tool that returns the signed-in user (x-mcp `whoami`: an operationId, resolved to its tool). */
  readonly whoamiTool?: string;
  /** Prefix of API tokens (x-mcp `tokens.prefix`, e.g. `capi_`). */
  readonly tokenPrefix?: string;
  /** x-mcp `tokens.queryParameter: true`: `?token=` is accepted (old SSE clients) and redacted from logs. */
  readonly allowQueryToken?: boolean;
  /**
   * x-mcp `tenancy.pathParam`: the endpoint is `/{tenant}/mcp`, and the tenant fills the path parameter
   * of this name in every tool that has it (the argument is then hidden from the model).
   */
  readonly tenantPathParam?: string;
  /**
   * x-mcp `tenancy.argument`: the tool argument naming a tenant or workspace; a value outside the
   * caller's grant is refused before the platform is called.
   */
  readonly tenantArgument?: string;
  /** x-mcp `tenancy.list` (an operationId, resolved to its tool): lists the tenants a user can grant. */
  readonly tenantListTool?: string;
}

/**
 * One rate-limit rule. Each served tool it applies to counts one point per call against a counter
 * keyed by the caller (`key: principal`) or by the value of one argument (e.g. `workspace_id`;
 * calls without that argument are not counted by the rule).
 */
export interface RateLimitDefinition {
  /** `principal`, or the name of a tool argument. */
  readonly key: string;
  /** Calls allowed per window (a positive integer). */
  readonly limit: number;
  readonly windowSeconds: number;
  /** `fixed` resets per window; `sliding` weighs the previous window by its overlap. Default fixed. */
  readonly window: 'fixed' | 'sliding';
  /** Tool names the rule applies to; every tool when absent. */
  readonly tools?: readonly string[];
}

export interface PromptDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly arguments: readonly {
    readonly name: string;
    readonly description?: string;
    readonly required: boolean;
  }[];
  readonly template: string;
}

/** Identity at runtime; exists so generated modules are type-checked against the contract. */
export function defineTool<Input, Output>(
  definition: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return definition;
}

export function defineApi(definition: ApiDefinition): ApiDefinition {
  return definition;
}
