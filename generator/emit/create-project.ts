/** One in-memory ts-morph project per run, with the formatting every generated file shares. */
import { IndentationText, NewLineKind, Project, QuoteKind } from 'ts-morph';

export function createEmitProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipFileDependencyResolution: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      newLineKind: NewLineKind.LineFeed,
      quoteKind: QuoteKind.Single,
      useTrailingCommas: true,
    },
  });
}
