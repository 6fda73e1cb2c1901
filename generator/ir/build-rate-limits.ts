/**
 * x-mcp.rateLimits -> RateLimitIR[]. read-x-mcp.ts checked each rule's own fields; what needs
 * the whole tool surface is checked here, after naming: every name in `tools` is a generated
 * tool, and a `key` other than `principal` is an argument of a tool the rule applies to (else
 * the rule would never count a call). Pure; the overlay's order is kept.
 */
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { rankCandidates } from '../load/rank-candidates.js';
import type { RawRateLimit } from './read-x-mcp.js';
import type { JsonSchema, RateLimitIR, ToolIR } from './types.js';

/** Arguments listed in a fix before `and N more`: enough to spot the right one, short enough to read. */
const MAX_LISTED_ARGUMENTS = 12;

export function buildRateLimits(
  rules: readonly RawRateLimit[],
  tools: readonly ToolIR[],
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): RateLimitIR[] {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const names = [...byName.keys()].sort();
  const out: RateLimitIR[] = [];
  rules.forEach((rule) => {
    let valid = true;
    const applies: ToolIR[] = [];
    if (rule.tools) {
      rule.tools.forEach((name, index) => {
        const tool = byName.get(name);
        if (tool) {
          applies.push(tool);
          return;
        }
        valid = false;
        const near = rankCandidates(name, names);
        sink.report({
          code: 'MCPGEN_RATE_LIMIT_UNKNOWN_TOOL',
          message: `rate-limit rule names the tool \`${name}\`, which is not generated`,
          fix:
            near.length > 0
              ? `Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? Otherwise remove \`${name}\` from \`tools\`.`
              : `Name a generated tool (see catalog.md), or remove \`${name}\` from \`tools\`.`,
          source: locate(`${rule.pointer}/tools/${index}`),
        });
      });
    } else {
      applies.push(...tools);
    }
    // With no known tool to look at, an unknown-tool error already says what is wrong.
    if (rule.key !== 'principal' && applies.length > 0) {
      const args = [...new Set(applies.flatMap((t) => listArguments(t.inputSchema)))].sort();
      if (!args.includes(rule.key)) {
        valid = false;
        sink.report({
          code: 'MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT',
          message: `rate-limit key \`${rule.key}\` is neither \`principal\` nor an argument of ${describeTools(rule, applies)}`,
          fix: fixForKey(rule.key, args),
          source: locate(`${rule.pointer}/key`),
        });
      }
    }
    if (!valid) return;
    out.push(
      Object.freeze({
        key: rule.key,
        limit: rule.limit,
        windowSeconds: rule.windowSeconds,
        window: rule.window,
        ...(rule.tools ? { tools: Object.freeze([...rule.tools]) } : {}),
        source: locate(rule.pointer),
      }),
    );
  });
  return out;
}

function listArguments(schema: JsonSchema): string[] {
  if (typeof schema !== 'object') return [];
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

function describeTools(rule: RawRateLimit, applies: readonly ToolIR[]): string {
  if (!rule.tools) return 'any tool';
  const shown = applies.map((t) => `\`${t.name}\``).join(', ');
  return applies.length === 1 ? `the tool ${shown}` : `the tools ${shown}`;
}

function fixForKey(key: string, args: readonly string[]): string {
  const near = rankCandidates(key, args);
  const guess = near.length > 0 ? `Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? ` : '';
  if (args.length === 0) {
    return `${guess}The tools the rule applies to take no arguments: use \`key: principal\`, or name tools that have the argument.`;
  }
  const listed = args.slice(0, MAX_LISTED_ARGUMENTS).map((a) => `\`${a}\``);
  const more = args.length > MAX_LISTED_ARGUMENTS ? ` and ${args.length - MAX_LISTED_ARGUMENTS} more` : '';
  return `${guess}Use \`principal\` or one of the arguments those tools have: ${listed.join(', ')}${more}.`;
}
