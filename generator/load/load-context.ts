/** What every load stage shares: the source map and a strict-aware way to report diagnostics. */
import { DIAGNOSTIC_CATALOG } from '../diagnostics/codes.js';
import type { DiagnosticInput, DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { SourceMap } from './source-map.js';

export interface LoadContext {
  readonly sourceMap: SourceMap;
  readonly strict: boolean;
  readonly allowExternalRefs: boolean;
  /** Absolute base for display paths. */
  readonly cwd: string;
  readonly maxBytes: number;
  report(input: DiagnosticInput): void;
}

export function createLoadContext(
  sink: DiagnosticSink,
  options: {
    readonly sourceMap: SourceMap;
    readonly strict: boolean;
    readonly allowExternalRefs: boolean;
    readonly cwd: string;
    readonly maxBytes: number;
  },
): LoadContext {
  return {
    ...options,
    report(input) {
      // `strict` on loadSpec must escalate even when the caller's sink was made lenient.
      const entry = DIAGNOSTIC_CATALOG[input.code];
      const escalate = options.strict && 'strictError' in entry && entry.strictError && !input.severity;
      sink.report(escalate ? { ...input, severity: 'error' } : input);
    },
  };
}
