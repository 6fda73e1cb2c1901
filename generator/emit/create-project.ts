/**
 * The formatting every generated file shares, and the printer that turns ts-morph
 * structures into file text. Files are printed straight from their structures
 * (`printStructure`): creating a source file would parse every printed file back
 * into a TypeScript AST, which cost more than all the rest of emit on large APIs.
 */
import { printStructure, type StatementStructures, StructureKind } from 'ts-morph';

export interface EmitProject {
  /** One file's text from its statements, as one batch. */
  printFile(statements: readonly StatementStructures[]): string;
}

/** Two-space indents, LF, single quotes: what a project's source file with these settings prints. */
const PRINT_OPTIONS = { indentNumberOfSpaces: 2, newLine: '\n', useSingleQuote: true } as const;

export function createEmitProject(): EmitProject {
  return {
    printFile: (statements) =>
      printStructure({ kind: StructureKind.SourceFile, statements: [...statements] }, PRINT_OPTIONS),
  };
}
