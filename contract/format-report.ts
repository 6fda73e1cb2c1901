/**
 * The contract report as text: a summary line, one line per tool (✓ passed, ! passed with warnings
 * or not fully checkable, ✗ failed, - skipped) and, under each tool that did not simply pass, what
 * failed or could not be checked, per call.
 */
import type { ContractReport, Outcome, ToolContractResult } from './run-contract.js';

const MARK: Record<Outcome, string> = { passed: '✓', warning: '!', failed: '✗', skipped: '-' };

export function countOutcomes(report: ContractReport): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { passed: 0, warning: 0, failed: 0, skipped: 0 };
  for (const tool of report.tools) counts[tool.outcome]++;
  return counts;
}

export function formatReport(report: ContractReport): string {
  const counts = countOutcomes(report);
  const against = report.upstream === 'mock' ? 'the mock upstream' : report.upstream;
  const lines = [
    `${report.ok ? '✓' : '✗'} contract ${report.api} (${report.specPath}) against ${against}: ${report.tools.length} tools, ` +
      `${counts.passed} passed, ${counts.warning} with warnings, ${counts.failed} failed, ${counts.skipped} skipped ` +
      `(${(report.ms / 1000).toFixed(1)} s)`,
  ];
  for (const failure of report.failures) lines.push(`  ✗ ${failure}`);
  for (const warning of report.warnings) lines.push(`  ! ${warning}`);
  const width = Math.min(48, Math.max(0, ...report.tools.map((t) => t.tool.length)));
  for (const tool of report.tools) lines.push(...formatTool(tool, width));
  return `${lines.join('\n')}\n`;
}

function formatTool(tool: ToolContractResult, width: number): string[] {
  const calls = tool.cases.length === 1 ? '1 call' : `${tool.cases.length} calls`;
  const lines = [`${MARK[tool.outcome]} ${tool.tool.padEnd(width)}  ${tool.operation}  ${calls}`];
  for (const failure of tool.failures) lines.push(`    ✗ ${failure}`);
  for (const warning of tool.warnings) lines.push(`    ! ${warning}`);
  for (const call of tool.cases) {
    for (const failure of call.failures) lines.push(`    ✗ ${call.label}: ${failure}`);
    for (const warning of call.warnings) lines.push(`    ! ${call.label}: ${warning}`);
  }
  return lines;
}
