/**
 * One Fastify route per operation in the spec. Each request runs the same pipeline: authenticate ->
 * rate limit -> scope check -> workspace membership -> validate against the spec -> idempotency ->
 * handler. Startup fails when a spec operation has no handler or a handler has no operation.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { authenticate, authorizeScopes, authorizeWorkspace } from './authorize-request.js';
import { createAjv } from './create-ajv.js';
import type { RateLimitOptions } from './enforce-rate-limit.js';
import { enforceRateLimit } from './enforce-rate-limit.js';
import type { OpenApiModel } from './load-openapi.js';
import type { OperationContext, OperationHandlers, OperationResult } from './operation-context.js';
import { replayOrRun } from './replay-idempotent.js';
import type { PlatformState } from './state.js';
import type { RequestValidator } from './validate-request.js';
import { compileRequestValidator } from './validate-request.js';

export interface RegisterOperationsOptions {
  readonly model: OpenApiModel;
  readonly handlers: OperationHandlers;
  readonly state: PlatformState;
  readonly clock: () => number;
  readonly rateLimit: RateLimitOptions;
}

/** Compiling ~30 operations costs more than building an app, so compile once per spec model. */
const validatorCache = new WeakMap<OpenApiModel, Map<string, RequestValidator>>();

function getRequestValidators(model: OpenApiModel): Map<string, RequestValidator> {
  let validators = validatorCache.get(model);
  if (validators === undefined) {
    const ajv = createAjv({ useDefaults: true });
    validators = new Map(
      model.operations.map((operation) => [operation.operationId, compileRequestValidator(ajv, operation)]),
    );
    validatorCache.set(model, validators);
  }
  return validators;
}

export function registerOperations(app: FastifyInstance, options: RegisterOperationsOptions): void {
  const { model, handlers, state, clock, rateLimit } = options;
  assertHandlersMatchSpec(model, handlers);
  const validators = getRequestValidators(model);
  for (const operation of model.operations) {
    const handler = handlers[operation.operationId];
    const validate = validators.get(operation.operationId);
    if (handler === undefined || validate === undefined) continue;
    const takesIdempotencyKey = operation.parameters.some(
      (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
    );
    app.route({
      method: operation.method.toUpperCase() as HTTPMethods,
      url: `${model.basePath}${operation.path.replace(/\{([^}]+)\}/g, ':$1')}`,
      handler: async (request, reply) => {
        const now = clock();
        const headers = request.headers as Record<string, unknown>;
        const principal = authenticate(state, headers);
        enforceRateLimit(state, principal.apiKey.id, now, rateLimit);
        authorizeScopes(principal, operation);
        const params = request.params as Record<string, unknown>;
        // Membership before validation: a non-member learns nothing, not even that their body was wrong.
        if (typeof params['workspaceId'] === 'string') {
          authorizeWorkspace(state, principal, operation, params['workspaceId']);
        }
        const validated = validate({
          params,
          query: request.query as Record<string, unknown>,
          headers,
          body: request.body,
        });
        const context: OperationContext = {
          state,
          principal,
          params: validated.params,
          query: validated.query,
          body: validated.body,
          now,
          basePath: model.basePath,
        };
        const idempotencyKey = validated.headers['idempotency-key'];
        const result: OperationResult =
          takesIdempotencyKey && typeof idempotencyKey === 'string'
            ? replayOrRun(
                state,
                {
                  apiKeyId: principal.apiKey.id,
                  key: idempotencyKey,
                  method: operation.method,
                  path: request.url.split('?')[0] ?? '',
                  body: validated.body,
                  now,
                },
                () => handler(context),
              )
            : handler(context);
        reply.code(result.status);
        if (result.headers !== undefined) reply.headers(result.headers);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      },
    });
  }
}

function assertHandlersMatchSpec(model: OpenApiModel, handlers: OperationHandlers): void {
  const specIds = new Set(model.operations.map((operation) => operation.operationId));
  const missing = [...specIds].filter((id) => handlers[id] === undefined);
  const extra = Object.keys(handlers).filter((id) => !specIds.has(id));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `Conveyor handlers do not match the OpenAPI document: missing [${missing.join(', ')}], ` +
        `not in the spec [${extra.join(', ')}]`,
    );
  }
}
