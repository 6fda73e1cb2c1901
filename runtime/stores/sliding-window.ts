/**
 * Sliding-window counter (the two-bucket approximation): the previous window's count, weighted by
 * how much of it still overlaps the sliding window, plus the current window's count. Pure; each
 * backend stores the two buckets and applies `decideSlidingWindow` atomically.
 */
import type { RateLimitDecision } from './store-types.js';

export interface SlidingWindowPosition {
  /** Index of the current bucket: floor(now / windowMs). */
  readonly bucket: number;
  /** Weight of the previous bucket: the fraction of the window still ahead in the current bucket. */
  readonly previousWeight: number;
  /** Epoch ms at which the current bucket ends. */
  readonly bucketEnd: number;
}

export function locateSlidingWindow(now: number, windowMs: number): SlidingWindowPosition {
  const bucket = Math.floor(now / windowMs);
  const bucketEnd = (bucket + 1) * windowMs;
  return { bucket, previousWeight: (bucketEnd - now) / windowMs, bucketEnd };
}

export interface SlidingWindowInput {
  readonly now: number;
  readonly windowMs: number;
  readonly limit: number;
  readonly points: number;
  /** Points counted in the previous bucket. */
  readonly previous: number;
  /** Points counted in the current bucket before this call. */
  readonly current: number;
}

/** Whether `points` fit, and if not, when they would (assuming no other calls meanwhile). */
export function decideSlidingWindow(input: SlidingWindowInput): RateLimitDecision {
  const { now, windowMs, limit, points, previous, current } = input;
  const { previousWeight, bucketEnd } = locateSlidingWindow(now, windowMs);
  const estimate = previous * previousWeight + current;
  if (estimate + points <= limit) {
    return { allowed: true, remaining: Math.max(0, Math.floor(limit - estimate - points)), retryAfterMs: 0 };
  }
  return { allowed: false, remaining: 0, retryAfterMs: computeSlidingRetry(input, bucketEnd) };
}

function computeSlidingRetry(input: SlidingWindowInput, bucketEnd: number): number {
  const { now, windowMs, limit, points, previous, current } = input;
  const room = limit - current - points;
  if (room >= 0 && previous > 0) {
    // Still in this bucket: wait until the previous bucket's weight has decayed enough.
    const weightNeeded = room / previous;
    const fitsAt = bucketEnd - weightNeeded * windowMs;
    return Math.max(1, Math.ceil(fitsAt - now));
  }
  // The current bucket alone is too full: in the next one it becomes the weighted previous bucket.
  const weightNeeded = current > 0 ? (limit - points) / current : 1;
  const fitsAt = bucketEnd + (1 - Math.min(1, weightNeeded)) * windowMs;
  return Math.max(1, Math.ceil(fitsAt - now));
}
