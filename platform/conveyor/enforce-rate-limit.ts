/**
 * Fixed-window request limit per API key, so clients (and the MCP runtime) can be tested against
 * 429 + Retry-After. Counted lazily: no timers.
 */
import { ApiError } from './api-error.js';
import type { PlatformState } from './state.js';

export interface RateLimitOptions {
  readonly max: number;
  readonly windowMs: number;
}

export function enforceRateLimit(
  state: PlatformState,
  apiKeyId: string,
  now: number,
  options: RateLimitOptions,
): void {
  const current = state.rateWindows.get(apiKeyId);
  const window =
    current === undefined || now - current.windowStart >= options.windowMs
      ? { windowStart: now, count: 0 }
      : current;
  window.count += 1;
  state.rateWindows.set(apiKeyId, window);
  if (window.count <= options.max) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((window.windowStart + options.windowMs - now) / 1000));
  throw new ApiError(
    429,
    'rate_limited',
    `Rate limit of ${options.max} requests per ${options.windowMs / 1000} s exceeded; retry after ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );
}
