/**
 * `Idempotency-Key` on POSTs: the first successful response for a key is stored (per API key, 24 h)
 * and replayed for a retry with the same method, path and body; the same key with a different request
 * is 422.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './api-error.js';
import type { OperationResult } from './operation-context.js';
import type { PlatformState } from './state.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotentRequest {
  readonly apiKeyId: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly now: number;
}

export function replayOrRun(
  state: PlatformState,
  request: IdempotentRequest,
  run: () => OperationResult,
): OperationResult {
  pruneExpired(state, request.now);
  const storeKey = `${request.apiKeyId}\n${request.key}`;
  const fingerprint = fingerprintRequest(request);
  const stored = state.idempotency.get(storeKey);
  if (stored !== undefined) {
    if (stored.fingerprint !== fingerprint) {
      throw new ApiError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different request; use a new key for a new request.',
        { location: 'header', field: 'Idempotency-Key' },
      );
    }
    return {
      status: stored.status,
      body: stored.body,
      headers: { ...stored.headers, 'idempotent-replayed': 'true' },
    };
  }
  // Errors are thrown before this point and never stored: nothing happened, so a retry with the same
  // key after fixing the cause (e.g. publishing the workflow) must be allowed to act.
  const result = run();
  if (result.status < 300) {
    state.idempotency.set(storeKey, {
      fingerprint,
      status: result.status,
      body: structuredClone(result.body),
      headers: { ...result.headers },
      expiresAt: request.now + IDEMPOTENCY_TTL_MS,
    });
  }
  return result;
}

function fingerprintRequest(request: IdempotentRequest): string {
  const canonical = JSON.stringify([request.method, request.path, sortKeys(request.body ?? null)]);
  return createHash('sha256').update(canonical).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => [key, sortKeys(item)]),
  );
}

function pruneExpired(state: PlatformState, now: number): void {
  for (const [key, record] of state.idempotency) {
    if (record.expiresAt <= now) state.idempotency.delete(key);
  }
}
