/**
 * Fixed-window rate limits on rate-limiter-flexible: one limiter per (limit, window) rule, created on
 * first use and kept, all writing into the backend's `rate_limit_counters` table (or memory).
 */
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimitRule } from './store-types.js';

export interface FixedWindowLimiterSpec {
  readonly limit: number;
  readonly windowMs: number;
  /** Namespaces the rule's counters; the library stores `${keyPrefix}:${key}`. */
  readonly keyPrefix: string;
}

export type CreateFixedWindowLimiter = (spec: FixedWindowLimiterSpec) => RateLimiterAbstract;

export interface FixedWindowLimiters {
  consume(key: string, points: number, rule: RateLimitRule): Promise<RateLimitDecision>;
}

export function createFixedWindowLimiters(createLimiter: CreateFixedWindowLimiter): FixedWindowLimiters {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterFor = (rule: RateLimitRule): RateLimiterAbstract => {
    const keyPrefix = `fixed:${rule.limit}:${rule.windowMs}`;
    let limiter = limiters.get(keyPrefix);
    if (limiter === undefined) {
      limiter = createLimiter({ limit: rule.limit, windowMs: rule.windowMs, keyPrefix });
      limiters.set(keyPrefix, limiter);
    }
    return limiter;
  };
  return {
    async consume(key, points, rule) {
      try {
        const res = await limiterFor(rule).consume(key, points);
        return { allowed: true, remaining: res.remainingPoints, retryAfterMs: 0 };
      } catch (rejection) {
        // The library rejects with a RateLimiterRes when over the limit and with an Error on a store fault.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, rejection.msBeforeNext) };
      }
    },
  };
}

/** The library counts in seconds; fractions are allowed and it multiplies back to ms. */
export function toLibraryDuration(windowMs: number): number {
  return windowMs / 1000;
}
