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
  app.get('/readyz', async (_request, reply) => {
    if (!readiness.ready) return reply.code(503).send({ status: 'not_ready' });
    return { status: 'ready' };
  });
};

export default fp(health, { name: 'health', fastify: '5.x' });
