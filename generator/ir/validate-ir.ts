/**
 * Checks over the whole IR that no single operation can see: unique tool names,
 * unique export and file names, valid names.
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { TOOL_NAME_PATTERN } from './naming.js';
import type { ApiIR, ToolIR } from './types.js';

export function validateIR(api: ApiIR, sink: DiagnosticSink, options: { strict?: boolean } = {}): void {
  const byName = new Map<string, ToolIR[]>();
  for (const tool of api.tools) {
    if (!TOOL_NAME_PATTERN.test(tool.name)) {
      sink.report({
        code: 'MCPGEN_INVALID_TOOL_NAME',
        message: `tool name \`${tool.name}\` (${tool.http.method.toUpperCase()} ${tool.http.path}) does not match ^[A-Za-z0-9_.-]{1,64}$`,
        source: tool.nameSource,
      });
    }
    const key = tool.name.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), tool]);
  }
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const where = group
      .map((t) => `${t.http.method.toUpperCase()} ${t.http.path} (${t.nameSource.file}:${t.nameSource.line})`)
      .join(' and ');
    for (const tool of group) {
      sink.report({
        code: 'MCPGEN_DUPLICATE_TOOL_NAME',
        message: `${group.length} operations map to the tool name \`${tool.name}\`: ${where}`,
        fix: `Give all but one of them a different x-mcp.name (names compare case-insensitively).`,
        source: tool.nameSource,
      });
    }
  }
  if (api.tools.length === 0) {
    // Lenient: a document with only webhooks (or everything excluded) still gives a valid, empty server.
    sink.report({
      code: 'MCPGEN_NO_OPERATIONS',
      message: options.strict
        ? 'no operation becomes a tool'
        : 'no operation becomes a tool; the generated server lists no tools',
      source: { file: api.provenance.specFile, pointer: '/paths', line: 1, column: 1 },
      ...(options.strict ? {} : { severity: 'warning' as const }),
    });
  }
}
