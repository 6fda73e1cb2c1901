/**
 * Loads a generated API, builds the server, listens, and shuts down gracefully on SIGINT/SIGTERM.
 * Shared by `runtime/main.ts` and `spec2mcp serve`.
 */
import module from 'node:module';
import { constants } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { destination } from 'pino';
import { wireDefaultAuthorization } from './auth/wire-default-authorization.js';
import { buildServer, type ServerOptions } from './build-server.js';
import { loadApi, watchApi } from './load-api.js';
import { buildLoggerOptions } from './logger-options.js';
import { type RuntimeConfig, RuntimeConfigError } from './read-runtime-config.js';

/** How long in-flight requests may take to finish after a signal (env SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS). */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 30;

/** What the configuration cannot carry: objects built by the caller (verifiers, the credential vault). */
export type StartServerExtras = Pick<
  ServerOptions,
  'tokenVerifiers' | 'credentialVault' | 'authorizationServers' | 'wireAuthorization'
>;

export async function startServer(
  config: RuntimeConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
  extras: StartServerExtras = {},
): Promise<FastifyInstance> {
  const shutdownTimeoutMs = readShutdownTimeoutMs(env);
  const api = await loadApi(config.apiDir);
  const app = await buildServer({
    api,
    // Synchronous stdout: the process exits right after its last lines (shutdown, deadline), and
    // pino's default asynchronous writes lost them about one run in three.
    logger: { ...buildLoggerOptions(config.logLevel), stream: destination({ dest: 1, sync: true }) },
    allowedHosts: config.allowedHosts,
    ...(config.upstreamUrl !== undefined && { upstreamUrl: config.upstreamUrl }),
    ...(config.upstreamCredential !== undefined && { upstreamCredential: config.upstreamCredential }),
    ...(config.allowedOrigins !== undefined && { allowedOrigins: config.allowedOrigins }),
    ...(config.toolsets !== undefined && { toolsets: config.toolsets }),
    toolMode: config.toolMode,
    store: config.store,
    enforceRateLimits: config.enforceRateLimits,
    ...(config.upstreamMaxConnections !== undefined && {
      upstreamMaxConnections: config.upstreamMaxConnections,
    }),
    ...(config.trustedPrincipalHeader !== undefined && {
      trustedPrincipalHeader: config.trustedPrincipalHeader,
    }),
    ...(config.idempotencyWaitMs !== undefined && { idempotency: { waitMs: config.idempotencyWaitMs } }),
    auth: config.auth,
    ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl }),
    ...(config.listAllTools === true && { listAllTools: true }),
    ...(config.watch === true && { liveReload: true }),
    sessions: {
      ...(config.sessionIdleSeconds !== undefined && { idleSeconds: config.sessionIdleSeconds }),
      ...(config.maxSessions !== undefined && { maxSessions: config.maxSessions }),
    },
    ...(config.auth.mode !== 'none' && {
      wireAuthorization: wireDefaultAuthorization({
        api,
        mode: config.auth.mode,
        publicUrl: config.publicUrl,
        env,
      }),
    }),
    ...extras,
  });
  handleShutdownSignals(app, { timeoutMs: shutdownTimeoutMs });

  const address = await app.listen({ port: config.port, host: config.host });
  // Node writes its compile cache (bin/spec2mcp.js, NODE_COMPILE_CACHE; Node 22.10+) at exit, so a
  // server that is killed or crashes would compile everything again on each start. Written once
  // the first requests had their turn; a no-op without a cache.
  setTimeout(() => (module as { flushCompileCache?: () => void }).flushCompileCache?.(), 2000).unref();
  if (config.watch === true) {
    const stop = watchApi(config.apiDir, (next) => app.reloadApi(next), {
      onError: (error) => app.log.warn({ err: error }, 'reload failed; still serving the previous API'),
    });
    app.server.once('close', stop);
  }
  const path = app.mcpEndpoint.path.replace(':tenant', '{tenant}');
  app.log.info(
    { url: `${address}${path}`, auth: config.auth.mode },
    `MCP endpoint listening on ${address}${path}`,
  );
  if (config.auth.mode === 'none' && config.trustedPrincipalHeader === undefined) {
    app.log.warn(
      'SPEC2MCP_AUTH=none: the MCP endpoint serves anyone who can reach it, with the service credential',
    );
  }
  return app;
}

/** SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS in ms: a positive number of seconds, default 30. */
export function readShutdownTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_SHUTDOWN_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new RuntimeConfigError(
      `SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS must be a positive number of seconds, got "${raw}".`,
    );
  }
  return Math.round(seconds * 1000);
}

export interface ShutdownOptions {
  /** Deadline for in-flight requests after the first signal; then the process exits 1. */
  readonly timeoutMs: number;
  /** Where signals come from. Default `process`. */
  readonly signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Ends the process. Default `process.exit`. */
  readonly exit?: (code: number) => void;
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Keep-alive sockets that finish their last response during shutdown are closed this often. */
const IDLE_REAP_INTERVAL_MS = 100;

/**
 * First SIGINT/SIGTERM: stop accepting connections, answer requests on open connections with 503
 * (Fastify's `return503OnClosing`), let in-flight requests finish, then exit 0; exit 1 if that takes
 * longer than `timeoutMs`. A second signal exits at once. Returns a function that removes the handlers.
 */
export function handleShutdownSignals(app: FastifyInstance, options: ShutdownOptions): () => void {
  const signals = options.signals ?? process;
  const exitProcess = options.exit ?? ((code: number) => process.exit(code));
  let closing = false;
  let exited = false;
  // Once: a close that resolves after the deadline or a second signal must not exit again.
  const exit = (code: number) => {
    if (exited) return;
    exited = true;
    exitProcess(code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting for in-flight requests');
      exit(128 + (constants.signals[signal] ?? 0));
      return;
    }
    closing = true;
    app.log.info(
      { signal, timeoutSeconds: options.timeoutMs / 1000 },
      'shutting down: refusing new connections, waiting for in-flight requests',
    );
    // Fastify's close waits for every connection to end, and a keep-alive socket whose request
    // finishes after the close began would otherwise idle until keepAliveTimeout (72 s).
    const reaper = setInterval(() => app.server.closeIdleConnections(), IDLE_REAP_INTERVAL_MS);
    reaper.unref();
    const deadline = setTimeout(() => {
      app.server.getConnections((_error, open) => {
        app.log.error(
          { timeoutSeconds: options.timeoutMs / 1000, openConnections: open },
          'shutdown deadline exceeded: exiting with requests still in flight',
        );
        exit(1);
      });
    }, options.timeoutMs);
    app.close().then(
      () => {
        clearInterval(reaper);
        clearTimeout(deadline);
        app.log.info('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        clearInterval(reaper);
        clearTimeout(deadline);
        app.log.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };

  for (const signal of SHUTDOWN_SIGNALS) signals.on(signal, onSignal);
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) signals.off(signal, onSignal);
  };
}
