/**
 * What the generator itself contributes to its output, as one hash for the stamp: the
 * generator fingerprint (its own source files, package.json and ts-morph's version, as the
 * incremental cache keys use it; from dist/ that is the compiled JavaScript) plus the installed
 * version of every package the generator imports and of each of their direct dependencies, so
 * an `npm update` of the YAML parser or the printer cannot leave a stamp claiming "current".
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashText } from '../cache/hash-cache-keys.js';
import { readGeneratorFingerprint } from '../cache/read-generator-fingerprint.js';

const GENERATOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

let cached: Promise<string> | undefined;

/** Once per process, like the fingerprint it includes. */
export function readGeneratorIdentity(): Promise<string> {
  cached ??= computeGeneratorIdentity();
  return cached;
}

async function computeGeneratorIdentity(): Promise<string> {
  const [fingerprint, versions] = await Promise.all([readGeneratorFingerprint(), readDependencyVersions()]);
  return hashText(fingerprint, ...versions);
}

/** `name@version` of the generator's imported packages and their direct dependencies, sorted. */
export async function readDependencyVersions(): Promise<string[]> {
  const imported = await listImportedPackages(GENERATOR_DIR);
  const found = new Map<string, string>();
  await Promise.all(
    imported.map(async (name) => {
      const pkg = await findPackage(name, GENERATOR_DIR);
      if (!pkg) {
        found.set(name, 'missing');
        return;
      }
      found.set(name, pkg.version);
      await Promise.all(
        Object.keys(pkg.dependencies).map(async (dep) => {
          const sub = await findPackage(dep, pkg.dir);
          found.set(`${name}>${dep}`, sub?.version ?? 'missing');
        }),
      );
    }),
  );
  return [...found].map(([name, version]) => `${name}@${version}`).sort();
}

/** Bare specifiers of every `from '...'` / `import('...')` in the generator's sources (`node:` built-ins never match). */
async function listImportedPackages(dir: string): Promise<string[]> {
  const names = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) return walk(path);
        if (!/\.(ts|js)$/.test(entry.name)) return;
        const text = readFileSync(path, 'utf8');
        for (const match of text.matchAll(
          /(?:\bfrom|\bimport\()\s*['"](@?[a-z0-9][\w.-]*(?:\/[\w.-]+)*)['"]/g,
        )) {
          const specifier = match[1]!;
          const parts = specifier.split('/');
          names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
        }
      }),
    );
  };
  await walk(dir);
  return [...names].sort();
}

interface FoundPackage {
  readonly dir: string;
  readonly version: string;
  readonly dependencies: Record<string, string>;
}

/** Node's lookup: `node_modules/<name>` in `from` and each folder above it. */
async function findPackage(name: string, from: string): Promise<FoundPackage | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    const text = await readFile(join(candidate, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        const pkg = JSON.parse(text) as { version?: unknown; dependencies?: unknown };
        const dependencies =
          typeof pkg.dependencies === 'object' && pkg.dependencies !== null
            ? (pkg.dependencies as Record<string, string>)
            : {};
        return { dir: candidate, version: String(pkg.version ?? ''), dependencies };
      } catch {
        return { dir: candidate, version: 'unreadable', dependencies: {} };
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
