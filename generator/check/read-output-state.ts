/**
 * Compares the output folder with the stamp's file hashes: missing files, changed files (as
 * `planWrite` sees them: the text, so bytes that decode to the same text are unchanged) and
 * generated files the stamp does not list (stale, the ones `generate` would prune).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listStaleFiles } from '../write/write-files.js';

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
  const listing = listStaleFiles(outDir, (path) => Object.hasOwn(expected, path));
  // Synchronous on purpose: for a thousand small files readFileSync is several times faster than
  // fs/promises (one thread-pool round trip per file instead of several).
  const states = paths.map((path) => compareFile(join(outDir, path), expected[path]!));
  const stale = await listing;
  return {
    missing: paths.filter((_, i) => states[i] === 'missing'),
    changed: paths.filter((_, i) => states[i] === 'changed'),
    stale,
  };
}

function compareFile(file: string, sha256: string): 'same' | 'missing' | 'changed' {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return 'missing';
  }
  if (hash(bytes) === sha256) return 'same';
  // planWrite compares decoded text: invalid UTF-8 that decodes to the written text is no change.
  return hash(Buffer.from(bytes.toString('utf8'), 'utf8')) === sha256 ? 'same' : 'changed';
}

function hash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
