/**
 * Type-checks a set of files in ONE TypeScript program with the repository's compiler options.
 * Run as a child process by corpus.test.ts (`node --import tsx typecheck-files.ts <list.json>`),
 * so the checker's few gigabytes of heap and its minute of CPU stay out of the test worker and
 * overlap with the MCP checks. Prints one JSON object: the problems found, per file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export interface TypeProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
}

export interface TypecheckReport {
  readonly files: number;
  readonly ms: number;
  readonly problems: readonly TypeProblem[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function typecheckFiles(files: readonly string[]): TypecheckReport {
  const started = performance.now();
  const configPath = path.join(repoRoot, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const program = ts.createProgram({
    rootNames: [...files, path.join(repoRoot, 'runtime/define-tool.ts')],
    options: { ...parsed.options, noEmit: true },
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d): TypeProblem => {
    const start = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return {
      file: d.file?.fileName ?? '',
      line: (start?.line ?? 0) + 1,
      column: (start?.character ?? 0) + 1,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  });
  return { files: files.length, ms: Math.round(performance.now() - started), problems };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const list = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as string[];
  process.stdout.write(`${JSON.stringify(typecheckFiles(list))}\n`);
}
