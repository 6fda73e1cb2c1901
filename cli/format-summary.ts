/**
 * The lines `generate` prints after each API: what was generated, the warnings by
 * code, what happened to the files, and where the time went. Pure, so the wording
 * is tested as data.
 */
import type { Diagnostic } from '../generator/diagnostics/diagnostic.js';
import type { GenerateResult, GenerateStage } from '../generator/generate.js';

export interface SummaryInput {
  readonly specPath: string;
  /** The output folder as the user should read it (relative to cwd). */
  readonly out: string;
  readonly result: GenerateResult;
}

const STAGES: readonly GenerateStage[] = ['load', 'build', 'emit', 'write'];

export function formatSummary({ specPath, out, result }: SummaryInput): string[] {
  const { timings, reuse } = result;
  const time = `time: ${STAGES.map((s) => `${s} ${formatMs(timings[s])}`).join(', ')}; total ${formatMs(timings.total)}`;
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    return [`✗ ${specPath}: ${errors} error(s); nothing written.`, `  ${time}`];
  }
  const plan = result.plan!;
  const tools = result.api?.tools.length ?? 0;
  const written = plan.created.length + plan.changed.length;
  const cache =
    reuse.modules.reused + reuse.operations.reused > 0
      ? ` (cache: ${reuse.operations.reused} of ${reuse.operations.reused + reuse.operations.built} operations, ` +
        `${reuse.modules.reused} of ${reuse.modules.reused + reuse.modules.emitted} modules reused)`
      : '';
  return [
    `✓ ${specPath} -> ${out}: ${tools} tools, ${formatWarnings(result.diagnostics)}`,
    `  files: ${written} written (${plan.created.length} created, ${plan.changed.length} changed), ` +
      `${plan.unchanged.length} unchanged, ${plan.stale.length} removed`,
    `  ${time}${cache}`,
  ];
}

/** `no warnings`, or `3 warnings (MCPGEN_NO_DESCRIPTION 2, MCPGEN_SPEC_INVALID 1)`, most frequent first. */
export function formatWarnings(diagnostics: readonly Diagnostic[]): string {
  const counts = new Map<string, number>();
  for (const d of diagnostics)
    if (d.severity === 'warning') counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return 'no warnings';
  const byCode = [...counts.entries()]
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return `${total} warning${total === 1 ? '' : 's'} (${byCode})`;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
