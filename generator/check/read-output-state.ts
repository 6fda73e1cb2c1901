/**
 * Compares the output folder with the stamp's file hashes: missing files, changed files (as
 * `planWrite` sees them: the text, so bytes that decode to the same text are unchanged) and
 * generated files the stamp does not list (stale, the ones `generate` would prune).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listStaleFiles, mapConcurrently } from '../write/write-files.js';

export interface OutputState {
  readonly missing: readonly string[];
  readonly changed: readonly string[];
  readonly stale: readonly string[];
}

export async function readOutputState(
  outDir: string,
  expected: Readonly<Record<string, string>>,
): Promise<OutputState> {
  const paths = Object.keys(expected).sort();
  const [states, stale] = await Promise.all([
    mapConcurrently(paths, (path) => compareFile(join(outDir, path), expected[path]!)),
    listStaleFiles(outDir, (path) => Object.hasOwn(expected, path)),
  ]);
  return {
    missing: paths.filter((_, i) => states[i] === 'missing'),
    changed: paths.filter((_, i) => states[i] === 'changed'),
    stale,
  };
}

async function compareFile(file: string, sha256: string): Promise<'same' | 'missing' | 'changed'> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined) return 'missing';
  if (hash(bytes) === sha256) return 'same';
  // planWrite compares decoded text: invalid UTF-8 that decodes to the written text is no change.
  return hash(Buffer.from(bytes.toString('utf8'), 'utf8')) === sha256 ? 'same' : 'changed';
}

function hash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
