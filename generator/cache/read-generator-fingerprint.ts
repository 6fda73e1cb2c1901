/**
 * The generator's fingerprint: a hash of its own source files, package.json and the
 * versions of the writer that prints the modules (code-block-writer) and of ts-morph. Part of every cache key, so editing the
 * generator (or upgrading its printer) never serves output of the previous one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashText } from './hash-cache-keys.js';

const GENERATOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

let cached: Promise<string> | undefined;

/** Once per process: the generator does not change under a running process that matters. */
export function readGeneratorFingerprint(): Promise<string> {
  cached ??= computeGeneratorFingerprint();
  return cached;
}

/** Read again each call (the benchmark checks that the generator did not change between runs). */
export async function computeGeneratorFingerprint(): Promise<string> {
  const files = (await listSourceFiles(GENERATOR_DIR)).sort();
  const parts = await Promise.all(
    files.map(async (file) => `${relative(GENERATOR_DIR, file)}\n${await readFile(file, 'utf8')}`),
  );
  const pkg = await readFile(join(GENERATOR_DIR, '..', 'package.json'), 'utf8').catch(() => '');
  return hashText(pkg, readPackageVersion('ts-morph'), readPackageVersion('code-block-writer'), ...parts);
}

async function listSourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listSourceFiles(path);
      return /\.(ts|js|json)$/.test(entry.name) ? [path] : [];
    }),
  );
  return nested.flat();
}

function readPackageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    // .../node_modules/<name>/<folder>/<main>.js -> its package.json, without loading the module.
    const pkg = require(join(dirname(require.resolve(name)), '..', 'package.json')) as { version?: string };
    return pkg.version ?? '';
  } catch {
    return '';
  }
}
