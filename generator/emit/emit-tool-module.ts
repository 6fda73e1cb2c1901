/**
 * ToolIR -> tools/<name>.ts: the tool's input/output types, its JSON Schemas,
 * HTTP binding and policy, as one `defineTool` call. No logic lives here; the
 * runtime interprets the definition.
 */
import { toPascalCase } from '../ir/naming.js';
import type { JsonSchema, ToolIR } from '../ir/types.js';
import { printKey, printLiteral, sanitizeComment } from './print-literal.js';
import { type ModuleStatement, printModule } from './print-module.js';
import { toToolDefinition } from './runtime-definition.js';
import { schemaToType, type TypeContext } from './schema-to-type.js';

export const RUNTIME_IMPORT = '../../../runtime/define-tool.js';
const DEFINITION_PLACEHOLDER = '__SPEC2MCP_DEFINITION__';

export function emitToolModule(tool: ToolIR, header: string): string {
  const typeBase = toPascalCase(tool.exportName) || 'Tool';
  const inputType = `${typeBase}Input`;
  const outputType = `${typeBase}Output`;
  const statements: ModuleStatement[] = [
    { kind: 'import', moduleSpecifier: RUNTIME_IMPORT, namedImports: ['defineTool'] },
  ];

  const inputDefs = defsOf(tool.inputSchema);
  const outputDefs = tool.outputSchema ? defsOf(tool.outputSchema) : {};
  const inputCtx = defContext(`${typeBase}Input`);
  const outputCtx = defContext(`${typeBase}Output`);
  statements.push(...defAliases(inputDefs, inputCtx), ...defAliases(outputDefs, outputCtx));

  statements.push(objectInterface(tool.inputSchema, inputType, `Arguments of \`${tool.name}\`.`, inputCtx));
  const outputDoc = `What \`${tool.name}\` returns as structured content.`;
  const output = tool.outputSchema ? stripDefs(tool.outputSchema) : undefined;
  statements.push(
    output && isPlainObjectSchema(output)
      ? objectInterface(output, outputType, outputDoc, outputCtx)
      : {
          kind: 'typeAlias',
          isExported: true,
          name: outputType,
          docs: [outputDoc],
          type: output ? schemaToType(output, outputCtx) : 'unknown',
        },
  );

  const definition = toToolDefinition(tool);
  statements.push({
    kind: 'const',
    isExported: true,
    docs: [sanitizeComment(`${tool.title}\n\n${tool.http.method.toUpperCase()} ${tool.http.path}`)],
    name: tool.exportName,
    // The writer re-indents multi-line text; the literal is spliced in after printing instead.
    initializer: DEFINITION_PLACEHOLDER,
  });

  const text = header + printModule(statements);
  // A function replacement: `$&` or `$'` in spec text must stay literal.
  return text.replace(
    DEFINITION_PLACEHOLDER,
    () => `defineTool<${inputType}, ${outputType}>(${printLiteral(definition)})`,
  );
}

/** An object schema with plain properties reads best as an interface with documented members. */
function isPlainObjectSchema(schema: JsonSchema): boolean {
  if (typeof schema !== 'object') return false;
  const combinators = ['oneOf', 'anyOf', 'allOf', '$ref', 'enum', 'const'].some((k) => k in schema);
  return schema['type'] === 'object' && typeof schema['properties'] === 'object' && !combinators;
}

function objectInterface(schema: JsonSchema, name: string, doc: string, ctx: TypeContext): ModuleStatement {
  const s = schema as Record<string, unknown>;
  const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s['required'] as string[] | undefined) ?? []);
  const extra = s['additionalProperties'];
  return {
    kind: 'interface',
    isExported: true,
    name,
    docs: [doc],
    properties: Object.keys(props).map((key) => {
      const prop = props[key]!;
      const description =
        typeof prop === 'object' && typeof prop['description'] === 'string' ? prop['description'] : '';
      return {
        name: printKey(key),
        hasQuestionToken: !required.has(key),
        type: schemaToType(prop, ctx),
        ...(description ? { docs: [sanitizeComment(description)] } : {}),
      };
    }),
    ...(extra !== undefined && extra !== false
      ? { indexSignatures: [{ keyName: 'key', keyType: 'string', returnType: 'unknown' }] }
      : {}),
  };
}

function defsOf(schema: JsonSchema): Record<string, JsonSchema> {
  return typeof schema === 'object' && typeof schema['$defs'] === 'object' && schema['$defs'] !== null
    ? (schema['$defs'] as Record<string, JsonSchema>)
    : {};
}

function stripDefs(schema: JsonSchema): JsonSchema {
  if (typeof schema !== 'object') return schema;
  const { $defs: _defs, ...rest } = schema as Record<string, unknown>;
  return rest;
}

function defContext(prefix: string): TypeContext {
  return { defType: (name) => `${prefix}${toPascalCase(name) || 'Def'}` };
}

function defAliases(defs: Record<string, JsonSchema>, ctx: TypeContext): ModuleStatement[] {
  return Object.keys(defs).map((name) => ({
    kind: 'typeAlias',
    isExported: true,
    name: ctx.defType(name),
    type: schemaToType(defs[name], ctx),
  }));
}
