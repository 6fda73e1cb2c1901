import { describe, expect, it } from 'vitest';
import { formatMs, formatSummary, formatWarnings } from '../../cli/format-summary.js';
import type { Diagnostic } from '../../generator/diagnostics/diagnostic.js';
import type { GenerateResult } from '../../generator/generate.js';

const at = { file: 'openapi.yaml', pointer: '', line: 1, column: 1 };
const warning = (code: string): Diagnostic =>
  ({ code, severity: 'warning', message: 'm', fix: 'f', source: at }) as Diagnostic;
const error = (code: string): Diagnostic =>
  ({ code, severity: 'error', message: 'm', fix: 'f', source: at }) as Diagnostic;
const timings = { load: 120.4, build: 80, emit: 1500, write: 20, total: 1720.4 };

describe('formatWarnings', () => {
  it.each<[string, Diagnostic[], string]>([
    // given diagnostics, want the warnings part of the summary
    ['none', [], 'no warnings'],
    ['errors are not warnings', [error('MCPGEN_PARSE_ERROR')], 'no warnings'],
    ['one', [warning('MCPGEN_SPEC_INVALID')], '1 warning (MCPGEN_SPEC_INVALID 1)'],
    [
      'by code, most frequent first, then by name',
      [
        warning('MCPGEN_SPEC_INVALID'),
        warning('MCPGEN_NO_DESCRIPTION'),
        warning('MCPGEN_NO_DESCRIPTION'),
        warning('MCPGEN_DUPLICATE_KEY'),
      ],
      '4 warnings (MCPGEN_NO_DESCRIPTION 2, MCPGEN_DUPLICATE_KEY 1, MCPGEN_SPEC_INVALID 1)',
    ],
  ])('%s', (_name, diagnostics, want) => {
    expect(formatWarnings(diagnostics)).toBe(want);
  });
});

describe('formatMs', () => {
  it.each([
    [0.4, '0 ms'],
    [999.6, '1000 ms'],
    [12_345, '12.3 s'],
  ])('%s -> %s', (ms, want) => {
    expect(formatMs(ms)).toBe(want);
  });
});

describe('formatSummary', () => {
  it('given a successful run, want tools, warnings by code, files and time per stage', () => {
    const result = {
      ok: true,
      diagnostics: [warning('MCPGEN_NO_DESCRIPTION')],
      api: { tools: [{}, {}, {}] },
      plan: { created: ['a.ts'], changed: ['b.ts', 'c.ts'], unchanged: ['d.ts'], stale: ['e.ts'] },
      timings,
      reuse: { operations: { reused: 2, built: 1 }, modules: { reused: 1, emitted: 2 } },
    } as unknown as GenerateResult;
    expect(formatSummary({ specPath: 'specs/x', out: 'generated/x', result })).toEqual([
      '✓ specs/x -> generated/x: 3 tools, 1 warning (MCPGEN_NO_DESCRIPTION 1)',
      '  files: 3 written (1 created, 2 changed), 1 unchanged, 1 removed',
      '  time: load 120 ms, build 80 ms, emit 1500 ms, write 20 ms; total 1720 ms ' +
        '(cache: 2 of 3 operations, 1 of 3 modules reused)',
    ]);
  });

  it('given a run without cache hits, want no cache note', () => {
    const result = {
      ok: true,
      diagnostics: [],
      api: { tools: [] },
      plan: { created: [], changed: [], unchanged: [], stale: [] },
      timings,
      reuse: { operations: { reused: 0, built: 0 }, modules: { reused: 0, emitted: 0 } },
    } as unknown as GenerateResult;
    expect(formatSummary({ specPath: 's', out: 'o', result })[2]).not.toContain('cache');
  });

  it('given a failed run, want the error count and that nothing was written', () => {
    const result = {
      ok: false,
      diagnostics: [
        error('MCPGEN_PARSE_ERROR'),
        warning('MCPGEN_SPEC_INVALID'),
        error('MCPGEN_REF_NOT_FOUND'),
      ],
      timings,
      reuse: { operations: { reused: 0, built: 0 }, modules: { reused: 0, emitted: 0 } },
    } as unknown as GenerateResult;
    expect(formatSummary({ specPath: 'specs/x', out: '', result })[0]).toBe(
      '✗ specs/x: 2 error(s); nothing written.',
    );
  });
});
