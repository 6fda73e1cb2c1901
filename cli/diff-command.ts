/**
 * `spec2mcp diff <old> <new>`: the tool-surface change between two generations, read from their
 * manifest.json. Each side is a directory of generated output (generated/<api>/ or a generated/
 * root), a spec folder (generated in memory), a manifest.json file, or a git ref (`HEAD~1`,
 * `origin/main`, or `ref:path` for output elsewhere than generated/).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { formatDiagnostic, sortDiagnostics } from '../generator/diagnostics/diagnostic.js';
import { compareSurfaces } from '../generator/diff/compare-manifests.js';
import { DIFF_FORMATS, type DiffFormat, formatDiff } from '../generator/diff/format-diff.js';
import { type Manifest, ManifestError, parseManifest } from '../generator/diff/parse-manifest.js';
import { deriveApiId, generate } from '../generator/generate.js';

const run = promisify(execFile);

export const DIFF_USAGE = `Usage: spec2mcp diff <old> <new> [--format text|markdown|json] [--allow-breaking]

  <old>, <new>  each one of:
                a git ref (HEAD~1, origin/main, a sha): its generated/ (or ref:path for another folder)
                a directory of generated output: generated/<api>/ (has manifest.json) or generated/
                a spec folder: specs/<api>/ (openapi.* + overlays/), generated in memory
                a manifest.json file
  --format          text (default), markdown (a pull-request comment), json (docs/ci.md)
  --allow-breaking  exit 0 even when there are breaking changes

Exit codes: 0 no breaking changes, 1 breaking changes (or a spec that does not generate),
2 usage error (bad option, unknown ref, a directory without a manifest).`;

/** A side that cannot be read: exit 2 with what was expected and how to fix it. */
export class DiffInputError extends Error {}

export interface DiffCommandIo {
  readonly cwd?: string;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

export async function runDiffCommand(args: readonly string[], io: DiffCommandIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const cwd = io.cwd ?? process.cwd();
  let values: {
    format?: string | undefined;
    'allow-breaking'?: boolean | undefined;
    help?: boolean | undefined;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: {
        format: { type: 'string' },
        'allow-breaking': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    err(`${(error as Error).message}\n\n${DIFF_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out(`${DIFF_USAGE}\n`);
    return 0;
  }
  const format = (values.format ?? 'text') as DiffFormat;
  if (!DIFF_FORMATS.includes(format)) {
    err(`Unknown --format \`${values.format}\`: use ${DIFF_FORMATS.join(', ')}.\n\n${DIFF_USAGE}\n`);
    return 2;
  }
  if (positionals.length !== 2) {
    err(`diff takes two sides, <old> and <new> (got ${positionals.length}).\n\n${DIFF_USAGE}\n`);
    return 2;
  }
  const [before, after] = positionals as [string, string];
  let sides: [ReadonlyMap<string, Manifest>, ReadonlyMap<string, Manifest>];
  try {
    sides = [await readSide(before, cwd), await readSide(after, cwd)];
  } catch (error) {
    if (error instanceof DiffInputError || error instanceof ManifestError) {
      err(`spec2mcp diff: ${error.message}\n\n${DIFF_USAGE}\n`);
      return 2;
    }
    if (error instanceof GenerationFailed) {
      err(`spec2mcp diff: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const diff = compareSurfaces(sides[0], sides[1]);
  out(formatDiff(diff, format, { before, after }));
  return diff.summary.breaking > 0 && !values['allow-breaking'] ? 1 : 0;
}

class GenerationFailed extends Error {}

/** Reads one side into api id -> manifest. */
export async function readSide(side: string, cwd: string): Promise<ReadonlyMap<string, Manifest>> {
  const path = resolve(cwd, side);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) {
    if (basename(path) === 'manifest.json') return single(parseManifest(await readFile(path, 'utf8'), side));
    if (/^openapi\.(ya?ml|json)$/.test(basename(path))) return generateSpecs([path], cwd);
    throw new DiffInputError(`\`${side}\` is a file but not a manifest.json or an openapi.* document.`);
  }
  if (info?.isDirectory()) return readDirectory(side, path, cwd);
  return readGitRef(side, cwd);
}

async function readDirectory(side: string, dir: string, cwd: string): Promise<ReadonlyMap<string, Manifest>> {
  const names = await readdir(dir);
  if (names.includes('manifest.json'))
    return single(
      parseManifest(await readFile(join(dir, 'manifest.json'), 'utf8'), join(side, 'manifest.json')),
    );
  if (names.some(isSpecFile)) return generateSpecs([dir], cwd);
  // A generated/ root (several APIs) or a specs/ root.
  const manifests = new Map<string, Manifest>();
  const specs: string[] = [];
  for (const name of names.sort()) {
    const sub = join(dir, name);
    if (!(await stat(sub)).isDirectory()) continue;
    const inner = await readdir(sub);
    if (inner.includes('manifest.json')) {
      const manifest = parseManifest(
        await readFile(join(sub, 'manifest.json'), 'utf8'),
        join(side, name, 'manifest.json'),
      );
      manifests.set(manifest.api.id, manifest);
    } else if (inner.some(isSpecFile)) specs.push(sub);
  }
  if (manifests.size > 0) return manifests;
  if (specs.length > 0) return generateSpecs(specs, cwd);
  throw new DiffInputError(
    `\`${side}\` has no manifest.json. Expected generated output (generated/<api>/ with manifest.json, ` +
      `or generated/ with one folder per API) or a spec folder (openapi.yaml + overlays/). ` +
      `Run \`spec2mcp generate\` first, or pass the spec folder.`,
  );
}

function isSpecFile(name: string): boolean {
  return /^openapi\.(ya?ml|json)$/.test(name);
}

/**
 * Generates spec folders in memory (dry run: nothing under generated/ or the cache changes). The
 * output folder is a temp dir under .tmp/ holding a copy of generated/<api>/manifest.json, so the
 * name lock applies exactly as `spec2mcp generate` would apply it.
 */
async function generateSpecs(
  specPaths: readonly string[],
  cwd: string,
): Promise<ReadonlyMap<string, Manifest>> {
  const manifests = new Map<string, Manifest>();
  await mkdir(join(cwd, '.tmp'), { recursive: true });
  const tmp = await mkdtemp(join(cwd, '.tmp', 'diff-'));
  try {
    for (const specPath of specPaths) {
      const id = deriveApiId(resolve(cwd, specPath));
      const outDir = join(tmp, id);
      await mkdir(outDir, { recursive: true });
      await copyFile(join(cwd, 'generated', id, 'manifest.json'), join(outDir, 'manifest.json')).catch(
        () => {},
      );
      const result = await generate({ specPath, cwd, outDir, dryRun: true, cache: false });
      const text = result.files?.get('manifest.json');
      if (!result.ok || text === undefined) {
        const errors = sortDiagnostics([...result.diagnostics])
          .filter((d) => d.severity === 'error')
          .map((d) => formatDiagnostic(d));
        throw new GenerationFailed(`${specPath} does not generate:\n${errors.join('\n')}`);
      }
      const manifest = parseManifest(text, `${specPath} (generated)`);
      manifests.set(manifest.api.id, manifest);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return manifests;
}

/** `ref` (reads ./generated) or `ref:path`; every <dir>/manifest.json under the path, or the path's own. */
async function readGitRef(side: string, cwd: string): Promise<ReadonlyMap<string, Manifest>> {
  const colon = side.indexOf(':');
  const ref = colon > 0 ? side.slice(0, colon) : side;
  const folder = (colon > 0 ? side.slice(colon + 1) : 'generated').replace(/\/+$/, '') || '.';
  const commit = await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(
    () => undefined,
  );
  if (commit === undefined)
    throw new DiffInputError(
      `\`${side}\` is neither a directory nor a git ref. Pass a git ref (HEAD~1, origin/main; fetch it ` +
        `first in CI: \`git fetch origin main\`), generated output (generated/ or generated/<api>/) or a spec folder.`,
    );
  const sha = commit.trim();
  const listing = await git(cwd, ['ls-tree', '-r', '--name-only', sha, '--', `${folder}/`]).catch(() => '');
  // ls-tree prints paths relative to cwd, as given.
  const files = listing.split('\n').filter((f) => {
    if (!f.startsWith(`${folder}/`)) return false;
    const rest = f.slice(folder.length + 1);
    return rest === 'manifest.json' || /^[^/]+\/manifest\.json$/.test(rest);
  });
  if (files.length === 0)
    throw new DiffInputError(
      `\`${ref}\` has no manifest.json in ${folder}/ (expected ${folder}/<api>/manifest.json). ` +
        `Was generated/ committed at that ref? Use ref:path for output kept elsewhere, or compare spec folders.`,
    );
  const manifests = new Map<string, Manifest>();
  for (const file of files.sort()) {
    const text = await git(cwd, ['show', `${sha}:./${file}`]);
    const manifest = parseManifest(text, `${ref}:${file}`);
    manifests.set(manifest.api.id, manifest);
  }
  return manifests;
}

async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', [...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

function single(manifest: Manifest): ReadonlyMap<string, Manifest> {
  return new Map([[manifest.api.id, manifest]]);
}
