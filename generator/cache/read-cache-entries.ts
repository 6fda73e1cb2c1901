/**
 * Fills the in-memory generation cache from its folder, for the keys a run will ask
 * for. A missing or unreadable entry is a miss, never an error: the cache only
 * ever saves time.
 *
 * Layout of `<dir>`: `operations/<0-f>.json` (operation key -> CachedOperation, sharded by
 * the key's first digit) and `modules.json` (the ModuleIndex: which module key and text hash
 * each tool file of the output folder holds; the text is read from the output folder).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CachedOperation, type GenerationCache, type ModuleIndex, shardOf } from './generation-cache.js';

export const OPERATIONS_FOLDER = 'operations';
export const MODULE_INDEX_FILE = 'modules.json';

export async function readCachedOperations(cache: GenerationCache, keys: Iterable<string>): Promise<void> {
  const { dir } = cache;
  if (!dir) return;
  const shards = new Set<string>();
  for (const key of keys) if (!cache.operations.has(key)) shards.add(shardOf(key));
  await Promise.all(
    [...shards]
      .filter((shard) => !cache.disk.shards.has(shard))
      .map(async (shard) => {
        const entries = await readJson<Record<string, CachedOperation>>(
          join(dir, OPERATIONS_FOLDER, `${shard}.json`),
        );
        const valid = Object.entries(entries ?? {}).filter(([, entry]) => isCachedOperation(entry));
        for (const [key, entry] of valid) if (!cache.operations.has(key)) cache.operations.set(key, entry);
        cache.disk.shards.set(shard, new Set(valid.map(([key]) => key)));
      }),
  );
}

/**
 * Module texts from the output folder, for tool files whose module key the index records
 * and whose bytes still hash to what was generated (a hand edit is a miss). Returns the
 * paths read: those files already hold what this run writes.
 */
export async function readCachedModules(
  cache: GenerationCache,
  outDir: string,
  wanted: readonly { readonly path: string; readonly key: string }[],
): Promise<Set<string>> {
  const read = new Set<string>();
  const { dir } = cache;
  if (!dir) return read;
  cache.disk.moduleIndex ??= await readJson<ModuleIndex>(join(dir, MODULE_INDEX_FILE));
  const index = cache.disk.moduleIndex;
  if (index?.outDir !== outDir || typeof index.files !== 'object') return read;
  // Synchronous reads: a thousand small files through the libuv pool took several times longer.
  for (const { path, key } of wanted) {
    const recorded = index.files[path];
    if (cache.modules.has(key) || recorded?.key !== key) continue;
    const text = readTextSync(join(outDir, path));
    if (text === undefined || hashModuleText(text) !== recorded.sha256) continue;
    cache.modules.set(key, text);
    read.add(path);
  }
  return read;
}

function readTextSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function hashModuleText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * `<cwd>/node_modules/.cache/spec2mcp/<api>`, where build tools keep their caches (and
 * which .gitignore already covers); undefined, so memory only, without a node_modules.
 */
export async function findCacheDir(cwd: string, apiId: string): Promise<string | undefined> {
  const modules = join(cwd, 'node_modules');
  const info = await stat(modules).catch(() => undefined);
  return info?.isDirectory() ? join(modules, '.cache', 'spec2mcp', apiId) : undefined;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function isCachedOperation(entry: unknown): entry is CachedOperation {
  const e = entry as Partial<CachedOperation> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.tool === 'object' &&
    Array.isArray(e.diagnostics) &&
    typeof e.printedHash === 'string'
  );
}
