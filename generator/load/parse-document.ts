/**
 * Parses a file's text with every node's position registered in the source map, and reports
 * parse errors (nothing usable: undefined) and duplicate keys (the last one wins).
 */
import path from 'node:path';
import type { LoadContext } from './load-context.js';
import { type ParsedText, parseJsonText } from './parse-json.js';
import { parseYamlText } from './parse-yaml.js';

/** Enough to fix a file in one pass without flooding the output when it is not YAML at all. */
const MAX_PARSE_ERRORS = 5;

export interface ParsedDocument {
  readonly fileId: number;
  readonly value: unknown;
}

export function parseDocumentText(
  text: string,
  origin: { readonly file: string; readonly absolutePath: string },
  context: Pick<LoadContext, 'sourceMap' | 'report'>,
): ParsedDocument | undefined {
  const { file, absolutePath } = origin;
  const fileId = context.sourceMap.addFile(file, text);
  const parsed = parseText(text, absolutePath, fileId, context);
  for (const duplicate of parsed.duplicates) {
    const first = context.sourceMap.describe(context.sourceMap.position(fileId, duplicate.firstOffset));
    const here = context.sourceMap.describe(context.sourceMap.position(fileId, duplicate.offset));
    context.report({
      code: 'MCPGEN_DUPLICATE_KEY',
      source: { file, pointer: duplicate.pointer, line: here?.line ?? 1, column: here?.column ?? 1 },
      message: `Duplicate key '${duplicate.key}' (first at line ${first?.line ?? '?'}); the last one wins`,
    });
  }
  if (parsed.errors.length > 0) {
    for (const error of parsed.errors.slice(0, MAX_PARSE_ERRORS)) {
      const where = context.sourceMap.describe(context.sourceMap.position(fileId, error.offset));
      context.report({
        code: 'MCPGEN_PARSE_ERROR',
        source: { file, pointer: '', line: where?.line ?? 1, column: where?.column ?? 1 },
        message: error.message,
      });
    }
    return undefined;
  }
  return { fileId, value: parsed.value };
}

/** JSON files take the fast JSON scanner; anything else, or JSON that is really YAML, takes `yaml`. */
function parseText(
  text: string,
  absolutePath: string,
  fileId: number,
  context: Pick<LoadContext, 'sourceMap'>,
): ParsedText {
  if (path.extname(absolutePath).toLowerCase() === '.json') {
    return parseJsonText(text, fileId, context.sourceMap);
  }
  if (/^\s*[{[]/.test(text.slice(0, 256))) {
    const parsed = parseJsonText(text, fileId, context.sourceMap);
    if (parsed.errors.length === 0) return parsed;
  }
  return parseYamlText(text, fileId, context.sourceMap);
}
