/**
 * The pipeline: load -> IR -> emit -> write. The only place the stages meet;
 * each stage stays pure and testable on its own. The generation cache (generator/cache)
 * wraps two of them: an unchanged operation's ToolIR is not built again, and an
 * unchanged ToolIR's module is not emitted again.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CacheRun,
  createGenerationCache,
  type GenerationCache,
  retainUsedEntries,
  reuseModule,
  startCacheRun,
  storeModule,
} from './cache/generation-cache.js';
import { hashOperations, hashPrintedTool, hashToolModule, stringifyForKey } from './cache/hash-cache-keys.js';
import { memoizeToolIR } from './cache/memoize-tool-ir.js';
import { findCacheDir, readCachedModules, readCachedOperations } from './cache/read-cache-entries.js';
import { readGeneratorFingerprint } from './cache/read-generator-fingerprint.js';
import { findUnchangedModuleFiles, type ModuleFile, recordModuleFiles } from './cache/track-module-files.js';
import { type WrittenModule, writeCacheEntries } from './cache/write-cache-entries.js';
import { deriveApiId } from './derive-api-id.js';
import { createDiagnosticSink, type Diagnostic, type DiagnosticSink } from './diagnostics/diagnostic.js';
import {
  type EmitApiOptions,
  type EmittedFiles,
  emitApi,
  toolHeader,
  toolModulePath,
} from './emit/emit-api.js';
import { type BuildApiOptions, buildApiIR, type SpecInput } from './ir/build-api-ir.js';
import type { ApiIR, ToolIR } from './ir/types.js';
import { type LoadedSpec, loadSpec } from './load/load-spec.js';
import { readPreviousNames, rememberWrittenNames } from './load/read-previous-manifest.js';
import { planWrite, type WritePlan, writeFiles } from './write/write-files.js';

export interface GenerateOptions {
  /** Spec folder (openapi.yaml + overlays/) or a single OpenAPI file. */
  readonly specPath: string;
  /** Default: generated/<api id> under `cwd`. */
  readonly outDir?: string;
  readonly overlays?: readonly string[];
  readonly strict?: boolean;
  readonly allowExternalRefs?: boolean;
  readonly cwd?: string;
  /** Compare only; write nothing (neither the output nor the cache). */
  readonly dryRun?: boolean;
  /**
   * The generation cache: one to share across runs (`--watch`), or false for none.
   * Default: a fresh one mirrored in `<cwd>/node_modules/.cache/spec2mcp/<api>`.
   */
  readonly cache?: GenerationCache | false;
  readonly onProgress?: (progress: GenerateProgress) => void;
}

export type GenerateStage = 'load' | 'build' | 'emit' | 'write';

export interface GenerateProgress {
  readonly stage: GenerateStage;
  /** Operations built or tool modules emitted so far, when the stage counts. */
  readonly done?: number;
  readonly total?: number;
}

/** Milliseconds per stage; `build` is the IR, `write` includes comparing with what is on disk. */
export type StageTimings = Readonly<Record<GenerateStage | 'total', number>>;

/** How much of the run the cache saved. */
export interface ReuseCounts {
  readonly operations: { readonly reused: number; readonly built: number };
  readonly modules: { readonly reused: number; readonly emitted: number };
}

export interface GenerateResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly api?: ApiIR;
  readonly files?: EmittedFiles;
  readonly outDir?: string;
  readonly plan?: WritePlan;
  readonly timings: StageTimings;
  readonly reuse: ReuseCounts;
  /**
   * Set when the cache's memo of the previous load let this run parse only what a save changed
   * (`--watch`): the pointer of the value parsed again, '' when the text was unchanged.
   */
  readonly reparsed?: string;
}

export { deriveApiId };

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const cwd = options.cwd ?? process.cwd();
  const specPath = resolve(cwd, options.specPath);
  const id = deriveApiId(specPath);
  const outDir = resolve(cwd, options.outDir ?? join('generated', id));
  const sink = createDiagnosticSink({ strict: options.strict ?? false });
  const clock = startClock();
  const progress = options.onProgress ?? (() => {});
  const reuse = { operations: { reused: 0, built: 0 }, modules: { reused: 0, emitted: 0 } };
  let reparsed: string | undefined;
  const finish = (result: Omit<GenerateResult, 'diagnostics' | 'timings' | 'reuse'>): GenerateResult => ({
    ...result,
    diagnostics: sink.diagnostics,
    timings: clock.timings(),
    reuse,
    ...(reparsed !== undefined ? { reparsed } : {}),
  });

  const cache =
    options.cache === false
      ? undefined
      : (options.cache ?? createGenerationCache(await findCacheDir(cwd, id)));
  progress({ stage: 'load' });
  const spec = await loadSpec(
    {
      path: specPath,
      cwd,
      ...(options.overlays ? { overlays: options.overlays.map((o) => resolve(cwd, o)) } : {}),
      ...(options.strict !== undefined ? { strict: options.strict } : {}),
      ...(options.allowExternalRefs !== undefined ? { allowExternalRefs: options.allowExternalRefs } : {}),
    },
    sink,
    cache?.load,
  );
  clock.lap('load');
  reparsed = spec?.reparsed;
  if (!spec) return finish({ ok: false });

  progress({ stage: 'build' });
  // Everything the IR is built from besides the document; all of it is part of the cache keys.
  const irOptions: BuildApiOptions = { id, generatorVersion: await readGeneratorVersion() };
  // Names are settled after the per-operation build (build-api-ir.ts), so the lock is no cache key.
  const naming = { strict: options.strict ?? false, previousNames: await readPreviousNames(outDir) };
  const run = startCacheRun();
  const fingerprint = cache ? await readGeneratorFingerprint() : '';
  const built = cache
    ? await buildCachedApiIR({
        spec,
        irOptions,
        naming,
        cache,
        run,
        sink,
        progress,
        reuse,
        strict: options.strict ?? false,
        fingerprint,
      })
    : buildCountedApiIR(spec, { ...irOptions, ...naming }, sink, progress);
  const { api } = built;
  clock.lap('build');
  // Nothing is written when any stage reported an error: a half-written generated/ is worse than a stale one.
  if (sink.hasErrors()) return finish({ ok: false, api });

  progress({ stage: 'emit', done: 0, total: api.tools.length });
  const modules = cache
    ? await openModuleCache({
        api,
        outDir,
        cache,
        run,
        fingerprint,
        reuse,
        printedHashOf: built.printedHashOf,
      })
    : undefined;
  const files = await emitApi(api, {
    ...(modules ? { modules } : {}),
    onTool: (done, total) => progress({ stage: 'emit', done, total }),
  });
  clock.lap('emit');

  progress({ stage: 'write' });
  const current = { current: modules?.current ?? new Set<string>() };
  // The cache is written beside the output rather than after it: both are mostly waiting on
  // the disk. Its module index is safe to land first: a module is reused only when the file
  // on disk hashes to what the index records.
  const cacheWritten =
    cache && modules && !options.dryRun
      ? writeCacheEntries(cache, run, { outDir, modules: modules.written(files) }).then(
          () => undefined,
          // Held, not left unhandled, while the output is written; thrown after it.
          (error: unknown) => ({ error }),
        )
      : undefined;
  const plan = options.dryRun
    ? await planWrite(outDir, files, current)
    : await writeFiles(outDir, files, {
        ...current,
        // The stamp lets `check` answer from the disk alone (generator/write/build-stamp.ts).
        stamp: {
          api,
          strict: options.strict ?? false,
          allowExternalRefs: options.allowExternalRefs ?? false,
        },
      });
  const cacheFailure = await cacheWritten;
  if (cacheFailure) throw cacheFailure.error;
  if (cache && modules && !options.dryRun) recordModuleFiles(cache, outDir, modules.files, modules.current);
  if (!options.dryRun) await rememberWrittenNames(outDir, api.tools);
  if (cache && modules) retainUsedEntries(cache, run);
  clock.lap('write');
  return finish({ ok: true, api, files, outDir, plan });
}

interface CachedBuildInput {
  readonly spec: LoadedSpec;
  readonly irOptions: BuildApiOptions;
  readonly naming: Pick<BuildApiOptions, 'strict' | 'previousNames'>;
  readonly cache: GenerationCache;
  readonly run: CacheRun;
  readonly sink: DiagnosticSink;
  readonly progress: (progress: GenerateProgress) => void;
  readonly reuse: { operations: { reused: number; built: number } };
  readonly strict: boolean;
  readonly fingerprint: string;
}

/** buildApiIR without a cache, counting operations for the progress line. */
function buildCountedApiIR(
  spec: LoadedSpec,
  irOptions: BuildApiOptions,
  sink: DiagnosticSink,
  progress: (progress: GenerateProgress) => void,
): { api: ApiIR; printedHashOf: (tool: ToolIR) => string } {
  const total = listOperations(spec.document).length;
  let done = 0;
  const memoizeTool: BuildApiOptions['memoizeTool'] = (_op, build) => {
    const tool = build();
    progress({ stage: 'build', done: ++done, total });
    return tool;
  };
  return {
    api: buildApiIR(toSpecInput(spec), { ...irOptions, memoizeTool }, sink),
    printedHashOf: hashPrintedTool,
  };
}

/** buildApiIR, reusing the ToolIR of every operation whose path item and shared parts did not change. */
async function buildCachedApiIR(
  input: CachedBuildInput,
): Promise<{ api: ApiIR; printedHashOf: (tool: ToolIR) => string }> {
  const { spec, cache, run, reuse, progress } = input;
  const context = stringifyForKey({
    fingerprint: input.fingerprint,
    version: spec.version,
    strict: input.strict,
    irOptions: input.irOptions,
  });
  const keyOf = hashOperations(spec.document, context, cache.keys);
  const operations = listOperations(spec.document);
  await readCachedOperations(
    cache,
    operations.map((op) => keyOf(op.path, op.method)),
  );
  let done = 0;
  const memo = memoizeToolIR({
    cache,
    run,
    keyOf,
    locate: (pointer) => spec.locate(pointer),
    sink: input.sink,
    onOperation: (built) => {
      if (built) reuse.operations.built++;
      else reuse.operations.reused++;
      progress({ stage: 'build', done: ++done, total: operations.length });
    },
  });
  const api = buildApiIR(
    toSpecInput(spec),
    { ...input.irOptions, ...input.naming, memoizeTool: memo.memoizeTool },
    memo.sink,
  );
  return { api, printedHashOf: memo.printedHashOf };
}

interface ModuleCacheInput {
  readonly api: ApiIR;
  readonly outDir: string;
  readonly cache: GenerationCache;
  readonly run: CacheRun;
  readonly fingerprint: string;
  readonly reuse: { modules: { reused: number; emitted: number } };
  readonly printedHashOf: (tool: ToolIR) => string;
}

type ModuleCache = NonNullable<EmitApiOptions['modules']> & {
  /** Each tool file of the run with its module key, for the on-disk module index. */
  written(files: EmittedFiles): WrittenModule[];
  /** Tool files whose text was read from the output folder, or that still hold what this process wrote: they are current. */
  readonly current: ReadonlySet<string>;
  /** Each tool file of the run and its module key. */
  readonly files: readonly ModuleFile[];
};

/** The emit stage's view of the cache: module texts by the hash of their ToolIR and header. */
async function openModuleCache(input: ModuleCacheInput): Promise<ModuleCache> {
  const { api, cache, run, fingerprint, reuse } = input;
  const keyOf = (tool: ToolIR, header: string) =>
    hashToolModule(input.printedHashOf(tool), header, fingerprint);
  const keys = new Map(api.tools.map((t) => [t, keyOf(t, toolHeader(api, t))]));
  const files = api.tools.map((t) => ({ path: toolModulePath(t), key: keys.get(t)! }));
  const current = await readCachedModules(cache, input.outDir, files);
  for (const path of findUnchangedModuleFiles(cache, input.outDir, files)) current.add(path);
  return {
    reuse(tool, header) {
      const text = reuseModule(cache, run, keys.get(tool) ?? keyOf(tool, header));
      if (text !== undefined) reuse.modules.reused++;
      return text;
    },
    store(tool, header, text) {
      reuse.modules.emitted++;
      storeModule(cache, run, keys.get(tool) ?? keyOf(tool, header), text);
    },
    current,
    files,
    written: (files) =>
      api.tools.map((t) => {
        const path = toolModulePath(t);
        return { path, key: keys.get(t)!, text: files.get(path) ?? '' };
      }),
  };
}

function toSpecInput(spec: LoadedSpec): SpecInput {
  return {
    document: spec.document,
    version: spec.version,
    specName: spec.specName,
    specSha256: spec.specSha256,
    overlays: spec.overlays.map((o) => ({ file: o.name, sha256: o.sha256 })),
    locate: (p) => spec.locate(p),
    resolveRef: (r) => spec.resolveRef(r),
  };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every operation of the document (excluded ones too): the keys to read from the cache, the progress total. */
function listOperations(document: Record<string, unknown>): { path: string; method: string }[] {
  const paths = document['paths'];
  if (typeof paths !== 'object' || paths === null) return [];
  return Object.entries(paths as Record<string, unknown>).flatMap(([path, item]) =>
    typeof item === 'object' && item !== null
      ? Object.keys(item)
          .filter((method) => METHODS.has(method))
          .map((method) => ({ path, method }))
      : [],
  );
}

function startClock(): { lap(stage: GenerateStage): void; timings(): StageTimings } {
  const started = performance.now();
  let last = started;
  const laps: Record<GenerateStage, number> = { load: 0, build: 0, emit: 0, write: 0 };
  return {
    lap(stage) {
      const now = performance.now();
      laps[stage] += now - last;
      last = now;
    },
    timings: () => ({ ...laps, total: performance.now() - started }),
  };
}

let cachedVersion: string | undefined;
async function readGeneratorVersion(): Promise<string> {
  if (cachedVersion) return cachedVersion;
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
  const parsed = JSON.parse(await readFile(pkg, 'utf8')) as { version?: string };
  cachedVersion = parsed.version ?? '0.0.0';
  return cachedVersion;
}
