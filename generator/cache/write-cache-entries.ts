/**
 * Mirrors one run's cache on disk: rewrites the operation shards whose set of used
 * entries changed (dropping what the run did not use, so the folder holds one
 * generation's worth) and the module index when a tool file's module changed. Each
 * file is written to a temporary name and renamed, so a concurrent reader sees a whole
 * file or the previous one.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CacheRun, type GenerationCache, type ModuleIndex, shardOf } from './generation-cache.js';
import { hashModuleText, MODULE_INDEX_FILE, OPERATIONS_FOLDER } from './read-cache-entries.js';

const SHARDS = [...'0123456789abcdef'];

export interface WrittenModule {
  /** Path in the output folder, e.g. `tools/get_workspace.ts`. */
  readonly path: string;
  readonly key: string;
  readonly text: string;
}

export async function writeCacheEntries(
  cache: GenerationCache,
  run: CacheRun,
  output: { readonly outDir: string; readonly modules: readonly WrittenModule[] },
): Promise<void> {
  const { dir } = cache;
  if (!dir) return;
  await mkdir(join(dir, OPERATIONS_FOLDER), { recursive: true });
  await Promise.all(SHARDS.map((shard) => writeShard(cache, run, shard)));
  await writeModuleIndex(cache, output);
}

async function writeShard(cache: GenerationCache, run: CacheRun, shard: string): Promise<void> {
  const used = [...run.usedOperations].filter((key) => shardOf(key) === shard && cache.operations.has(key));
  const onDisk = cache.disk.shards.get(shard);
  if (onDisk && onDisk.size === used.length && used.every((key) => onDisk.has(key))) return;
  const file = join(cache.dir!, OPERATIONS_FOLDER, `${shard}.json`);
  if (used.length === 0) {
    await rm(file, { force: true });
  } else {
    const entries = Object.fromEntries(used.sort().map((key) => [key, cache.operations.get(key)]));
    await writeAtomically(file, JSON.stringify(entries));
  }
  cache.disk.shards.set(shard, new Set(used));
}

async function writeModuleIndex(
  cache: GenerationCache,
  output: { readonly outDir: string; readonly modules: readonly WrittenModule[] },
): Promise<void> {
  const previous = cache.disk.moduleIndex?.outDir === output.outDir ? cache.disk.moduleIndex.files : {};
  let changed = Object.keys(previous).length !== output.modules.length;
  const files: Record<string, { key: string; sha256: string }> = {};
  for (const { path, key, text } of output.modules) {
    const before = previous[path];
    // The same module key means the same emitted text, so its recorded hash still holds.
    if (before?.key === key) files[path] = before;
    else {
      files[path] = { key, sha256: hashModuleText(text) };
      changed = true;
    }
  }
  if (!changed) return;
  const index: ModuleIndex = { outDir: output.outDir, files };
  await writeAtomically(join(cache.dir!, MODULE_INDEX_FILE), JSON.stringify(index));
  cache.disk.moduleIndex = index;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, file);
}
