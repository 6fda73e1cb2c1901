/**
 * One keep-alive undici pool to the platform's origin, shared by every tool call and closed with
 * the server, so calls reuse connections instead of paying a TCP/TLS handshake each. Its
 * `connections` bounds the concurrent upstream requests; calls beyond it wait in the pool's queue,
 * bounded by each call's deadline (see send-request.ts).
 *
 * The pool is created on the first upstream call: loading undici is ~70 ms of CPU that a server
 * need not spend before its first `tools/list`, so the first call pays it instead. The options are
 * checked at startup all the same.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Dispatcher, Pool } from 'undici';

export interface UpstreamClient {
  /** Answers `request()` (the promise form send-request.ts uses) through the pool. */
  readonly dispatcher: Dispatcher;
  /** Base URL tool paths are joined to, base path included (`https://api.example.com/v1`). */
  readonly baseUrl: string;
  /** The pool once the first call created it (its `stats` for tests and diagnostics). */
  readonly loadedPool: () => Pool | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    upstream: UpstreamClient;
  }
}

export interface UpstreamClientOptions {
  readonly baseUrl: string;
  /** The API's overall upstream timeout (`upstream.timeoutMs`); default of the three below. */
  readonly timeoutMs: number;
  /**
   * Maximum concurrent connections, hence in-flight requests, to the platform
   * (env SPEC2MCP_UPSTREAM_MAX_CONNECTIONS). Default 64.
   */
  readonly connections?: number;
  /** TCP/TLS connect timeout. Default: min(timeoutMs, 10 s). */
  readonly connectTimeoutMs?: number;
  /** Wait for response headers once a request is sent. Default: timeoutMs. */
  readonly headersTimeoutMs?: number;
  /** Longest silence between two body chunks. Default: timeoutMs. */
  readonly bodyTimeoutMs?: number;
}

export const DEFAULT_UPSTREAM_CONNECTIONS = 64;
const CONNECT_TIMEOUT_CAP_MS = 10_000;
const CLOSE_GRACE_MS = 5_000;

/** The pool's options from the plugin's: separate connect / headers / body timeouts. */
export function buildPoolOptions(options: UpstreamClientOptions): Pool.Options {
  const connections = options.connections ?? DEFAULT_UPSTREAM_CONNECTIONS;
  if (!Number.isInteger(connections) || connections < 1) {
    throw new Error(`Upstream connections must be a positive integer, got ${connections}.`);
  }
  return {
    connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connectTimeout: options.connectTimeoutMs ?? Math.min(options.timeoutMs, CONNECT_TIMEOUT_CAP_MS),
    headersTimeout: options.headersTimeoutMs ?? options.timeoutMs,
    bodyTimeout: options.bodyTimeoutMs ?? options.timeoutMs,
  };
}

interface DeferredPool {
  readonly dispatcher: Dispatcher;
  readonly loaded: () => Pool | undefined;
  /** The pool, if any call created it (waits for one being created). */
  readonly settle: () => Promise<Pool | undefined>;
}

/** A dispatcher whose `request()` creates the pool on its first use; one pool however many calls race. */
function createDeferredPool(origin: string, poolOptions: Pool.Options): DeferredPool {
  let pool: Pool | undefined;
  let loading: Promise<Pool> | undefined;
  const load = () => {
    loading ??= import('undici').then(({ Pool: UndiciPool }) => {
      pool = new UndiciPool(origin, poolOptions);
      return pool;
    });
    return loading;
  };
  const request = async (requestOptions: Dispatcher.RequestOptions) =>
    (pool ?? (await load())).request(requestOptions);
  return {
    // Only the promise form of request() is offered: the one thing the runtime's calls use. Any
    // other Dispatcher method is absent, so a new use fails loudly instead of bypassing the pool.
    dispatcher: { request } as unknown as Dispatcher,
    loaded: () => pool,
    settle: async () => (loading === undefined ? undefined : await loading.catch(() => undefined)),
  };
}

const upstreamClient: FastifyPluginAsync<UpstreamClientOptions> = async (app, options) => {
  const origin = new URL(options.baseUrl).origin;
  const deferred = createDeferredPool(origin, buildPoolOptions(options));
  app.decorate('upstream', {
    dispatcher: deferred.dispatcher,
    baseUrl: options.baseUrl,
    loadedPool: deferred.loaded,
  });
  app.addHook('onClose', async () => {
    const pool = await deferred.settle();
    if (pool === undefined) return;
    // close() waits for in-flight calls; a platform that never answers must not block shutdown.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS, 'timeout');
    });
    const closed = await Promise.race([pool.close(), grace]);
    clearTimeout(timer);
    if (closed === 'timeout') await pool.destroy();
  });
};

export default fp(upstreamClient, { name: 'upstream-client', fastify: '5.x' });
