/**
 * The contract report as JUnit XML, which CI systems show per test: one testsuite per API, one
 * testcase per tool. A failed tool has a <failure> with every reason; a tool that could not be
 * called at all is <skipped> with why; warnings of a tool that passed go to its <system-out>.
 */

import { countOutcomes } from './format-report.js';
import type { ContractReport, ToolContractResult } from './run-contract.js';

export function formatJunit(reports: readonly ContractReport[]): string {
  const totals = reports.reduce(
    (sum, report) => {
      const counts = countOutcomes(report);
      return {
        tests: sum.tests + report.tools.length + (report.failures.length > 0 ? 1 : 0),
        failures: sum.failures + counts.failed + (report.failures.length > 0 ? 1 : 0),
        skipped: sum.skipped + counts.skipped + report.tools.filter(isUnchecked).length,
        ms: sum.ms + report.ms,
      };
    },
    { tests: 0, failures: 0, skipped: 0, ms: 0 },
  );
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="spec2mcp contract" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="${seconds(totals.ms)}">`,
  ];
  for (const report of reports) lines.push(...formatSuite(report));
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** Warnings only and no call made: nothing was checked, which CI should show as skipped. */
function isUnchecked(tool: ToolContractResult): boolean {
  return tool.outcome === 'warning' && tool.cases.length === 0;
}

function formatSuite(report: ContractReport): string[] {
  const counts = countOutcomes(report);
  const documentFailure = report.failures.length > 0;
  const name = `${report.api} against ${report.upstream === 'mock' ? 'mock' : report.upstream}`;
  const lines = [
    `  <testsuite name="${escapeXml(name)}" tests="${report.tools.length + (documentFailure ? 1 : 0)}" failures="${counts.failed + (documentFailure ? 1 : 0)}" errors="0" skipped="${counts.skipped + report.tools.filter(isUnchecked).length}" time="${seconds(report.ms)}">`,
  ];
  if (documentFailure) {
    lines.push(
      `    <testcase classname="${escapeXml(report.api)}" name="(document)" time="0">`,
      `      <failure message="${escapeXml(report.failures[0]!)}">${escapeXml(report.failures.join('\n'))}</failure>`,
      '    </testcase>',
    );
  }
  for (const tool of report.tools) {
    const open = `    <testcase classname="${escapeXml(report.api)}" name="${escapeXml(tool.tool)}" time="${seconds(tool.ms)}">`;
    const failures = [
      ...tool.failures,
      ...tool.cases.flatMap((c) => c.failures.map((f) => `${c.label}: ${f}`)),
    ];
    const warnings = [
      ...tool.warnings,
      ...tool.cases.flatMap((c) => c.warnings.map((w) => `${c.label}: ${w}`)),
    ];
    const body: string[] = [];
    if (tool.outcome === 'failed') {
      body.push(
        `      <failure message="${escapeXml(failures[0] ?? 'failed')}">${escapeXml(failures.join('\n'))}</failure>`,
      );
    } else if (tool.outcome === 'skipped' || isUnchecked(tool)) {
      body.push(`      <skipped message="${escapeXml(warnings[0] ?? 'skipped')}"/>`);
    }
    const calls = tool.cases.map((c) => `${c.label}: ${c.outcome}; ${c.exchanges.join(', ')}`);
    const out = [...calls, ...warnings.map((w) => `warning: ${w}`)];
    if (out.length > 0)
      body.push(`      <system-out>${escapeXml(`${tool.operation}\n${out.join('\n')}`)}</system-out>`);
    lines.push(open, ...body, '    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Text and attribute safe; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
