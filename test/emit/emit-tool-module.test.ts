import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { emitToolModule } from '../../generator/emit/emit-tool-module.js';
import { printLiteral } from '../../generator/emit/print-literal.js';
import { schemaToType } from '../../generator/emit/schema-to-type.js';
import type { ToolIR } from '../../generator/ir/types.js';

const HOSTILE = [
  `it's "quoted"`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the point is a template placeholder in spec text.
  'back`tick` ${process.exit(1)}',
  'ends a comment */ console.log("pwned") /*',
  'line\nbreak\r\nand\u2028separators\u2029here',
  '\\u0027 backslash \\',
  '</script><!-- -->',
];

function hostileTool(text: string): ToolIR {
  return {
    name: 'hostile_tool',
    exportName: 'hostileTool',
    fileName: 'hostile_tool',
    title: text,
    description: text,
    http: { method: 'post', path: `/x/${text}` },
    params: [{ name: text, in: 'query', style: 'form', explode: true, required: false, argument: 'arg' }],
    inputSchema: {
      type: 'object',
      properties: { arg: { type: 'string', description: text, enum: [text] }, [text]: { type: 'string' } },
      additionalProperties: false,
    },
    outputSchema: { type: 'object', properties: { [text]: { const: text } } },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    scopes: ['mcp:write'],
    idempotency: 'none',
    response: { redact: [], maxBytes: 1000, maxItems: 10 },
    toolsets: [],
    deprecated: false,
    source: { file: 'x', pointer: '', line: 1, column: 1 },
    nameSource: { file: 'x', pointer: '', line: 1, column: 1 },
  };
}

const tmpRoot = join(process.cwd(), '.tmp', 'emit-test');
afterAll(() => rm(tmpRoot, { recursive: true, force: true }));

describe('emitToolModule: spec text can never become code', () => {
  it.each(HOSTILE.map((h, i) => [i, h]))('hostile string #%s round-trips as data', async (i, text) => {
    const source = emitToolModule(hostileTool(text as string), '// header\n\n');
    const parsed = ts.createSourceFile('x.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const syntaxErrors = (parsed as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
    expect(syntaxErrors).toEqual([]);
    // Exactly: import, the input and output interfaces, the definition. Nothing injected.
    expect(
      parsed.statements.map((s) =>
        ts.isImportDeclaration(s)
          ? 'import'
          : ts.isInterfaceDeclaration(s)
            ? 'interface'
            : ts.isTypeAliasDeclaration(s)
              ? 'type'
              : ts.isVariableStatement(s)
                ? 'const'
                : ts.SyntaxKind[s.kind],
      ),
    ).toEqual(['import', 'interface', 'interface', 'const']);
    // Placed where `../../../runtime` resolves to the real runtime, then loaded and compared.
    const file = join(tmpRoot, `case${i}`, 'tools', 'hostile_tool.ts');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, source.replace('../../../runtime/', '../../../../runtime/'));
    const mod = (await import(pathToFileURL(file).href)) as {
      hostileTool: { description: string; http: { path: string } };
    };
    expect(mod.hostileTool.description).toBe(text);
    expect(mod.hostileTool.http.path).toBe(`/x/${text}`);
  });
});

describe('printLiteral', () => {
  it.each([
    [null, 'null'],
    [1.5, '1.5'],
    [Number.NaN, 'null'],
    ['a\u2028b', '"a\\u2028b"'],
    [[1, 2], '[1, 2]'],
    [{ 'a-b': 1, c: true }, '{\n  "a-b": 1,\n  c: true,\n}'],
    [{ u: undefined, k: 1 }, '{\n  k: 1,\n}'],
  ])('%j', (given, want) => {
    expect(printLiteral(given)).toBe(want);
  });
});

describe('schemaToType', () => {
  const ctx = { defType: (n: string) => `Def${n}` };
  it.each([
    [{ type: 'string' }, 'string'],
    [{ type: ['string', 'null'] }, 'string | null'],
    [{ enum: ['a', "b'c"] }, `"a" | "b'c"`],
    [{ type: 'array', items: { type: ['integer', 'null'] } }, '(number | null)[]'],
    [
      { type: 'object', properties: { a: { type: 'string' }, 'b-c': { type: 'boolean' } }, required: ['a'] },
      '{ a: string; "b-c"?: boolean }',
    ],
    [{ type: 'object', additionalProperties: { type: 'integer' } }, 'Record<string, number>'],
    [{ $ref: '#/$defs/Node' }, 'DefNode'],
    [
      { oneOf: [{ type: 'string' }, { type: 'object', properties: { x: { type: 'string' } } }] },
      'string | { x?: string }',
    ],
    [{ allOf: [{ $ref: '#/$defs/A' }, { $ref: '#/$defs/B' }] }, 'DefA & DefB'],
    [{ type: 'array', items: { oneOf: [{ $ref: '#/$defs/A' }, { $ref: '#/$defs/B' }] } }, '(DefA | DefB)[]'],
    [{ const: 3 }, '3'],
    [{}, 'unknown'],
  ])('%j -> %s', (given, want) => {
    expect(schemaToType(given, ctx)).toBe(want);
  });
});
