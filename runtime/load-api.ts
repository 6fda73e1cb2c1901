/**
 * Loads a generated API module (`generated/<api>/index.ts`, or `index.js` in built output) by
 * dynamic import. `index.js` wins when both exist. `.ts` needs a TypeScript-aware loader (tsx in
 * development); the built runtime (`npm run build`, plain node) loads `dist/generated/<api>/index.js`.
 *
 * `watchApi` reloads the folder after each regeneration (serve --watch): `.ts` through tsx's
 * `tsImport`, whose private module namespace re-reads every module of the graph; `.js` by a
 * cache-busting query on the entry (changed tool modules under it stay cached until a restart).
 */
import { type FSWatcher, watch } from 'node:fs';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiDefinition } from './define-tool.js';

const ENTRY_FILES = ['index.js', 'index.ts'];

export async function loadApi(dir: string, options: { fresh?: boolean } = {}): Promise<ApiDefinition> {
  const folder = resolve(dir);
  const entry = await findEntryFile(folder);
  if (entry === undefined) {
    throw new Error(`No generated API in ${folder}: expected ${ENTRY_FILES.join(' or ')}.`);
  }
  const module = (await (options.fresh === true ? importFresh(entry) : importEntry(entry))) as {
    api?: unknown;
    default?: unknown;
  };
  const api = module.api ?? module.default;
  assertApiDefinition(api, entry);
  return api;
}

const NO_TS_LOADER_CODES = new Set(['ERR_UNKNOWN_FILE_EXTENSION', 'ERR_MODULE_NOT_FOUND']);

async function importEntry(entry: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(entry).href);
  } catch (error) {
    // Plain node on TypeScript sources: node 20 refuses `.ts`; node 22.18+ strips types but cannot
    // resolve the `./tools/x.js` imports, which exist only in the built output.
    const code = (error as { code?: unknown }).code;
    if (entry.endsWith('.ts') && typeof code === 'string' && NO_TS_LOADER_CODES.has(code)) {
      throw new Error(
        `${entry} is TypeScript and this process has no TypeScript loader (${code}). Serve the built ` +
          'output (`npm run build`, then `node dist/runtime/main.js dist/generated/<api>`) or run under ' +
          'tsx (`node --import tsx runtime/main.ts generated/<api>`).',
        { cause: error },
      );
    }
    throw error;
  }
}

let generation = 0;

/** Imports the entry as if for the first time, so a regenerated module graph is read again. */
async function importFresh(entry: string): Promise<unknown> {
  generation += 1;
  const url = pathToFileURL(entry).href;
  if (entry.endsWith('.ts')) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(`${url}?generation=${generation}`);
}

export interface WatchApiOptions {
  /** Quiet time after the last change before reloading: a generation writes many files. */
  readonly debounceMs?: number;
  /** A reload that failed (a half-written file, a syntax error); the served API stays as it was. */
  readonly onError?: (error: Error) => void;
}

/**
 * Calls `onReload` with the freshly loaded API after files under `dir` change. Returns a function
 * that stops watching. Reloads never overlap: changes during one lead to one more afterwards.
 */
export function watchApi(
  dir: string,
  onReload: (api: ApiDefinition) => void | Promise<void>,
  options: WatchApiOptions = {},
): () => void {
  const folder = resolve(dir);
  const debounceMs = options.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const reload = async (): Promise<void> => {
    try {
      await onReload(await loadApi(folder, { fresh: true }));
    } catch (error) {
      options.onError?.(error as Error);
    }
  };
  const run = () => {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = reload().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  const watcher: FSWatcher = watch(folder, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

async function findEntryFile(folder: string): Promise<string | undefined> {
  for (const name of ENTRY_FILES) {
    const candidate = join(folder, name);
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

function assertApiDefinition(value: unknown, entry: string): asserts value is ApiDefinition {
  const api = value as Partial<ApiDefinition> | undefined;
  const problems: string[] = [];
  if (typeof api !== 'object' || api === null) problems.push('no `api` export or default export');
  else {
    if (typeof api.id !== 'string') problems.push('`id` is not a string');
    if (!Array.isArray(api.tools)) problems.push('`tools` is not an array');
    if (typeof api.upstream !== 'object' || api.upstream === null) problems.push('`upstream` is missing');
    if (typeof api.server !== 'object' || api.server === null) problems.push('`server` is missing');
    if (!Array.isArray(api.prompts)) problems.push('`prompts` is not an array');
  }
  if (problems.length > 0) {
    throw new Error(
      `${entry} does not export an ApiDefinition built with defineApi: ${problems.join('; ')}.`,
    );
  }
}
