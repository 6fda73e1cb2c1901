/**
 * One keep-alive undici pool to the platform's origin, shared by every tool call and closed with
 * the server, so calls reuse connections instead of paying a TCP/TLS handshake each.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { type Dispatcher, Pool } from 'undici';

export interface UpstreamClient {
  readonly dispatcher: Dispatcher;
  /** Base URL tool paths are joined to, base path included (`https://api.example.com/v1`). */
  readonly baseUrl: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    upstream: UpstreamClient;
  }
}

export interface UpstreamClientOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Maximum concurrent connections to the platform. */
  readonly connections?: number;
}

const CONNECT_TIMEOUT_CAP_MS = 10_000;
const CLOSE_GRACE_MS = 5_000;

const upstreamClient: FastifyPluginAsync<UpstreamClientOptions> = async (app, options) => {
  const origin = new URL(options.baseUrl).origin;
  const pool = new Pool(origin, {
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connectTimeout: Math.min(options.timeoutMs, CONNECT_TIMEOUT_CAP_MS),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  app.decorate('upstream', { dispatcher: pool, baseUrl: options.baseUrl });
  app.addHook('onClose', async () => {
    // close() waits for in-flight calls; a platform that never answers must not block shutdown.
    const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS, 'timeout').unref());
    if ((await Promise.race([pool.close(), grace])) === 'timeout') await pool.destroy();
  });
};

export default fp(upstreamClient, { name: 'upstream-client', fastify: '5.x' });
