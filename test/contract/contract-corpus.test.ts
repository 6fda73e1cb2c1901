/**
 * `contract` against the mock upstream over the whole real-world corpus (../shared/corpus/openapi,
 * 25 documents, 3 to 1,049 operations). Given each document with no overlay, want every tool to pass
 * or to carry a warning that says what could not be checked and why (a document that contradicts
 * itself is a document warning, not a failure). The report per document (tools, outcomes, calls,
 * time, the warnings by kind) is printed at the end.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../contract/format-report.js';
import { type ContractReport, runContract } from '../../contract/run-contract.js';
import { requireCorpus } from '../load/helpers.js';

const corpusDir = requireCorpus('openapi');
const documents = readdirSync(corpusDir)
  .filter((file) => /\.(json|ya?ml)$/.test(file))
  .sort();
const reports = new Map<string, ContractReport>();

afterAll(() => {
  const rows = documents.map((file) => {
    const report = reports.get(file);
    if (report === undefined) return `  ${file.padEnd(34)} not run`;
    const count = (outcome: string) => report.tools.filter((t) => t.outcome === outcome).length;
    const calls = report.tools.reduce((sum, t) => sum + t.cases.length, 0);
    return `  ${file.padEnd(34)} tools ${String(report.tools.length).padStart(5)}  passed ${String(count('passed')).padStart(5)}  warnings ${String(count('warning')).padStart(4)}  failed ${String(count('failed')).padStart(3)}  calls ${String(calls).padStart(5)}  ${(report.ms / 1000).toFixed(1).padStart(6)} s`;
  });
  console.log(`contract over the corpus (mock upstream):\n${rows.join('\n')}`);
});

/** The kinds of warnings a report carries, with a count and one example each. */
function summarizeWarnings(report: ContractReport): string[] {
  const kinds = new Map<string, { count: number; example: string }>();
  for (const tool of report.tools) {
    const warnings = [...tool.warnings, ...tool.cases.flatMap((c) => c.warnings)];
    for (const warning of warnings) {
      const kind = warning.replace(/[:(].*$/s, '').trim();
      const entry = kinds.get(kind) ?? { count: 0, example: `${tool.tool}: ${warning.slice(0, 200)}` };
      entry.count++;
      kinds.set(kind, entry);
    }
  }
  return [...kinds].map(([kind, { count, example }]) => `${count} x ${kind} (e.g. ${example})`);
}

describe('contract against the mock upstream, over the corpus', () => {
  it.each(documents)('%s', { timeout: 240_000 }, async (file) => {
    const report = await runContract({
      specPath: path.join(corpusDir, file),
      // The corpus folder: diagnostics name the document plainly, and no generation cache is kept.
      cwd: corpusDir,
      concurrency: 4,
    });
    reports.set(file, report);
    const warnings = summarizeWarnings(report);
    if (warnings.length > 0) console.log(`${file}: warnings\n  ${warnings.join('\n  ')}`);
    const failed = report.tools.filter((t) => t.outcome === 'failed');
    expect(
      failed.map((t) => t.tool),
      formatReport({ ...report, tools: failed }).slice(0, 4000),
    ).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    // Every tool that is not skipped was called at least once, or says why not.
    for (const tool of report.tools) {
      expect(tool.cases.length > 0 || tool.warnings.length > 0, tool.tool).toBe(true);
    }
  });
});
