/**
 * One operation -> one ToolIR. Pure: reads the loaded document through the
 * functions it is given and reports problems into the sink.
 */
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { deriveAnnotations } from './annotations.js';
import { buildInput, type RawParameter } from './build-input.js';
import { buildOutput } from './build-output.js';
import { buildWait } from './build-wait.js';
import { trimText } from './json-schema.js';
import { deriveExportName, deriveFileName, deriveToolName, toSnakeCase } from './naming.js';
import type { OperationXMcp, RootXMcp } from './read-x-mcp.js';
import type { HttpMethod, IdempotencyMode, ToolIR } from './types.js';

export interface OperationInput {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operation: Record<string, unknown>;
  readonly pointer: string;
  readonly parameters: readonly RawParameter[];
  readonly requestBody?: { readonly value: Record<string, unknown>; readonly pointer: string };
  readonly xmcp: OperationXMcp;
}

export interface BuildToolContext {
  readonly root: RootXMcp;
  readonly dialect: '3.0' | '3.1';
  readonly resolveRef: (ref: string) => unknown;
  readonly sink: DiagnosticSink;
  readonly locate: (pointer: string) => SourceRef;
}

export const MAX_DESCRIPTION = 2000;

export function buildToolIR(op: OperationInput, ctx: BuildToolContext): ToolIR {
  const { operation, xmcp, method } = op;
  const operationId = typeof operation['operationId'] === 'string' ? operation['operationId'] : undefined;
  const summary = typeof operation['summary'] === 'string' ? operation['summary'].trim() : '';
  const longText = typeof operation['description'] === 'string' ? operation['description'].trim() : '';
  const source = ctx.locate(op.pointer);

  if (!xmcp.name && !(operationId && toSnakeCase(operationId))) {
    ctx.sink.report({
      code: 'MCPGEN_MISSING_OPERATION_ID',
      message: operationId
        ? `the operationId ${JSON.stringify(operationId)} of ${method.toUpperCase()} ${op.path} has no letters or digits a tool name can use; the tool name is derived from the path`
        : `${method.toUpperCase()} ${op.path} has no operationId; the tool name is derived from the path`,
      source: operationId ? ctx.locate(`${op.pointer}/operationId`) : source,
    });
  }
  // The operation's own name; build-api-ir settles collisions (and the name lock) over all tools.
  const name =
    xmcp.name ?? deriveToolName({ operationId, method, path: op.path, prefix: ctx.root.naming.prefix });

  const { annotations, problems } = deriveAnnotations({
    method,
    overrides: xmcp.hints,
    defaultOpenWorld: ctx.root.hints.openWorld,
  });
  for (const problem of problems) {
    ctx.sink.report({
      code: problem.code,
      message: `${name} (${method.toUpperCase()} ${op.path}): ${problem.message}`,
      fix: problem.fix,
      source: ctx.locate(`${op.pointer}/x-mcp/hints`),
    });
  }

  const idempotency: IdempotencyMode =
    xmcp.idempotency ??
    (annotations.readOnlyHint ? 'none' : method === 'post' || method === 'patch' ? 'required' : 'none');

  const input = buildInput({
    toolName: name,
    method,
    parameters: op.parameters,
    ...(op.requestBody ? { requestBody: op.requestBody } : {}),
    xmcp,
    operationPointer: op.pointer,
    idempotency,
    dialect: ctx.dialect,
    argumentStyle: ctx.root.naming.arguments,
    ...(ctx.root.access.tenancy.pathParam ? { tenantPathParam: ctx.root.access.tenancy.pathParam } : {}),
    resolveRef: ctx.resolveRef,
    sink: ctx.sink,
    locate: ctx.locate,
  });
  // x-mcp `wait`: its `$request...` expressions name this tool's arguments, and it adds two.
  const waited = xmcp.wait
    ? buildWait({
        raw: xmcp.wait,
        toolName: name,
        params: input.params,
        ...(input.body ? { body: input.body } : {}),
        inputSchema: input.inputSchema,
        sink: ctx.sink,
        locate: ctx.locate,
      })
    : undefined;
  const output = buildOutput({
    responses: operation['responses'],
    method,
    dialect: ctx.dialect,
    resolveRef: ctx.resolveRef,
  });

  let description = xmcp.description?.trim() ?? joinText(summary, longText);
  if (!description) {
    ctx.sink.report({
      code: 'MCPGEN_NO_DESCRIPTION',
      message: `${name} has no summary, description or x-mcp.description`,
      source,
    });
    description = `${method.toUpperCase()} ${op.path}`;
  }
  const tags = Array.isArray(operation['tags'])
    ? operation['tags'].filter((t): t is string => typeof t === 'string')
    : [];

  return {
    name,
    exportName: deriveExportName(name),
    fileName: deriveFileName(name),
    title: xmcp.title ?? (summary ? summary.replace(/\.$/, '') : humanize(name)),
    description: trimText(description, MAX_DESCRIPTION),
    ...(operationId ? { operationId } : {}),
    http: { method, path: op.path },
    params: input.params,
    ...(input.body ? { body: input.body } : {}),
    inputSchema: waited?.inputSchema ?? input.inputSchema,
    ...(output.outputSchema ? { outputSchema: output.outputSchema } : {}),
    ...(output.responseMediaType ? { responseMediaType: output.responseMediaType } : {}),
    annotations,
    scopes: [
      ...(xmcp.scopes ?? (annotations.readOnlyHint ? ctx.root.scopes.read : ctx.root.scopes.write)),
    ].sort(),
    idempotency,
    response: {
      redact: [...(xmcp.response.redact ?? [])],
      maxBytes: xmcp.response.maxBytes ?? ctx.root.limits.maxBytes,
      maxItems: xmcp.response.maxItems ?? ctx.root.limits.maxItems,
    },
    toolsets: [
      ...new Set(xmcp.toolsets ?? tags.map((t) => toSnakeCase(t)).filter((t) => t.length > 0)),
    ].sort(),
    deprecated: operation['deprecated'] === true,
    source,
    nameSource: xmcp.name ? ctx.locate(`${op.pointer}/x-mcp/name`) : source,
    ...(waited ? { wait: waited.wait } : {}),
  };
}

function joinText(summary: string, description: string): string {
  if (!description) return summary;
  if (!summary || description.startsWith(summary)) return description;
  return `${summary.replace(/\.?$/, '.')}\n\n${description}`;
}

function humanize(name: string): string {
  const words = name.replace(/[_.-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
