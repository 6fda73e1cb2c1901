/**
 * Module text from statement structures, written with ts-morph's own writer (code-block-writer)
 * in the calls ts-morph's `printStructure` makes for these kinds, so the text is the same byte
 * for byte (test/emit/print-module.test.ts holds them side by side). Printing through ts-morph
 * itself loads the whole TypeScript compiler (half a second per process) and spends most of its
 * time in generic printer machinery; a generation prints a thousand modules of four statement kinds.
 */
import CodeBlockWriter from 'code-block-writer';

/** The shapes of ts-morph's structures of the same names, for the fields tool modules use. */
export interface ImportStatement {
  readonly kind: 'import';
  readonly namedImports: readonly string[];
  readonly moduleSpecifier: string;
}

export interface TypeAliasStatement {
  readonly kind: 'typeAlias';
  readonly isExported?: boolean;
  readonly name: string;
  readonly docs?: readonly string[];
  readonly type: string;
}

export interface PropertySignature {
  readonly name: string;
  readonly hasQuestionToken?: boolean;
  readonly type: string;
  readonly docs?: readonly string[];
}

export interface IndexSignature {
  readonly keyName: string;
  readonly keyType: string;
  readonly returnType: string;
}

export interface InterfaceStatement {
  readonly kind: 'interface';
  readonly isExported?: boolean;
  readonly name: string;
  readonly docs?: readonly string[];
  readonly properties: readonly PropertySignature[];
  readonly indexSignatures?: readonly IndexSignature[];
}

export interface ConstStatement {
  readonly kind: 'const';
  readonly isExported?: boolean;
  readonly docs?: readonly string[];
  readonly name: string;
  readonly initializer: string;
}

export type ModuleStatement = ImportStatement | TypeAliasStatement | InterfaceStatement | ConstStatement;

/** Two-space indents, LF, single quotes: the settings every generated file shares. */
const WRITER_OPTIONS = { indentNumberOfSpaces: 2, newLine: '\n', useSingleQuote: true } as const;
const CLOSE_BRACE = '}'.charCodeAt(0);

/**
 * The writer looks at every character it is given; type texts (one line each, their string
 * literals closed) come out of it unchanged, so it is given a short mark for each and the
 * marks are replaced afterwards. Output types of large APIs run to kilobytes per module.
 */
const MARK = '\u0000';

export function printModule(statements: readonly ModuleStatement[]): string {
  const writer = new CodeBlockWriter(WRITER_OPTIONS);
  const types: string[] = [];
  // Marks only when no doc (spec text, any character) could be mistaken for one; type texts
  // print control characters escaped.
  const marked = !statements.some(
    (s) =>
      s.kind !== 'import' &&
      (hasMarkCharacter(s.docs) ||
        (s.kind === 'interface' && s.properties.some((p) => hasMarkCharacter(p.docs)))),
  );
  const type: TypeText = (text) => {
    if (!marked || text.includes('\n')) return text;
    types.push(text);
    return `${MARK}${types.length - 1}${MARK}`;
  };
  for (const statement of statements) {
    // ts-morph's statement separator: a blank line after a block, else a new line.
    if (endsWithCloseBrace(writer)) writer.blankLineIfLastNot();
    else if (!writer.isAtStartOfFirstLineOfBlock()) writer.newLineIfLastNot();
    writeStatement(writer, statement, type);
  }
  writer.conditionalNewLine(!writer.isAtStartOfFirstLineOfBlock() && !writer.isLastNewLine());
  const text = writer.toString();
  if (types.length === 0) return text;
  // `text MARK index MARK text ...`: every odd part is a type's index.
  return text
    .split(MARK)
    .map((part, i) => (i % 2 === 1 ? types[Number(part)]! : part))
    .join('');
}

type TypeText = (text: string) => string;

function hasMarkCharacter(docs: readonly string[] | undefined): boolean {
  return docs?.some((doc) => doc.includes(MARK)) ?? false;
}

function writeStatement(writer: CodeBlockWriter, statement: ModuleStatement, type: TypeText): void {
  writer.closeComment();
  switch (statement.kind) {
    case 'import':
      writer.write('import');
      if (statement.namedImports.length > 0) writer.write(` { ${statement.namedImports.join(', ')} } from`);
      writer.write(' ').quote(statement.moduleSpecifier).write(';');
      return;
    case 'typeAlias':
      writeDocs(writer, statement.docs);
      writeExport(writer, statement.isExported);
      writer.write(`type ${statement.name}`);
      writer.hangingIndent(() => writer.write(` = ${type(statement.type)}`));
      writer.write(';');
      return;
    case 'interface':
      if (!writer.isAtStartOfFirstLineOfBlock()) writer.blankLineIfLastNot();
      writeDocs(writer, statement.docs);
      writeExport(writer, statement.isExported);
      writer.write(`interface ${statement.name}`).space();
      writer.inlineBlock(() => writeMembers(writer, statement, type));
      return;
    case 'const':
      writeDocs(writer, statement.docs);
      writer.hangingIndent(() => {
        writeExport(writer, statement.isExported);
        writer.write(`const ${statement.name}`);
        writer.hangingIndent(() => writer.spaceIfLastNot().write(`= ${statement.initializer}`));
        writer.write(';');
      });
      return;
  }
}

function writeMembers(writer: CodeBlockWriter, statement: InterfaceStatement, type: TypeText): void {
  const indexSignatures = statement.indexSignatures ?? [];
  indexSignatures.forEach((signature, i) => {
    if (i === 0) separateMembers(writer);
    writer.conditionalNewLine(i > 0).closeComment();
    writer.write(`[${signature.keyName}: ${signature.keyType}]`);
    writer.hangingIndent(() => writer.write(`: ${type(signature.returnType)}`));
    writer.write(';');
  });
  statement.properties.forEach((property, i) => {
    if (i === 0) separateMembers(writer);
    writer.conditionalNewLine(i > 0).closeComment();
    writeDocs(writer, property.docs);
    writer.write(property.name).conditionalWrite(property.hasQuestionToken, '?');
    writer.hangingIndent(() => writer.write(`: ${type(property.type)}`));
    writer.write(';');
  });
}

function separateMembers(writer: CodeBlockWriter): void {
  if (!writer.isAtStartOfFirstLineOfBlock()) writer.newLine();
}

function writeExport(writer: CodeBlockWriter, isExported: boolean | undefined): void {
  if (isExported) writer.write('export ');
}

/** JSDoc blocks as ts-morph writes them: one line stays `/** text *\/`, more get a ` *` per line. */
function writeDocs(writer: CodeBlockWriter, docs: readonly string[] | undefined): void {
  for (const doc of docs ?? []) {
    writer.closeComment();
    const lines = doc.split(/\r?\n/);
    const start = lines[0]!.length === 0 ? 1 : 0;
    writer.write('/**');
    if (lines.length <= 1) {
      writer.space().write(lines[start] ?? '');
    } else {
      writer.newLine();
      for (let i = start; i < lines.length; i++) {
        writer.write(' *');
        if (lines[i]!.length > 0) writer.write(` ${lines[i]}`);
        writer.newLine();
      }
    }
    writer.spaceIfLastNot().write('*/');
    writer.newLine();
  }
}

function endsWithCloseBrace(writer: CodeBlockWriter): boolean {
  return (
    writer.iterateLastCharCodes((code) => {
      if (code === CLOSE_BRACE) return true;
      // ts-morph's whitespace test: space, tab, CR, LF.
      if (code === 32 || code === 9 || code === 13 || code === 10) return undefined;
      return false;
    }) ?? false
  );
}
