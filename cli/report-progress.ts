/**
 * Progress of a generation. On a terminal: one line, redrawn in place (at most
 * every 50 ms), cleared when the run ends. Elsewhere (CI logs): a plain line only
 * when a run has gone on for a while, at most one every 2 s, so fast runs print nothing.
 */
import type { GenerateProgress } from '../generator/generate.js';

export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressReporter {
  update(progress: GenerateProgress): void;
  /** Clears the live line, before anything else is printed. */
  finish(): void;
}

const REDRAW_MS = 50;
const PLAIN_EVERY_MS = 2000;

export function createProgressReporter(
  label: string,
  output: ProgressOutput,
  now: () => number = () => performance.now(),
): ProgressReporter {
  const interactive = output.isTTY === true;
  let last = now();
  let lastStage: string | undefined;
  let drawn = false;
  return {
    update(progress) {
      const at = now();
      const stageChanged = progress.stage !== lastStage;
      lastStage = progress.stage;
      if (interactive) {
        if (!stageChanged && at - last < REDRAW_MS) return;
        output.write(`\r\u001b[2K${describeProgress(label, progress)}`);
        drawn = true;
      } else {
        if (at - last < PLAIN_EVERY_MS) return;
        output.write(`${describeProgress(label, progress)}\n`);
      }
      last = at;
    },
    finish() {
      if (drawn) output.write('\r\u001b[2K');
      drawn = false;
    },
  };
}

export function describeProgress(label: string, progress: GenerateProgress): string {
  const count =
    progress.done !== undefined && progress.total !== undefined ? ` ${progress.done}/${progress.total}` : '';
  const noun =
    progress.stage === 'build' && count ? ' operations' : progress.stage === 'emit' && count ? ' tools' : '';
  return `${label}: ${progress.stage}${count}${noun}`;
}
