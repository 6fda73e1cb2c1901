/**
 * Which module each tool file in the output folder holds, as this process last wrote or
 * verified it, with the file's size and mtime then. A `--watch` run trusts a file whose module
 * key, size and mtime are unchanged without reading it (a thousand reads cost more than the
 * rest of an incremental run); a hand edit changes the mtime, so the file is compared again.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerationCache } from './generation-cache.js';

export interface ModuleFile {
  /** Path in the output folder, e.g. `tools/get_workspace.ts`. */
  readonly path: string;
  readonly key: string;
}

/** The files of `wanted` that still hold the module their key names. */
export function findUnchangedModuleFiles(
  cache: GenerationCache,
  outDir: string,
  wanted: readonly ModuleFile[],
): Set<string> {
  const unchanged = new Set<string>();
  const record = cache.moduleFiles;
  if (record?.outDir !== outDir) return unchanged;
  for (const { path, key } of wanted) {
    const known = record.files.get(path);
    if (known?.key !== key) continue;
    const info = statSync(join(outDir, path), { throwIfNoEntry: false });
    if (info?.size === known.size && info.mtimeMs === known.mtimeMs) unchanged.add(path);
  }
  return unchanged;
}

/** After a write: what each tool file now holds. Files found unchanged keep their record; the rest are stat-ed. */
export function recordModuleFiles(
  cache: GenerationCache,
  outDir: string,
  modules: readonly ModuleFile[],
  unchanged: ReadonlySet<string>,
): void {
  const previous = cache.moduleFiles?.outDir === outDir ? cache.moduleFiles.files : undefined;
  const files = new Map<string, { key: string; size: number; mtimeMs: number }>();
  for (const { path, key } of modules) {
    const known = previous?.get(path);
    if (known?.key === key && unchanged.has(path)) {
      files.set(path, known);
      continue;
    }
    const info = statSync(join(outDir, path), { throwIfNoEntry: false });
    if (info) files.set(path, { key, size: info.size, mtimeMs: info.mtimeMs });
  }
  cache.moduleFiles = { outDir, files };
}
