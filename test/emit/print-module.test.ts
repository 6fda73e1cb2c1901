import { printStructure, type StatementStructures, StructureKind, VariableDeclarationKind } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { type ModuleStatement, printModule } from '../../generator/emit/print-module.js';

/** The same statements as ts-morph structures, printed with the settings generated files use. */
function printWithTsMorph(statements: readonly ModuleStatement[]): string {
  const structures: StatementStructures[] = statements.map((s) => {
    switch (s.kind) {
      case 'import':
        return {
          kind: StructureKind.ImportDeclaration,
          moduleSpecifier: s.moduleSpecifier,
          namedImports: [...s.namedImports],
        };
      case 'typeAlias':
        return { ...s, kind: StructureKind.TypeAlias, docs: s.docs ? [...s.docs] : undefined };
      case 'interface':
        return {
          ...s,
          kind: StructureKind.Interface,
          docs: s.docs ? [...s.docs] : undefined,
          properties: s.properties.map((p) => ({ ...p, docs: p.docs ? [...p.docs] : undefined })),
          indexSignatures: s.indexSignatures ? [...s.indexSignatures] : undefined,
        };
      default:
        return {
          kind: StructureKind.VariableStatement,
          isExported: s.isExported,
          docs: s.docs ? [...s.docs] : undefined,
          declarationKind: VariableDeclarationKind.Const,
          declarations: [{ name: s.name, initializer: s.initializer }],
        };
    }
  });
  return printStructure(
    { kind: StructureKind.SourceFile, statements: structures },
    { indentNumberOfSpaces: 2, newLine: '\n', useSingleQuote: true },
  );
}

const TRICKY_TEXT = [
  'plain',
  'it\'s "quoted" and `ticked`',
  'first line\nsecond line\n\nafter a blank line',
  '\nstarts with a line break',
  'a string "with /* a comment opener" and // a line comment',
  'ends with a backslash \\',
  "{ braces } and 'open quote",
  'a NUL \u0000 character, which the printer uses to mark type texts',
];

function statementsWith(text: string): ModuleStatement[] {
  return [
    { kind: 'import', moduleSpecifier: '../../../runtime/define-tool.js', namedImports: ['defineTool'] },
    { kind: 'typeAlias', isExported: true, name: 'ADef', type: '{ a?: string; "b-c": number }' },
    {
      kind: 'interface',
      isExported: true,
      name: 'XInput',
      docs: [text],
      properties: [
        { name: 'id', type: 'string', docs: [text] },
        { name: '"with-dash"', hasQuestionToken: true, type: `"${text.replace(/[\n"\\]/g, ' ')}" | null` },
        { name: 'plain', hasQuestionToken: true, type: 'number' },
      ],
      indexSignatures: [{ keyName: 'key', keyType: 'string', returnType: 'unknown' }],
    },
    { kind: 'interface', isExported: true, name: 'Empty', docs: ['No members.'], properties: [] },
    { kind: 'typeAlias', isExported: true, name: 'XOutput', docs: [text], type: 'ADef | unknown[]' },
    {
      kind: 'const',
      isExported: true,
      docs: [`${text}\n\nGET /x/{id}`],
      name: 'x',
      initializer: '__PLACEHOLDER__',
    },
  ];
}

describe('printModule', () => {
  it.each(TRICKY_TEXT)('given docs and types holding %j, want the text ts-morph prints', (text) => {
    const statements = statementsWith(text);
    expect(printModule(statements)).toBe(printWithTsMorph(statements));
  });

  it('given a type alias after an interface, want a blank line between them, as ts-morph separates blocks', () => {
    const printed = printModule([
      { kind: 'interface', name: 'A', properties: [{ name: 'a', type: 'string' }] },
      { kind: 'typeAlias', name: 'B', type: 'A' },
      { kind: 'const', name: 'c', initializer: '1' },
    ]);
    expect(printed).toBe('interface A {\n  a: string;\n}\n\ntype B = A;\nconst c = 1;\n');
  });
});
