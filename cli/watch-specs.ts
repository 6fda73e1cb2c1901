/**
 * `generate --watch`: notices saves of a spec or any of its overlays and calls back
 * once per burst of saves (editors write a file in several steps, often to a
 * temporary name renamed over the original, so folders are watched, not files).
 * Linux fs.watch semantics; no polling.
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { SPEC_FILE_NAMES } from '../generator/load/read-spec-folder.js';

export interface WatchedSpec {
  /** Spec folder or single OpenAPI file (absolute). */
  readonly specPath: string;
  /** Extra overlay files (absolute), from --overlay. */
  readonly overlays: readonly string[];
}

export interface SpecWatcher {
  close(): void;
}

const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const SPEC_NAMES: ReadonlySet<string> = new Set(SPEC_FILE_NAMES);

export function watchSpecs(
  specs: readonly WatchedSpec[],
  onChange: (index: number) => void,
  debounceMs = 150,
): SpecWatcher {
  const watchers = new Map<string, FSWatcher>();
  const timers = new Map<number, NodeJS.Timeout>();
  const changed = (index: number) => {
    clearTimeout(timers.get(index));
    timers.set(
      index,
      setTimeout(() => {
        timers.delete(index);
        onChange(index);
      }, debounceMs),
    );
  };
  const watchDir = (key: string, dir: string, accept: (name: string) => boolean, index: number) => {
    if (watchers.has(key) || !isDirectory(dir)) return;
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name === null || accept(name)) changed(index);
        if (name === 'overlays') watchOverlays(index);
      });
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(key);
      });
      watchers.set(key, watcher);
    } catch {
      // A folder that vanished between the check and the watch: nothing to watch.
    }
  };
  const watchOverlays = (index: number) => {
    const spec = specs[index];
    if (!spec || !isDirectory(spec.specPath)) return;
    // A new overlays/ folder is picked up too, so its first overlay triggers a run.
    watchDir(`${index}:overlays`, join(spec.specPath, 'overlays'), isDocument, index);
  };
  specs.forEach((spec, index) => {
    if (isDirectory(spec.specPath)) {
      watchDir(`${index}:spec`, spec.specPath, (name) => SPEC_NAMES.has(name) || name === 'overlays', index);
      watchOverlays(index);
    } else {
      const name = basename(spec.specPath);
      watchDir(`${index}:spec`, dirname(spec.specPath), (n) => n === name, index);
    }
    spec.overlays.forEach((overlay, i) => {
      const name = basename(overlay);
      watchDir(`${index}:overlay:${i}`, dirname(overlay), (n) => n === name, index);
    });
  });
  return {
    close() {
      for (const timer of timers.values()) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isDocument(name: string): boolean {
  return DOCUMENT_EXTENSIONS.has(extname(name).toLowerCase());
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
