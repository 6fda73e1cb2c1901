import { describe, expect, it } from 'vitest';
import { decideSlidingWindow, locateSlidingWindow } from '../../runtime/stores/sliding-window.js';

describe('locateSlidingWindow', () => {
  const cases = [
    { now: 10_000, windowMs: 1000, want: { bucket: 10, previousWeight: 1, bucketEnd: 11_000 } },
    { now: 10_250, windowMs: 1000, want: { bucket: 10, previousWeight: 0.75, bucketEnd: 11_000 } },
    { now: 10_999, windowMs: 1000, want: { bucket: 10, previousWeight: 0.001, bucketEnd: 11_000 } },
    { now: 59_999, windowMs: 60_000, want: { bucket: 0, previousWeight: 1 / 60_000, bucketEnd: 60_000 } },
  ];
  it.each(cases)('at $now with a $windowMs ms window', ({ now, windowMs, want }) => {
    expect(locateSlidingWindow(now, windowMs)).toEqual(want);
  });
});

describe('decideSlidingWindow', () => {
  // Window 1000 ms, limit 10; `now` is the offset into bucket 10 (which starts at 10_000).
  const cases = [
    {
      name: 'empty windows',
      given: { now: 10_000, points: 6, previous: 0, current: 0 },
      want: { allowed: true, remaining: 4, retryAfterMs: 0 },
    },
    {
      name: 'exactly at the limit',
      given: { now: 10_500, points: 4, previous: 0, current: 6 },
      want: { allowed: true, remaining: 0, retryAfterMs: 0 },
    },
    {
      name: 'current window full: wait into the next one until its weight fits',
      // Next bucket: 10 * (1 - x) + 1 <= 10 from x = 0.1, i.e. 11_100, 500 ms after 10_600.
      given: { now: 10_600, points: 1, previous: 0, current: 10 },
      want: { allowed: false, remaining: 0, retryAfterMs: 500 },
    },
    {
      name: 'previous window still weighs 9 of 10',
      given: { now: 10_100, points: 1, previous: 10, current: 0 },
      want: { allowed: true, remaining: 0, retryAfterMs: 0 },
    },
    {
      name: 'previous window decays: wait until it weighs 8',
      given: { now: 10_100, points: 1, previous: 10, current: 1 },
      want: { allowed: false, remaining: 0, retryAfterMs: 100 },
    },
    {
      name: 'fractional estimate rounds remaining down',
      given: { now: 10_500, points: 1, previous: 3, current: 2 },
      want: { allowed: true, remaining: 5, retryAfterMs: 0 },
    },
    {
      name: 'a large call waits for the previous window to fade further',
      // 4 * w + 2 + 7 <= 10 needs w <= 0.25: at 10_750, 250 ms after 10_500.
      given: { now: 10_500, points: 7, previous: 4, current: 2 },
      want: { allowed: false, remaining: 0, retryAfterMs: 250 },
    },
  ];
  it.each(cases)('$name', ({ given, want }) => {
    expect(decideSlidingWindow({ windowMs: 1000, limit: 10, ...given })).toEqual(want);
  });

  it('is allowed at the moment it says to retry', () => {
    for (const given of cases.map((c) => c.given)) {
      const first = decideSlidingWindow({ windowMs: 1000, limit: 10, ...given });
      if (first.allowed) continue;
      const later = given.now + first.retryAfterMs;
      const crossed = Math.floor(later / 1000) !== Math.floor(given.now / 1000);
      const counts = crossed
        ? { previous: given.current, current: 0 }
        : { previous: given.previous, current: given.current };
      expect(
        decideSlidingWindow({ windowMs: 1000, limit: 10, now: later, points: given.points, ...counts })
          .allowed,
      ).toBe(true);
    }
  });
});
