import path from 'node:path';

/** A path relative to `base` with posix separators: what diagnostics and provenance show. */
export function toDisplayPath(absolutePath: string, base: string): string {
  const relative = path.relative(base, absolutePath) || path.basename(absolutePath);
  return relative.split(path.sep).join('/');
}
