/**
 * The overlay's rate-limit rules applied to tool calls. Rules are resolved per tool once at
 * startup; a call counts one point against each rule that applies to its tool, keyed by the caller
 * or by the value of the rule's argument (a workspace quota is shared by everyone using it).
 */
import type { ApiDefinition, RateLimitDefinition } from '../define-tool.js';
import type { RateLimitRule, RateLimitStore } from '../stores/store-types.js';

export interface CompiledRateLimit {
  /** Prefix of every counter of this rule; the rule's position keeps two similar rules apart. */
  readonly id: string;
  readonly definition: RateLimitDefinition;
  readonly rule: RateLimitRule;
}

export type RateLimitVerdict =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly retryAfterMs: number;
      readonly definition: RateLimitDefinition;
      /** The argument value counted, absent for `principal` rules. */
      readonly value?: string;
    };

export const PRINCIPAL_KEY = 'principal';
export const RATE_LIMIT_META_KEY = 'spec2mcp/rate-limit';

/** The rules each served tool is subject to, by tool name; tools without rules are absent. */
export function compileRateLimits(
  api: Pick<ApiDefinition, 'rateLimits'>,
  toolNames: Iterable<string>,
): ReadonlyMap<string, readonly CompiledRateLimit[]> {
  const compiled = (api.rateLimits ?? []).map(
    (definition, index): CompiledRateLimit => ({
      id: `r${index}:${definition.key}`,
      definition,
      rule: { limit: definition.limit, windowMs: definition.windowSeconds * 1000, kind: definition.window },
    }),
  );
  const byTool = new Map<string, CompiledRateLimit[]>();
  for (const name of toolNames) {
    const rules = compiled.filter((rule) => rule.definition.tools?.includes(name) ?? true);
    if (rules.length > 0) byTool.set(name, rules);
  }
  return byTool;
}

/**
 * Counts the call against every rule. Refused when any rule refuses; the retry time is the longest
 * among the refusing rules. Arguments that are absent or not scalars are not counted by their rule.
 */
export async function checkRateLimits(
  store: RateLimitStore,
  rules: readonly CompiledRateLimit[],
  principal: string,
  args: Readonly<Record<string, unknown>>,
): Promise<RateLimitVerdict> {
  let refused: Extract<RateLimitVerdict, { allowed: false }> | undefined;
  for (const compiled of rules) {
    const { key } = compiled.definition;
    const value = key === PRINCIPAL_KEY ? undefined : scalarArgument(args[key]);
    if (key !== PRINCIPAL_KEY && value === undefined) continue;
    const counter = value === undefined ? `${compiled.id}:${principal}` : `${compiled.id}=${value}`;
    const decision = await store.consume(counter, 1, compiled.rule);
    if (!decision.allowed && (refused === undefined || decision.retryAfterMs > refused.retryAfterMs)) {
      refused = {
        allowed: false,
        retryAfterMs: decision.retryAfterMs,
        definition: compiled.definition,
        ...(value !== undefined && { value }),
      };
    }
  }
  return refused ?? { allowed: true };
}

export function describeRateLimited(
  toolName: string,
  verdict: Extract<RateLimitVerdict, { allowed: false }>,
) {
  const { definition } = verdict;
  const seconds = retryAfterSeconds(verdict.retryAfterMs);
  const scope =
    verdict.value === undefined ? 'for your credential' : `for ${definition.key} "${verdict.value}"`;
  return `${toolName} was not performed: the limit of ${definition.limit} calls per ${formatWindow(definition.windowSeconds)} ${scope} is used up. Try again in ${seconds} s; calling sooner is refused again.`;
}

export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

function formatWindow(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? 'second' : `${seconds} seconds`;
}

function scalarArgument(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
