/**
 * Finds the files of a spec: `<dir>/openapi.yaml|yml|json` plus `<dir>/overlays/*.yaml|yml|json`
 * in file-name order, or a single OpenAPI file (which brings no overlays of its own).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { toDisplayPath } from './display-path.js';
import type { LoadContext } from './load-context.js';

export const SPEC_FILE_NAMES = ['openapi.yaml', 'openapi.yml', 'openapi.json'] as const;
const OVERLAY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface SpecLayout {
  /** Absolute path of the OpenAPI document. */
  readonly specPath: string;
  /** Absolute path of the folder provenance paths are relative to. */
  readonly specDir: string;
  /** Absolute paths of the folder's own overlays, sorted by file name. */
  readonly overlayPaths: readonly string[];
}

export async function readSpecFolder(
  absolutePath: string,
  context: LoadContext,
): Promise<SpecLayout | undefined> {
  const display = toDisplayPath(absolutePath, context.cwd);
  const source = { file: display, pointer: '', line: 1, column: 1 };
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(absolutePath)).isDirectory();
  } catch {
    context.report({ code: 'MCPGEN_FILE_NOT_FOUND', source, message: `${display} does not exist` });
    return undefined;
  }
  if (!isDirectory) return { specPath: absolutePath, specDir: path.dirname(absolutePath), overlayPaths: [] };

  let entries: string[];
  try {
    entries = await readdir(absolutePath);
  } catch (error) {
    context.report({
      code: 'MCPGEN_FILE_UNREADABLE',
      source,
      message: `Cannot list ${display}: ${String(error)}`,
    });
    return undefined;
  }
  const specName = SPEC_FILE_NAMES.find((name) => entries.includes(name));
  if (!specName) {
    const candidates = entries
      .filter((name) => OVERLAY_EXTENSIONS.has(path.extname(name).toLowerCase()))
      .sort();
    const found = candidates.length > 0 ? ` (found ${candidates.join(', ')})` : '';
    context.report({
      code: 'MCPGEN_FILE_NOT_FOUND',
      source,
      message: `${display} has no ${SPEC_FILE_NAMES.join(', ')}${found}`,
      ...(candidates.length > 0
        ? { fix: `Rename the OpenAPI document to openapi.yaml (or .yml/.json), or pass the file itself.` }
        : {}),
    });
    return undefined;
  }
  const overlayDir = path.join(absolutePath, 'overlays');
  const overlayPaths = await listOverlayFiles(overlayDir, context);
  if (!overlayPaths) return undefined;
  return { specPath: path.join(absolutePath, specName), specDir: absolutePath, overlayPaths };
}

async function listOverlayFiles(overlayDir: string, context: LoadContext): Promise<string[] | undefined> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(overlayDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    const display = toDisplayPath(overlayDir, context.cwd);
    context.report({
      code: 'MCPGEN_FILE_UNREADABLE',
      source: { file: display, pointer: '', line: 1, column: 1 },
      message: `Cannot list ${display}: ${String(error)}`,
    });
    return undefined;
  }
  return entries
    .filter((entry) => entry.isFile() && OVERLAY_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
    .map((entry) => entry.name)
    .sort(compareFileNames)
    .map((name) => path.join(overlayDir, name));
}

/** Code-point order, not locale order: `10-a` before `9-b` the same on every machine. */
function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
