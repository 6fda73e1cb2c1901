/**
 * x-mcp `whoami`, `tokens`, `tenancy` -> AccessIR. read-x-mcp.ts checked each value's shape; what
 * the values name is checked here, once tools are built and named:
 * - `whoami` and `tenancy.list` name the operationId of a GET that is generated as a tool (the
 *   runtime calls that tool, so an excluded or writing operation would break sign-in or consent);
 * - `tenancy.pathParam` is a path parameter of at least one tool (buildInput already made it
 *   `fromTenant` in every tool that has it; if none has it, the endpoint could fill nothing);
 * - `tenancy.argument` is an argument of at least one tool (else the grant check never applies).
 * Every diagnostic points at the value in the overlay that set it. Pure.
 */
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { rankCandidates } from '../load/rank-candidates.js';
import type { OperationInput } from './build-tool-ir.js';
import type { RawAccess } from './read-x-mcp.js';
import type { AccessIR, JsonSchema, ToolIR } from './types.js';

/** Names listed in a fix before `and N more`: enough to spot the right one, short enough to read. */
const MAX_LISTED = 12;

export interface AccessOperation {
  readonly op: OperationInput;
  /** The operation's generated tool, named; absent when it is excluded with `x-mcp: false`. */
  readonly tool?: ToolIR;
}

export function buildAccess(
  raw: RawAccess,
  operations: readonly AccessOperation[],
  tools: readonly ToolIR[],
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): AccessIR {
  const resolve = (operationId: string, key: 'whoami' | 'tenancy.list') =>
    resolveOperation(operationId, key, operations, sink, locate);
  const whoamiTool = raw.whoami === undefined ? undefined : resolve(raw.whoami, 'whoami');
  const { pathParam, argument, list } = raw.tenancy;
  const tenantListTool = list === undefined ? undefined : resolve(list, 'tenancy.list');
  const tenantPathParam =
    pathParam !== undefined && checkPathParam(pathParam, tools, sink, locate) ? pathParam : undefined;
  const tenantArgument =
    argument !== undefined && checkArgument(argument, tools, sink, locate) ? argument : undefined;
  return Object.freeze({
    ...(whoamiTool !== undefined ? { whoamiTool } : {}),
    ...(raw.tokenPrefix !== undefined ? { tokenPrefix: raw.tokenPrefix } : {}),
    // false is the runtime's default: written out it would only be noise in index.ts.
    ...(raw.allowQueryToken === true ? { allowQueryToken: true as const } : {}),
    ...(tenantPathParam !== undefined ? { tenantPathParam } : {}),
    ...(tenantArgument !== undefined ? { tenantArgument } : {}),
    ...(tenantListTool !== undefined ? { tenantListTool } : {}),
  });
}

/** The tool name of a generated GET operation, or undefined after reporting why there is none. */
function resolveOperation(
  operationId: string,
  key: 'whoami' | 'tenancy.list',
  operations: readonly AccessOperation[],
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): string | undefined {
  const source = locate(key === 'whoami' ? '/x-mcp/whoami' : '/x-mcp/tenancy/list');
  const wanted = key === 'whoami' ? 'the signed-in user' : 'the tenants a user can grant';
  const matches = operations.filter((o) => operationIdOf(o.op) === operationId);
  // Duplicate operationIds are reported elsewhere; any one of them that works is good enough here.
  const best =
    matches.find((o) => o.op.method === 'get' && o.tool) ??
    matches.find((o) => o.op.method === 'get') ??
    matches[0];
  const gets = operations
    .filter((o) => o.op.method === 'get' && o.tool)
    .map((o) => operationIdOf(o.op))
    .filter((id): id is string => id !== undefined);
  if (!best) {
    const all = [
      ...new Set(operations.map((o) => operationIdOf(o.op)).filter((id) => id !== undefined)),
    ].sort();
    const near = rankCandidates(operationId, all);
    sink.report({
      code: 'MCPGEN_ACCESS_UNKNOWN_OPERATION',
      message: `\`${key}\` names the operationId \`${operationId}\`, which no operation has`,
      fix:
        near.length > 0
          ? `Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? \`${key}\` takes the operationId of the GET operation that returns ${wanted}.`
          : `Set \`${key}\` to the operationId of the GET operation that returns ${wanted}${listed(' (generated GET operations: ', gets.sort(), ')')}.`,
      source,
    });
    return undefined;
  }
  const where = `${best.op.method.toUpperCase()} ${best.op.path}`;
  if (best.op.method !== 'get') {
    sink.report({
      code: 'MCPGEN_ACCESS_OPERATION_NOT_GET',
      message: `\`${key}\` names \`${operationId}\`, which is ${where}, not a GET`,
      fix: `The runtime calls it to read ${wanted}, so it must only read: name the operationId of a GET operation${listed(' (generated GET operations: ', gets.sort(), ')')}.`,
      source,
    });
    return undefined;
  }
  if (!best.tool) {
    const exclusion = locate(`${best.op.pointer}/x-mcp`);
    sink.report({
      code: 'MCPGEN_ACCESS_OPERATION_EXCLUDED',
      message: `\`${key}\` names \`${operationId}\` (${where}), which is excluded with \`x-mcp: false\`, so it is no tool the runtime can call`,
      fix: `Remove \`x-mcp: false\` from ${where} (set at ${exclusion.file}:${exclusion.line}:${exclusion.column}), or name another generated GET operation.`,
      source,
    });
    return undefined;
  }
  return best.tool.name;
}

function checkPathParam(
  pathParam: string,
  tools: readonly ToolIR[],
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): boolean {
  if (tools.some((t) => t.params.some((p) => p.fromTenant))) return true;
  const existing = [
    ...new Set(tools.flatMap((t) => t.params.filter((p) => p.in === 'path').map((p) => p.name))),
  ].sort();
  const near = rankCandidates(pathParam, existing);
  const guess = near.length > 0 ? `Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? ` : '';
  sink.report({
    code: 'MCPGEN_TENANCY_PATH_PARAM_UNKNOWN',
    message: `tenancy.pathParam \`${pathParam}\` is not a path parameter of any generated operation`,
    fix:
      existing.length > 0
        ? `${guess}Name a path parameter as the document spells it: ${list(existing)}.`
        : 'No generated operation has a path parameter: remove `pathParam`, or use `argument` to name the tenant argument.',
    source: locate('/x-mcp/tenancy/pathParam'),
  });
  return false;
}

function checkArgument(
  argument: string,
  tools: readonly ToolIR[],
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): boolean {
  const args = [...new Set(tools.flatMap((t) => listArguments(t.inputSchema)))].sort();
  if (args.includes(argument)) return true;
  const near = rankCandidates(argument, args);
  const guess = near.length > 0 ? `Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? ` : '';
  sink.report({
    code: 'MCPGEN_TENANCY_ARGUMENT_UNKNOWN',
    message: `tenancy.argument \`${argument}\` is not an argument of any generated tool`,
    fix:
      args.length > 0
        ? `${guess}Name a tool argument as the model sends it (after \`naming.arguments\`): ${list(args)}.`
        : 'No generated tool takes arguments: remove `argument`.',
    source: locate('/x-mcp/tenancy/argument'),
  });
  return false;
}

function operationIdOf(op: OperationInput): string | undefined {
  const id = op.operation['operationId'];
  return typeof id === 'string' ? id : undefined;
}

function listArguments(schema: JsonSchema): string[] {
  if (typeof schema !== 'object') return [];
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `\`${n}\``);
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** `before + list + after`, or nothing when there is nothing to list. */
function listed(before: string, names: readonly string[], after: string): string {
  return names.length > 0 ? `${before}${list(names)}${after}` : '';
}
