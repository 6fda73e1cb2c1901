/**
 * Errors the platform answers with, always as the spec's envelope `{error: {code, message, details?}}`.
 * Handlers throw ApiError; the route wrapper turns it into a response.
 */

export interface ErrorDetails {
  readonly location?: 'path' | 'query' | 'header' | 'body';
  readonly field?: string;
  readonly issues?: readonly {
    readonly location: string;
    readonly field: string;
    readonly message: string;
  }[];
  readonly [key: string]: unknown;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: ErrorDetails };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: ErrorDetails,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export function createErrorBody(code: string, message: string, details?: ErrorDetails): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function throwNotFound(kind: string, id: string): never {
  throw new ApiError(404, 'not_found', `${kind} '${id}' does not exist.`, { resource: kind, id });
}

export function throwConflict(code: string, message: string, details?: ErrorDetails): never {
  throw new ApiError(409, code, message, details);
}

export function throwUnprocessable(code: string, message: string, details?: ErrorDetails): never {
  throw new ApiError(422, code, message, details);
}
