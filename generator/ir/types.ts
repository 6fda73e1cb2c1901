/**
 * The IR: the contract between `load/` + `ir/` and `emit/`. Plain, serializable,
 * sorted data; `emit/` reads nothing else. Changing a field here is a change to
 * every generated file, so keep it small and explicit.
 */
import type { SourceRef } from '../diagnostics/diagnostic.js';

export type JsonSchema = { readonly [key: string]: unknown } | boolean;

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

export interface ApiIR {
  /** Folder name under generated/, e.g. `conveyor`. */
  readonly id: string;
  readonly title: string;
  readonly version: string;
  readonly server: ServerInfoIR;
  /** Upstream base URLs from the document (servers / host+basePath), first is the default. */
  readonly servers: readonly string[];
  readonly provenance: ProvenanceIR;
  readonly securitySchemes: readonly SecuritySchemeIR[];
  readonly settings: SettingsIR;
  readonly prompts: readonly PromptIR[];
  /** Sorted by name. */
  readonly tools: readonly ToolIR[];
}

export interface ServerInfoIR {
  readonly name: string;
  readonly title: string;
  readonly version: string;
  readonly instructions?: string;
}

export interface ProvenanceIR {
  /** Path of the spec relative to the spec folder's parent, posix separators. */
  readonly specFile: string;
  readonly specSha256: string;
  readonly overlays: readonly { readonly file: string; readonly sha256: string }[];
  readonly generatorVersion: string;
}

/** How the platform's API accepts a credential; the runtime fills in the secret. */
export interface SecuritySchemeIR {
  readonly name: string;
  readonly type: 'apiKey' | 'http' | 'oauth2' | 'openIdConnect' | 'mutualTLS';
  /** apiKey */
  readonly in?: 'header' | 'query' | 'cookie';
  readonly paramName?: string;
  /** http: bearer | basic | ... */
  readonly scheme?: string;
}

export interface SettingsIR {
  readonly naming: { readonly prefix: string; readonly arguments: 'preserve' | 'snake_case' };
  readonly scopes: {
    readonly definitions: readonly { readonly name: string; readonly description: string }[];
    readonly read: readonly string[];
    readonly write: readonly string[];
  };
  readonly upstream: UpstreamSettingsIR;
  readonly limits: { readonly maxBytes: number; readonly maxItems: number };
  /** x-mcp.rateLimits in the overlay's order, checked against the named tools. */
  readonly rateLimits: readonly RateLimitIR[];
  /** x-mcp `whoami`, `tokens` and `tenancy`, checked against the operations and named tools. */
  readonly access: AccessIR;
  /** Opaque to emit: root x-mcp keys the generator does not check (toolsets). */
  readonly extensions: { readonly [key: string]: unknown };
}

/**
 * The runtime's AccessDefinition: every field is absent unless the overlay set it (and it passed
 * its checks), so an API without these settings emits no `access` at all.
 */
export interface AccessIR {
  /** Name of the generated tool of the `whoami` operation. */
  readonly whoamiTool?: string;
  readonly tokenPrefix?: string;
  /** Only ever `true`: false is the default and is left out. */
  readonly allowQueryToken?: true;
  /** Its path parameters are `fromTenant` in every tool that has one. */
  readonly tenantPathParam?: string;
  /** An argument of at least one tool, after `naming.arguments`. */
  readonly tenantArgument?: string;
  /** Name of the generated tool of the `tenancy.list` operation. */
  readonly tenantListTool?: string;
}

/** One rate-limit rule; the runtime's RateLimitDefinition plus where it was written. */
export interface RateLimitIR {
  /** `principal`, or an argument of at least one tool the rule applies to. */
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly window: 'fixed' | 'sliding';
  /** Generated tool names, as written; every tool when absent. */
  readonly tools?: readonly string[];
  readonly source: SourceRef;
}

export interface UpstreamSettingsIR {
  /** Overrides servers[0] when set. */
  readonly baseUrl?: string;
  /** Which security scheme carries the user's/service credential upstream. */
  readonly auth?: { readonly scheme: string };
  readonly timeoutMs: number;
  readonly retries: number;
  /** Send `Idempotency-Key` upstream for write tools that carry one. */
  readonly forwardIdempotencyKey: boolean;
}

export interface PromptIR {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly arguments: readonly {
    readonly name: string;
    readonly description?: string;
    readonly required: boolean;
  }[];
  readonly template: string;
  readonly source: SourceRef;
}

export interface ToolAnnotationsIR {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

export type IdempotencyMode = 'required' | 'optional' | 'none';

export type ParamLocation = 'path' | 'query' | 'header' | 'cookie';
export type ParamStyle =
  | 'simple'
  | 'label'
  | 'matrix'
  | 'form'
  | 'spaceDelimited'
  | 'pipeDelimited'
  | 'deepObject';

export interface ParamIR {
  /** Name on the wire (path template name, query key, header name). */
  readonly name: string;
  readonly in: ParamLocation;
  readonly style: ParamStyle;
  readonly explode: boolean;
  readonly required: boolean;
  /** Tool argument name; absent when hidden. */
  readonly argument?: string;
  /** Fixed value for a hidden parameter, sent on every call. */
  readonly value?: unknown;
  /**
   * A path parameter named by x-mcp `tenancy.pathParam`: the runtime fills it from the tenant of the
   * `/{tenant}/mcp` endpoint, so it has neither an argument nor a fixed value.
   */
  readonly fromTenant?: boolean;
  /** Default the runtime applies when the argument is omitted (from the overlay). */
  readonly allowReserved?: boolean;
}

export interface BodyIR {
  readonly mediaType: string;
  readonly required: boolean;
  /**
   * `properties`: each top-level property of an object body is its own argument
   * (what models call best); `value`: the whole body is one argument.
   */
  readonly mode: 'properties' | 'value';
  /** mode `value`: the argument holding the body. */
  readonly argument?: string;
  /** mode `properties`: argument -> body property, sorted by argument. */
  readonly properties?: readonly {
    readonly argument: string;
    readonly property: string;
    /** Fixed value for a hidden property. */
    readonly value?: unknown;
    readonly hidden?: boolean;
  }[];
  /** multipart: body properties whose argument is a file (`url` or `content_base64`), sorted. */
  readonly files?: readonly string[];
  /** form and multipart: the media type's Encoding Object per body property, as declared. */
  readonly encoding?: { readonly [property: string]: BodyEncodingIR };
}

export interface BodyEncodingIR {
  readonly contentType?: string;
  readonly style?: 'form' | 'spaceDelimited' | 'pipeDelimited' | 'deepObject';
  readonly explode?: boolean;
  readonly allowReserved?: boolean;
}

export interface ResponsePolicyIR {
  /** RFC 9535 JSONPath expressions removed from the result before it reaches the model. */
  readonly redact: readonly string[];
  readonly maxBytes: number;
  readonly maxItems: number;
}

export interface ToolIR {
  readonly name: string;
  /** camelCase identifier of the generated export. */
  readonly exportName: string;
  /** kebab/snake file stem under tools/. */
  readonly fileName: string;
  readonly title: string;
  readonly description: string;
  readonly operationId?: string;
  readonly http: { readonly method: HttpMethod; readonly path: string };
  /** Sorted by location then name. */
  readonly params: readonly ParamIR[];
  readonly body?: BodyIR;
  readonly inputSchema: JsonSchema;
  readonly outputSchema?: JsonSchema;
  /** Media type of the success response; `undefined` for empty responses. */
  readonly responseMediaType?: string;
  readonly annotations: ToolAnnotationsIR;
  readonly scopes: readonly string[];
  readonly idempotency: IdempotencyMode;
  readonly response: ResponsePolicyIR;
  readonly toolsets: readonly string[];
  readonly deprecated: boolean;
  /** The operation. */
  readonly source: SourceRef;
  /** Where the name was decided: x-mcp.name when set (often in an overlay), else the operation. */
  readonly nameSource: SourceRef;
  /** x-mcp `wait`: start + poll as one call that waits (docs/long-running.md). */
  readonly wait?: WaitIR;
}

/**
 * Where a poll argument's value comes from: a JSON pointer into the start call's arguments or its
 * structured result, or a fixed value. The runtime's WaitValue.
 */
export type WaitValueIR =
  | { readonly from: 'arguments' | 'response'; readonly pointer: string }
  | { readonly value: unknown };

/** The runtime's ToolWait plus what resolving `poll` needs once every tool is named. */
export interface WaitIR {
  /** `wait.poll` as written: an operationId or a generated tool name. */
  readonly pollReference: string;
  /** The generated tool `pollReference` resolves to; absent until build-wait.ts resolved it. */
  readonly pollTool?: string;
  /** Poll tool argument -> its value, sorted by argument. */
  readonly arguments: { readonly [argument: string]: WaitValueIR };
  /** JSON pointer to the state in each poll result. */
  readonly status: string;
  readonly until: readonly string[];
  /** JSON pointer to a detail shown in each progress notification. */
  readonly progressMessage?: string;
  readonly intervalSeconds: number;
  readonly maxIntervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxTimeoutSeconds: number;
  /** The boolean tool argument that asks to wait. */
  readonly argument: string;
  /** The integer tool argument that sets how long to wait. */
  readonly secondsArgument: string;
  readonly default: boolean;
  /**
   * JSON pointer of the `wait` mapping, for diagnostics found once tools are named (a pointer, not a
   * SourceRef: a cached ToolIR's positions move, its pointers do not).
   */
  readonly pointer: string;
}
