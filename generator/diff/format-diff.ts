/**
 * Prints a SurfaceDiff: `text` for terminals, `markdown` for a pull-request comment, `json` for
 * scripts (shape documented in docs/ci.md; `format` changes only when the shape does).
 */
import type { Severity, SurfaceChange, SurfaceDiff } from './compare-manifests.js';

export type DiffFormat = 'text' | 'markdown' | 'json';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'markdown', 'json'];
export const DIFF_JSON_FORMAT = 1;

export interface DiffLabels {
  /** What was compared, as given on the command line (`origin/main`, `generated/`). */
  readonly before: string;
  readonly after: string;
}

const SECTIONS: readonly { severity: Severity; title: string }[] = [
  { severity: 'breaking', title: 'Breaking' },
  { severity: 'security', title: 'Security-relevant' },
  { severity: 'compatible', title: 'Compatible' },
];

export function formatDiff(diff: SurfaceDiff, format: DiffFormat, labels: DiffLabels): string {
  switch (format) {
    case 'json':
      return formatJson(diff, labels);
    case 'markdown':
      return formatMarkdown(diff, labels);
    default:
      return formatText(diff, labels);
  }
}

/** One line: `2 breaking, 1 security-relevant, 3 compatible (tools: 1 added, ...)`. */
export function summaryLine(diff: SurfaceDiff): string {
  const { summary: s } = diff;
  if (diff.changes.length === 0) return `no tool-surface changes (${s.tools.unchanged} tools unchanged)`;
  return (
    `${s.breaking} breaking, ${s.security} security-relevant, ${s.compatible} compatible ` +
    `(tools: ${s.tools.added} added, ${s.tools.removed} removed, ${s.tools.renamed} renamed, ` +
    `${s.tools.changed} changed, ${s.tools.unchanged} unchanged)`
  );
}

function formatText(diff: SurfaceDiff, labels: DiffLabels): string {
  const lines = [`spec2mcp diff ${labels.before} -> ${labels.after}: ${summaryLine(diff)}`];
  const multiApi = diff.apis.length > 1;
  for (const { severity, title } of SECTIONS) {
    const changes = diff.changes.filter((c) => c.severity === severity);
    if (changes.length === 0) continue;
    lines.push('', `${title} (${changes.length}):`);
    for (const c of changes)
      lines.push(
        `  ${multiApi ? `${c.api}: ` : ''}${plain(c.message)}${c.breaking && severity !== 'breaking' ? ' [breaking]' : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function formatMarkdown(diff: SurfaceDiff, labels: DiffLabels): string {
  const { summary: s } = diff;
  const lines = [
    '<!-- spec2mcp-diff -->',
    `### MCP tool-surface changes: \`${cell(labels.before)}\` → \`${cell(labels.after)}\``,
    '',
  ];
  if (diff.changes.length === 0) {
    lines.push(`No tool-surface changes (${s.tools.unchanged} tools unchanged).`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `**${s.breaking} breaking**, **${s.security} security-relevant**, ${s.compatible} compatible — ` +
      `tools: ${s.tools.added} added, ${s.tools.removed} removed, ${s.tools.renamed} renamed, ` +
      `${s.tools.changed} changed, ${s.tools.unchanged} unchanged.`,
  );
  const multiApi = diff.apis.length > 1;
  for (const { severity, title } of SECTIONS) {
    const changes = diff.changes.filter((c) => c.severity === severity);
    lines.push('', `#### ${title} (${changes.length})`, '');
    if (changes.length === 0) {
      lines.push('None.');
      continue;
    }
    lines.push(
      `| ${multiApi ? 'API | ' : ''}Tool | Change | Details |`,
      `| ${multiApi ? '--- | ' : ''}--- | --- | --- |`,
    );
    for (const c of changes)
      lines.push(
        `| ${multiApi ? `${cell(c.api)} | ` : ''}\`${cell(c.tool)}\` | ${cell(describeKind(c))} | ${cell(details(c))}${
          c.breaking && severity !== 'breaking' ? ' **(breaking)**' : ''
        } |`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function formatJson(diff: SurfaceDiff, labels: DiffLabels): string {
  return `${JSON.stringify(
    {
      format: DIFF_JSON_FORMAT,
      before: labels.before,
      after: labels.after,
      apis: diff.apis,
      summary: diff.summary,
      changes: diff.changes.map((c) => ({
        api: c.api,
        tool: c.tool,
        area: c.area,
        kind: c.kind,
        severity: c.severity,
        breaking: c.breaking,
        ...(c.subject !== undefined ? { subject: c.subject } : {}),
        ...(c.before !== undefined ? { before: c.before } : {}),
        ...(c.after !== undefined ? { after: c.after } : {}),
        message: c.message,
      })),
    },
    null,
    2,
  )}\n`;
}

/** `argument-removed` -> `argument removed`; the area prefixes an output kind already. */
function describeKind(c: SurfaceChange): string {
  return c.kind.replace(/-/g, ' ');
}

/** The message without the leading `` `tool`: `` the table's Tool column already shows. */
function details(c: SurfaceChange): string {
  const prefix = `\`${c.tool}\`: `;
  return c.message.startsWith(prefix) ? c.message.slice(prefix.length) : c.message;
}

function plain(message: string): string {
  return message.replace(/`/g, '');
}

function cell(value: string): string {
  return value.replace(/\r?\n+/g, ' ').replace(/\|/g, '\\|');
}
