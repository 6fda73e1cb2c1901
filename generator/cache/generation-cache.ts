/**
 * The generation cache, in memory: operation key -> its ToolIR and the diagnostics
 * building it reported; tool module key -> the module's text. One instance lives as
 * long as the process (across `--watch` runs); `dir` mirrors it on disk
 * (read-cache-entries.ts, write-cache-entries.ts) so the next process starts warm.
 */
import type { DiagnosticInput } from '../diagnostics/diagnostic.js';
import type { ToolIR } from '../ir/types.js';
import { createLoadMemo, type LoadMemo } from '../load/load-memo.js';
import { createKeyMemo, type KeyMemo } from './hash-cache-keys.js';

export interface CachedOperation {
  readonly tool: ToolIR;
  readonly diagnostics: readonly DiagnosticInput[];
  /** hashPrintedTool(tool), so a reused ToolIR is not serialized again to find its module. */
  readonly printedHash: string;
}

/** Which module each generated tool file holds: module texts live in the output folder itself. */
export interface ModuleIndex {
  readonly outDir: string;
  readonly files: { readonly [path: string]: { readonly key: string; readonly sha256: string } };
}

export interface GenerationCache {
  /** Folder of the on-disk copy; undefined keeps the cache in memory only. */
  readonly dir: string | undefined;
  readonly operations: Map<string, CachedOperation>;
  readonly modules: Map<string, string>;
  /** What the on-disk copy holds, as far as this process has read or written it. */
  readonly disk: {
    /** Operation shard -> the keys in its file. */
    readonly shards: Map<string, ReadonlySet<string>>;
    moduleIndex?: ModuleIndex;
  };
  /** The previous load of the spec, so a save re-parses and re-checks only what it changed (load-spec.ts). */
  readonly load: LoadMemo;
  /** Texts, hashes and refs of document nodes by identity (hash-cache-keys.ts): the nodes a save did not change are the same objects. */
  readonly keys: KeyMemo;
  /** What the tool files of the output folder hold, as this process wrote them (track-module-files.ts). */
  moduleFiles?: {
    readonly outDir: string;
    readonly files: ReadonlyMap<
      string,
      { readonly key: string; readonly size: number; readonly mtimeMs: number }
    >;
  };
}

/** What one run took from the cache and what it added; the rest is pruned after the run. */
export interface CacheRun {
  readonly usedOperations: Set<string>;
  readonly createdOperations: Set<string>;
  readonly usedModules: Set<string>;
  readonly createdModules: Set<string>;
}

export function createGenerationCache(dir?: string): GenerationCache {
  return {
    dir,
    operations: new Map(),
    modules: new Map(),
    disk: { shards: new Map() },
    load: createLoadMemo(),
    keys: createKeyMemo(),
  };
}

export function startCacheRun(): CacheRun {
  return {
    usedOperations: new Set(),
    createdOperations: new Set(),
    usedModules: new Set(),
    createdModules: new Set(),
  };
}

/** Looks up a module's text and records the use; undefined on a miss. */
export function reuseModule(cache: GenerationCache, run: CacheRun, key: string): string | undefined {
  const text = cache.modules.get(key);
  if (text !== undefined) run.usedModules.add(key);
  return text;
}

export function storeModule(cache: GenerationCache, run: CacheRun, key: string, text: string): void {
  cache.modules.set(key, text);
  run.usedModules.add(key);
  run.createdModules.add(key);
}

/** Keeps in memory only what this run used, so a long `--watch` session does not grow. */
export function retainUsedEntries(cache: GenerationCache, run: CacheRun): void {
  for (const key of cache.operations.keys()) if (!run.usedOperations.has(key)) cache.operations.delete(key);
  for (const key of cache.modules.keys()) if (!run.usedModules.has(key)) cache.modules.delete(key);
}

/** Operation entries are kept in 16 files by the key's first hex digit: a change rewrites one or two. */
export function shardOf(key: string): string {
  return key.charAt(0);
}
