/**
 * Serves a generated API over stdio: the same MCP server factory, tool registry and call path
 * (validation, rate limits, idempotency, audit) as the HTTP endpoint, on one pipe to one local user.
 * No Fastify: the upstream pool and the store are opened here and closed when the connection ends.
 * Nothing but JSON-RPC may reach stdout; the caller logs to stderr.
 */
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage, TransportSendOptions } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { Pool } from 'undici';
import type { ApiDefinition } from '../define-tool.js';
import { LocalClaims } from '../idempotency/run-keyed-call.js';
import type { CallLogger } from '../mcp/call-tool.js';
import { createMcpServerFactory } from '../mcp/create-mcp-server.js';
import { buildPromptRegistry } from '../mcp/prompt-registry.js';
import { ProgressResponseSpacer } from '../mcp/space-progress-responses.js';
import { buildToolRegistry, type ToolMode } from '../mcp/tool-registry.js';
import { buildPoolOptions } from '../plugins/upstream-client.js';
import { compileRateLimits } from '../rate-limit/check-rate-limits.js';
import type { Store } from '../stores/store-types.js';
import { resolveCredentialPlacement } from '../upstream/resolve-credential.js';
import { RUNTIME_VERSION } from '../version.js';

export interface ServeStdioApiOptions {
  readonly api: ApiDefinition;
  /** The platform's base URL, already resolved (resolveUpstreamBaseUrl). */
  readonly baseUrl: string;
  readonly upstreamCredential?: string;
  readonly toolsets?: readonly string[];
  readonly toolMode?: ToolMode;
  /** Serve only the tools whose annotations say read-only. */
  readonly readOnly?: boolean;
  readonly enforceRateLimits?: boolean;
  /** Idempotency records, rate-limit counters and audit; the caller opens and closes it. */
  readonly store: Store;
  readonly idempotencyWaitMs?: number;
  readonly upstreamMaxConnections?: number;
  readonly principal: string;
  readonly tenant?: string;
  readonly logger: CallLogger;
  /** Default: the process's stdin and stdout. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

export interface StdioServer {
  /** The number of tools served (after the toolset and read-only filters). */
  readonly toolCount: number;
  /** Settles when the connection has ended (stdin closed, or `close()`), pool closed. */
  readonly closed: Promise<void>;
  /** Ends the connection (in-flight calls are aborted) and closes the upstream pool. */
  close(): Promise<void>;
}

/** How long a retry waits for a still-running first call of the same key (as the HTTP endpoint). */
const DEFAULT_IDEMPOTENCY_WAIT_MS = 10_000;
// The HTTP endpoint's lease rule (runtime/plugins/mcp-endpoint.ts): longer than any live call.
const MAX_BACKOFF_MS = 5_000;
const POOL_CLOSE_GRACE_MS = 5_000;

export function serveStdioApi(options: ServeStdioApiOptions): StdioServer {
  const api = selectApi(options);
  const credential = resolveCredentialPlacement(api, options.upstreamCredential);
  const tools = buildToolRegistry(api, {
    ...(options.toolsets !== undefined && { toolsets: options.toolsets }),
    ...(options.toolMode !== undefined && { mode: options.toolMode }),
  });
  const prompts = buildPromptRegistry(api.prompts);
  const pool = new Pool(
    new URL(options.baseUrl).origin,
    buildPoolOptions({
      baseUrl: options.baseUrl,
      timeoutMs: api.upstream.timeoutMs,
      ...(options.upstreamMaxConnections !== undefined && { connections: options.upstreamMaxConnections }),
    }),
  );
  const { upstream } = api;
  const waitMs = options.idempotencyWaitMs ?? DEFAULT_IDEMPOTENCY_WAIT_MS;
  const factory = createMcpServerFactory({
    api,
    tools,
    prompts,
    services: {
      toolContext: {
        dispatcher: pool,
        baseUrl: options.baseUrl,
        credential,
        upstream,
        userAgent: `spec2mcp/${RUNTIME_VERSION}`,
      },
      store: options.store,
      rateLimits: compileRateLimits(api, tools.entries.keys()),
      idempotency: {
        waitMs,
        leaseMs: (upstream.timeoutMs + MAX_BACKOFF_MS) * (upstream.retries + 1) + waitMs,
      },
      localClaims: new LocalClaims(),
      ...(api.access?.tenantArgument !== undefined && { tenantArgument: api.access.tenantArgument }),
      logger: options.logger,
    },
    // The local user is the only caller: no token, no grant, so no scopes to hold tools against.
    scopeOf: () => ({
      principal: options.principal,
      client: 'stdio',
      ...(options.tenant !== undefined && { tenant: options.tenant }),
    }),
  });

  let ended!: () => void;
  const connectionEnded = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const transport = new NotifyingStdioTransport(options.stdin, options.stdout, ended);
  const handle = serveStdio(factory, {
    transport,
    onerror: (error) => options.logger.warn({ err: error }, 'stdio transport reported an error'),
  });
  const closed = connectionEnded.then(() => closePool(pool));
  return {
    toolCount: tools.entries.size,
    closed,
    async close() {
      await handle.close();
      await closed;
    },
  };
}

/** The API as served: without rate limits when they are off, only read-only tools when asked. */
function selectApi(options: ServeStdioApiOptions): ApiDefinition {
  let api = options.api;
  if (options.enforceRateLimits === false) {
    const { rateLimits: _ignored, ...rest } = api;
    api = rest;
  }
  if (options.readOnly === true) {
    api = { ...api, tools: api.tools.filter((tool) => tool.annotations.readOnlyHint) };
  }
  return api;
}

/**
 * The SDK's stdio transport, telling us when it closed (stdin EOF or a close from either side), and
 * spacing a response from its last progress notification (space-progress-responses.ts).
 */
class NotifyingStdioTransport extends StdioServerTransport {
  readonly #onClosed: () => void;
  readonly #spacer = new ProgressResponseSpacer((message) => super.send(message));

  constructor(stdin: Readable | undefined, stdout: Writable | undefined, onClosed: () => void) {
    super(stdin, stdout);
    this.#onClosed = onClosed;
  }

  override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.#spacer.send(message, options);
  }

  override async close(): Promise<void> {
    await super.close();
    this.#onClosed();
  }
}

/** close() waits for in-flight requests; a platform that never answers must not block the exit. */
async function closePool(pool: Pool): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(resolve, POOL_CLOSE_GRACE_MS, 'timeout');
  });
  const result = await Promise.race([pool.close(), grace]);
  clearTimeout(timer);
  if (result === 'timeout') await pool.destroy();
}
