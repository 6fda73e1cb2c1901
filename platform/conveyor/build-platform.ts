/**
 * The Conveyor reference platform: a Fastify app serving specs/conveyor/openapi.yaml under its server
 * path (`/v1`) from in-memory state. Never listens; main.ts does, tests use `app.inject()`.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ApiError, createErrorBody } from './api-error.js';
import { breakContract, type ContractBreak } from './break-contract.js';
import type { RateLimitOptions } from './enforce-rate-limit.js';
import { loadOpenApi } from './load-openapi.js';
import { registerOperations } from './register-operations.js';
import { accountHandlers } from './routes-account.js';
import { adminHandlers } from './routes-admin.js';
import { blockHandlers } from './routes-blocks.js';
import { connectionHandlers } from './routes-connections.js';
import { executionHandlers } from './routes-executions.js';
import { scheduleHandlers } from './routes-schedules.js';
import { searchHandlers } from './routes-search.js';
import { workflowHandlers } from './routes-workflows.js';
import { seedDemoData } from './seed.js';
import type { PlatformState } from './state.js';
import { createPlatformState } from './state.js';

export {
  DEMO_ADMIN_API_KEY,
  DEMO_API_KEY,
  DEMO_IDS,
  DEMO_OTHER_TENANT_API_KEY,
  DEMO_READ_ONLY_API_KEY,
} from './seed.js';

export const DEFAULT_TICK_MS = 500;
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, windowMs: 60_000 };

export interface BuildPlatformOptions {
  /** Milliseconds per execution step (queue wait, each block); default 500. Tests use ~20. */
  readonly tickMs?: number;
  /** `demo` (default) loads the demo data; `none` starts empty; a function seeds its own. */
  readonly seed?: 'demo' | 'none' | ((state: PlatformState, now: number) => void);
  readonly logger?: boolean;
  /** Time source in epoch ms; a test clock makes execution progress deterministic. */
  readonly clock?: () => number;
  /**
   * Waits this long (no CPU) before answering each API request, standing in for the database and
   * network time of a real platform; for benchmarks. Default 0.
   */
  readonly latencyMs?: number;
  /** Requests per API key per window; default 600 per minute. */
  readonly rateLimit?: Partial<RateLimitOptions>;
  /** Tests only: break the OpenAPI contract in one realistic way (break-contract.ts). */
  readonly breakContract?: ContractBreak;
}

const platformStates = new WeakMap<FastifyInstance, PlatformState>();

/** The state behind an app built by buildPlatform, for tests and demos that need to look inside. */
export function getPlatformState(app: FastifyInstance): PlatformState {
  const state = platformStates.get(app);
  if (state === undefined) throw new Error('This Fastify instance was not built by buildPlatform()');
  return state;
}

export async function buildPlatform(options: BuildPlatformOptions = {}): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const state = createPlatformState(options.tickMs ?? DEFAULT_TICK_MS);
  const seed = options.seed ?? 'demo';
  if (seed === 'demo') seedDemoData(state, clock());
  else if (typeof seed === 'function') seed(state, clock());

  const model = await loadOpenApi();
  const app: FastifyInstance = Fastify({ logger: options.logger ?? false });
  platformStates.set(app, state);

  // Clients often send `Content-Type: application/json` with an empty body on bodiless POSTs.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(
        new ApiError(400, 'invalid_request', 'The request body is not valid JSON.', { location: 'body' }),
        undefined,
      );
    }
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply
        .code(error.status)
        .headers(error.headers)
        .send(createErrorBody(error.code, error.message, error.details));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
      return reply.code(status).send(createErrorBody(code, error.message));
    }
    request.log.error(error);
    return reply
      .code(500)
      .send(createErrorBody('internal_error', 'Internal error; the request was not completed.'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        createErrorBody(
          'not_found',
          `No operation matches ${request.method} ${request.url.split('?')[0]}; see specs/conveyor/openapi.yaml.`,
        ),
      ),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Counted before anything can refuse or replay a request: what reached the platform at all.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/')) return;
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    state.requestCounts.set(route, (state.requestCounts.get(route) ?? 0) + 1);
  });
  // Not part of the API: lets tests in other processes see how often a write reached the platform.
  app.get('/_platform/request-counts', async () => Object.fromEntries([...state.requestCounts].sort()));

  const latencyMs = options.latencyMs ?? 0;
  if (latencyMs > 0) {
    app.addHook('onRequest', async (request) => {
      if (request.url !== '/healthz') await new Promise((resolve) => setTimeout(resolve, latencyMs));
    });
  }

  if (options.breakContract !== undefined) breakContract(app, options.breakContract, model.basePath);
  registerOperations(app, {
    model,
    state,
    clock,
    rateLimit: { ...DEFAULT_RATE_LIMIT, ...options.rateLimit },
    handlers: {
      ...accountHandlers,
      ...workflowHandlers,
      ...blockHandlers,
      ...executionHandlers,
      ...scheduleHandlers,
      ...connectionHandlers,
      ...searchHandlers,
      ...adminHandlers,
    },
  });
  await app.ready();
  return app;
}
