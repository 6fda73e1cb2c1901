/**
 * MCP tool annotations derived from the HTTP method, overridden by x-mcp.hints.
 * A hint that contradicts the method is an error: a client trusting a wrong
 * readOnlyHint would run a destructive call without asking the user.
 */
import type { HttpMethod, ToolAnnotationsIR } from './types.js';

export interface HintOverrides {
  readonly readOnly?: boolean;
  readonly destructive?: boolean;
  readonly idempotent?: boolean;
  readonly openWorld?: boolean;
}

export interface HintProblem {
  readonly code: 'MCPGEN_HINT_CONTRADICTS_METHOD' | 'MCPGEN_HINT_UNUSUAL';
  readonly message: string;
  readonly fix: string;
}

const SAFE_METHODS: ReadonlySet<HttpMethod> = new Set(['get', 'head', 'options', 'trace']);

export function deriveMethodHints(method: HttpMethod): Omit<ToolAnnotationsIR, 'openWorldHint'> {
  if (SAFE_METHODS.has(method)) return { readOnlyHint: true, destructiveHint: false, idempotentHint: true };
  if (method === 'put' || method === 'delete') {
    return { readOnlyHint: false, destructiveHint: true, idempotentHint: true };
  }
  return { readOnlyHint: false, destructiveHint: false, idempotentHint: false };
}

export function deriveAnnotations(input: {
  method: HttpMethod;
  overrides: HintOverrides;
  defaultOpenWorld: boolean;
}): { annotations: ToolAnnotationsIR; problems: HintProblem[] } {
  const { method, overrides } = input;
  const base = deriveMethodHints(method);
  const readOnlyHint = overrides.readOnly ?? base.readOnlyHint;
  const annotations: ToolAnnotationsIR = {
    readOnlyHint,
    // A read-only tool is by definition not destructive; only the method default flips.
    destructiveHint: overrides.destructive ?? (readOnlyHint ? false : base.destructiveHint),
    idempotentHint: overrides.idempotent ?? (readOnlyHint ? true : base.idempotentHint),
    openWorldHint: overrides.openWorld ?? input.defaultOpenWorld,
  };
  const verb = method.toUpperCase();
  const problems: HintProblem[] = [];
  if (method === 'delete' && annotations.readOnlyHint) {
    problems.push({
      code: 'MCPGEN_HINT_CONTRADICTS_METHOD',
      message: `a DELETE operation is marked readOnly`,
      fix: 'Remove `readOnly: true` from x-mcp.hints; DELETE changes state.',
    });
  }
  if (annotations.readOnlyHint && annotations.destructiveHint) {
    problems.push({
      code: 'MCPGEN_HINT_CONTRADICTS_METHOD',
      message: `the tool is marked both readOnly and destructive`,
      fix: 'Set only one of x-mcp.hints.readOnly and x-mcp.hints.destructive.',
    });
  }
  if (SAFE_METHODS.has(method) && overrides.destructive === true) {
    problems.push({
      code: 'MCPGEN_HINT_CONTRADICTS_METHOD',
      message: `a ${verb} operation is marked destructive`,
      fix: `Remove \`destructive: true\`; ${verb} must not change state. If it does, the API is misdesigned: say so in the description.`,
    });
  }
  if (SAFE_METHODS.has(method) && overrides.readOnly === false) {
    problems.push({
      code: 'MCPGEN_HINT_UNUSUAL',
      message: `a ${verb} operation is marked not readOnly`,
      fix: `Check that the ${verb} operation really changes state; if not, remove \`readOnly: false\`.`,
    });
  }
  return { annotations, problems };
}
