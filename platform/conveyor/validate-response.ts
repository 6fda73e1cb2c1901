/**
 * Checks a response against the spec's response schema for its operation and status. Tests run
 * every response through it, and contract tests of the MCP runtime can reuse it against this platform.
 */
import type { ValidateFunction } from 'ajv';
import { createAjv } from './create-ajv.js';
import type { HttpMethod, OpenApiModel, OperationSpec } from './load-openapi.js';

export interface ResponseToCheck {
  readonly method: string;
  /** Request URL as sent, e.g. `/v1/workspaces/wsp_acme/search?q=x`. */
  readonly url: string;
  readonly statusCode: number;
  /** Raw response body text. */
  readonly body: string;
}

export interface ResponseCheck {
  /** Undefined when the URL matches no operation in the spec. */
  readonly operationId: string | undefined;
  /** Empty when the response conforms. */
  readonly errors: readonly string[];
}

export type ResponseValidator = (response: ResponseToCheck) => ResponseCheck;

const validatorCache = new WeakMap<OpenApiModel, ResponseValidator>();

/** Cached per spec model: tests build many apps from the same document. */
export function createResponseValidator(model: OpenApiModel): ResponseValidator {
  const cached = validatorCache.get(model);
  if (cached !== undefined) return cached;
  const validator = compileResponseValidator(model);
  validatorCache.set(model, validator);
  return validator;
}

function compileResponseValidator(model: OpenApiModel): ResponseValidator {
  const ajv = createAjv({ useDefaults: false });
  const routes = model.operations.map((operation) => ({
    operation,
    pattern: compilePathPattern(model.basePath, operation.path),
    validators: new Map<string, ValidateFunction | undefined>(
      [...operation.responses].map(([status, response]) => [
        status,
        response.schema === undefined ? undefined : ajv.compile(response.schema),
      ]),
    ),
  }));

  return (response) => {
    const path = response.url.split('?')[0] ?? '';
    const method = response.method.toLowerCase() as HttpMethod;
    const route = routes.find(
      (candidate) => candidate.operation.method === method && candidate.pattern.test(path),
    );
    if (route === undefined) return { operationId: undefined, errors: [] };
    const status = String(response.statusCode);
    const key = route.validators.has(status)
      ? status
      : route.validators.has('default')
        ? 'default'
        : undefined;
    const operationId = route.operation.operationId;
    if (key === undefined)
      return { operationId, errors: [`status ${status} is not declared for ${operationId}`] };
    const validate = route.validators.get(key);
    if (validate === undefined) {
      return {
        operationId,
        errors: response.body === '' ? [] : [`status ${status} must have an empty body`],
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return { operationId, errors: [`status ${status} body is not JSON`] };
    }
    if (validate(body)) return { operationId, errors: [] };
    return {
      operationId,
      errors: (validate.errors ?? []).map(
        (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
      ),
    };
  };
}

export function findOperation(model: OpenApiModel, method: string, url: string): OperationSpec | undefined {
  const path = url.split('?')[0] ?? '';
  return model.operations.find(
    (operation) =>
      operation.method === method.toLowerCase() &&
      compilePathPattern(model.basePath, operation.path).test(path),
  );
}

function compilePathPattern(basePath: string, template: string): RegExp {
  const escaped = `${basePath}${template}`
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}
