/**
 * Opaque cursor pagination. A cursor encodes the offset and the listing it belongs to, so a cursor
 * reused with other filters is rejected instead of silently skipping items.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './api-error.js';

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface PageRequest {
  readonly cursor: string | undefined;
  readonly limit: number;
  /** Identifies the listing: operation plus every filter value. */
  readonly scope: readonly unknown[];
}

export function paginate<T>(items: readonly T[], request: PageRequest): Page<T> {
  const scope = hashScope(request.scope);
  const offset = request.cursor === undefined ? 0 : decodeCursor(request.cursor, scope);
  const end = offset + request.limit;
  return {
    items: items.slice(offset, end),
    nextCursor: end < items.length ? encodeCursor(end, scope) : null,
  };
}

function encodeCursor(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

function decodeCursor(cursor: string, scope: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const value = decoded as { o?: unknown; s?: unknown } | undefined;
  if (
    typeof value?.o !== 'number' ||
    !Number.isInteger(value.o) ||
    value.o < 0 ||
    typeof value.s !== 'string'
  ) {
    throw invalidCursor('is not a cursor returned by this API; pass nextCursor unchanged');
  }
  if (value.s !== scope)
    throw invalidCursor('belongs to a listing with other filters; start again without cursor');
  return value.o;
}

function invalidCursor(reason: string): ApiError {
  return new ApiError(400, 'invalid_request', `Invalid query parameter 'cursor': ${reason}.`, {
    location: 'query',
    field: 'cursor',
  });
}

function hashScope(scope: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(scope)).digest('base64url').slice(0, 12);
}
