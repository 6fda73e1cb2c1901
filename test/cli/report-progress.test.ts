import { describe, expect, it } from 'vitest';
import { createProgressReporter, describeProgress } from '../../cli/report-progress.js';
import type { GenerateProgress } from '../../generator/generate.js';

/** Feeds progress events at given clock times; returns what was written. */
function run(isTTY: boolean, events: readonly [number, GenerateProgress][]): string[] {
  const written: string[] = [];
  let clock = 0;
  const reporter = createProgressReporter('specs/x', { isTTY, write: (t) => written.push(t) }, () => clock);
  for (const [time, progress] of events) {
    clock = time;
    reporter.update(progress);
  }
  reporter.finish();
  return written;
}

describe('describeProgress', () => {
  it.each<[GenerateProgress, string]>([
    [{ stage: 'load' }, 'specs/x: load'],
    [{ stage: 'build', done: 3, total: 10 }, 'specs/x: build 3/10 operations'],
    [{ stage: 'emit', done: 7, total: 9 }, 'specs/x: emit 7/9 tools'],
    [{ stage: 'write' }, 'specs/x: write'],
  ])('%j -> %s', (progress, want) => {
    expect(describeProgress('specs/x', progress)).toBe(want);
  });
});

describe('createProgressReporter', () => {
  it('on a terminal: one line redrawn in place, at most every 50 ms within a stage, cleared at the end', () => {
    const written = run(true, [
      [0, { stage: 'load' }],
      [10, { stage: 'build', done: 1, total: 3 }],
      [20, { stage: 'build', done: 2, total: 3 }],
      [70, { stage: 'build', done: 3, total: 3 }],
    ]);
    expect(written).toEqual([
      '\r\u001b[2Kspecs/x: load',
      '\r\u001b[2Kspecs/x: build 1/3 operations',
      '\r\u001b[2Kspecs/x: build 3/3 operations',
      '\r\u001b[2K',
    ]);
  });

  it('in a log (not a terminal): nothing for a fast run', () => {
    expect(
      run(false, [
        [0, { stage: 'load' }],
        [300, { stage: 'emit', done: 1, total: 1 }],
        [400, { stage: 'write' }],
      ]),
    ).toEqual([]);
  });

  it('in a log: a plain line at most every 2 s of a long run, no control characters', () => {
    expect(
      run(false, [
        [0, { stage: 'load' }],
        [2100, { stage: 'build', done: 10, total: 99 }],
        [2200, { stage: 'build', done: 20, total: 99 }],
        [4200, { stage: 'emit', done: 5, total: 90 }],
      ]),
    ).toEqual(['specs/x: build 10/99 operations\n', 'specs/x: emit 5/90 tools\n']);
  });
});
