/**
 * Reads one YAML or JSON file: size limit, sha256 of the raw bytes, UTF-8 decoding; then
 * parse-document.ts parses it with positions. With read-spec-folder.ts, the only load files that
 * touch the disk.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { toDisplayPath } from './display-path.js';
import type { LoadContext } from './load-context.js';
import { parseDocumentText } from './parse-document.js';

export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export interface ReadDocument {
  /** Display path, relative to cwd, posix separators. */
  readonly file: string;
  readonly absolutePath: string;
  readonly sha256: string;
  readonly fileId: number;
  readonly value: unknown;
  /** The decoded text (what `--watch` compares the next save with). */
  readonly text: string;
}

/** A file's text before parsing (watch compares it with the previous one). */
export interface ReadText {
  readonly file: string;
  readonly absolutePath: string;
  readonly sha256: string;
  readonly text: string;
}

export async function readDocument(
  absolutePath: string,
  context: LoadContext,
): Promise<ReadDocument | undefined> {
  const read = await readDocumentText(absolutePath, context);
  if (!read) return undefined;
  const { file, sha256, text } = read;
  const parsed = parseDocumentText(text, { file, absolutePath }, context);
  return parsed ? { file, absolutePath, sha256, text, ...parsed } : undefined;
}

export async function readDocumentText(
  absolutePath: string,
  context: Pick<LoadContext, 'cwd' | 'maxBytes' | 'report'>,
): Promise<ReadText | undefined> {
  const file = toDisplayPath(absolutePath, context.cwd);
  const at = { file, pointer: '', line: 1, column: 1 };
  let bytes: Buffer;
  try {
    const info = await stat(absolutePath);
    if (info.isDirectory()) {
      context.report({
        code: 'MCPGEN_FILE_UNREADABLE',
        source: at,
        message: `${file} is a folder, not a file`,
      });
      return undefined;
    }
    if (info.size > context.maxBytes) {
      context.report({
        code: 'MCPGEN_FILE_TOO_LARGE',
        source: at,
        message: `${file} is ${formatBytes(info.size)}, over the ${formatBytes(context.maxBytes)} limit`,
      });
      return undefined;
    }
    bytes = await readFile(absolutePath);
  } catch (error) {
    reportReadError(error, file, context);
    return undefined;
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const text = decodeText(bytes);
  if (text === undefined) {
    context.report({
      code: 'MCPGEN_PARSE_ERROR',
      source: at,
      message: `${file} is not UTF-8 text`,
      fix: 'Save the file as UTF-8 (without a UTF-16 byte order mark).',
    });
    return undefined;
  }
  return { file, absolutePath, sha256, text };
}

function decodeText(bytes: Buffer): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return undefined;
  try {
    // The BOM is dropped so columns match what an editor shows.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

function reportReadError(error: unknown, file: string, context: Pick<LoadContext, 'report'>): void {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const source = { file, pointer: '', line: 1, column: 1 };
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    context.report({ code: 'MCPGEN_FILE_NOT_FOUND', source, message: `${file} does not exist` });
  } else {
    const reason = error instanceof Error ? error.message : String(error);
    context.report({ code: 'MCPGEN_FILE_UNREADABLE', source, message: `Cannot read ${file}: ${reason}` });
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
}
