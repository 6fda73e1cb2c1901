/**
 * The stdio server as a process: settings from the environment, JSON log lines on stderr (stdout
 * carries only JSON-RPC), the store, and a clean end on stdin EOF, SIGTERM or SIGINT. Shared by
 * `spec2mcp stdio` and the `.mcpb` bundle's server/index.js, which differ only in how they load the
 * API and open the store.
 */
import pino, { destination, type Logger } from 'pino';
import type { ApiDefinition } from '../define-tool.js';
import { buildLoggerOptions } from '../logger-options.js';
import type { Store } from '../stores/store-types.js';
import { resolveUpstreamBaseUrl } from '../upstream/resolve-base-url.js';
import { readStdioConfig, StdioConfigError } from './read-stdio-config.js';
import { serveStdioApi } from './serve-stdio.js';

/** Opens the store SPEC2MCP_STORE names (the bundle can only offer memory). */
export type OpenStdioStore = (
  kind: string,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
) => Promise<Store>;

export interface RunStdioOptions {
  readonly loadApi: () => Promise<ApiDefinition>;
  readonly openStore: OpenStdioStore;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where signals come from. Default `process`. */
  readonly signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Serves until the client goes away or a signal arrives; resolves with the exit code. */
export async function runStdio(options: RunStdioOptions): Promise<number> {
  const env = options.env ?? process.env;
  // Synchronous writes to fd 2: the process may exit right after its last line.
  const bootLogger = pino(buildLoggerOptions('info'), destination({ dest: 2, sync: true }));
  let logger = bootLogger;
  let store: Store | undefined;
  try {
    const config = readStdioConfig(env);
    logger = pino(buildLoggerOptions(config.logLevel), destination({ dest: 2, sync: true }));
    const api = await options.loadApi();
    const tenantParam = api.access?.tenantPathParam;
    if (tenantParam !== undefined && config.tenant === undefined) {
      // Over HTTP the tenant is the endpoint path (/{tenant}/mcp); a pipe has no path.
      throw new StdioConfigError(
        `API ${api.id} serves one endpoint per tenant (path parameter ${tenantParam}); set SPEC2MCP_TENANT (or pass --tenant) to the tenant to act in.`,
      );
    }
    const baseUrl = resolveUpstreamBaseUrl(
      api,
      config.upstreamUrl,
      "set SPEC2MCP_UPSTREAM_URL (or pass --upstream) to the platform's base URL",
    );
    if (api.upstream.auth !== undefined && config.upstreamCredential === undefined) {
      logger.warn(
        { scheme: api.upstream.auth.scheme },
        'no upstream credential (SPEC2MCP_UPSTREAM_CREDENTIAL); calls go to the platform unauthenticated',
      );
    }
    store = await options.openStore(config.storeKind, env, logger);
    const server = serveStdioApi({
      api,
      baseUrl,
      ...(config.upstreamCredential !== undefined && { upstreamCredential: config.upstreamCredential }),
      ...(config.toolsets !== undefined && { toolsets: config.toolsets }),
      toolMode: config.toolMode,
      readOnly: config.readOnly,
      enforceRateLimits: config.enforceRateLimits,
      store,
      ...(config.idempotencyWaitMs !== undefined && { idempotencyWaitMs: config.idempotencyWaitMs }),
      ...(config.upstreamMaxConnections !== undefined && {
        upstreamMaxConnections: config.upstreamMaxConnections,
      }),
      principal: config.principal,
      ...(config.tenant !== undefined && { tenant: config.tenant }),
      logger: logger.child({ component: 'mcp' }),
    });
    logger.info(
      {
        api: api.id,
        tools: server.toolCount,
        toolMode: config.toolMode,
        readOnly: config.readOnly,
        upstream: baseUrl,
        store: store.kind,
      },
      'serving MCP over stdio',
    );
    const signals = options.signals ?? process;
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'closing the stdio connection');
      void server.close();
    };
    for (const signal of SIGNALS) signals.on(signal, onSignal);
    await server.closed;
    for (const signal of SIGNALS) signals.off(signal, onSignal);
    await store.close();
    logger.info('stdio connection closed');
    return 0;
  } catch (error) {
    await store?.close().catch(() => undefined);
    if (error instanceof StdioConfigError) {
      logger.error(error.message);
      return 2;
    }
    logger.error({ err: error }, `stdio server failed: ${(error as Error).message}`);
    return 1;
  }
}
