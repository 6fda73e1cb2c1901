/**
 * `/healthz`: the process is alive. `/readyz`: it should receive traffic: only after every
 * plugin loaded and until shutdown starts, so a load balancer drains it before connections close.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface Readiness {
  readonly ready: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness;
  }
}

const STORE_PING_TIMEOUT_MS = 2_000;

const health: FastifyPluginAsync = async (app) => {
  const readiness = { ready: false };
  app.decorate('readiness', readiness as Readiness);
  app.addHook('onReady', async () => {
    readiness.ready = true;
  });
  app.addHook('preClose', async () => {
    readiness.ready = false;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    if (!readiness.ready) return reply.code(503).send({ status: 'not_ready' });
    // Without its store the server cannot claim keys or audit writes: take it out of rotation.
    if (app.hasDecorator('store')) {
      try {
        await withTimeout(app.store.ping(), STORE_PING_TIMEOUT_MS);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: the store does not answer');
        return reply.code(503).send({ status: 'store_unavailable' });
      }
    }
    return { status: 'ready' };
  });
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export default fp(health, { name: 'health', fastify: '5.x' });
