/**
 * Diagnostics are data: every stage reports into a sink and keeps going, so a
 * user sees all problems of a run at once, each with where it is and how to fix it.
 */
import { type CatalogEntry, DIAGNOSTIC_CATALOG, type DiagnosticCode } from './codes.js';

/** Where something came from: a file position plus the JSON pointer of the node in the document. */
export interface SourceRef {
  /** Path relative to the working directory (never absolute in generated output). */
  readonly file: string;
  /** RFC 6901 pointer into the document the node lives in ('' for the root). */
  readonly pointer: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Overlay actions that touched this node, as `file#/actions/N`. */
  readonly overlayActions?: readonly string[];
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** One actionable sentence: what to change, and where. */
  readonly fix: string;
  readonly source: SourceRef;
}

export interface DiagnosticInput {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly fix?: string;
  readonly source: SourceRef;
  /** Overrides the catalog severity (e.g. lenient mode downgrading to a warning). */
  readonly severity?: Severity;
}

export interface DiagnosticSink {
  report(input: DiagnosticInput): void;
  readonly diagnostics: readonly Diagnostic[];
  hasErrors(): boolean;
}

export function createDiagnosticSink(options: { strict?: boolean } = {}): DiagnosticSink {
  const diagnostics: Diagnostic[] = [];
  return {
    report(input) {
      const entry: CatalogEntry = DIAGNOSTIC_CATALOG[input.code];
      let severity = input.severity ?? entry.severity;
      if (options.strict && severity === 'warning' && entry.strictError) severity = 'error';
      diagnostics.push({
        code: input.code,
        severity,
        message: input.message,
        fix: input.fix ?? entry.fix,
        source: input.source,
      });
    },
    get diagnostics() {
      return diagnostics;
    },
    hasErrors() {
      return diagnostics.some((d) => d.severity === 'error');
    },
  };
}

/** Sorted by file, line, column, code: the order a reader scans a file in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.source.file.localeCompare(b.source.file) ||
      a.source.line - b.source.line ||
      a.source.column - b.source.column ||
      a.code.localeCompare(b.code),
  );
}

/** `file:line:col  CODE  message` then an indented fix line, the format editors and CI annotate. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.source.file}:${d.source.line}:${d.source.column}`;
  const pointer = d.source.pointer ? ` (at ${d.source.pointer})` : '';
  return `${where}  ${d.severity === 'error' ? d.code : `${d.code} (warning)`}  ${d.message}${pointer}\n    fix: ${d.fix}`;
}

/** Thrown only at the process boundary (CLI) when a run produced errors; stages never throw it. */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(sortDiagnostics(diagnostics).map(formatDiagnostic).join('\n'));
    this.name = 'DiagnosticsError';
  }
}
