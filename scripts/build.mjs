#!/usr/bin/env node
/**
 * `npm run build [-- --outDir DIR]`: compiles runtime/, cli/, generator/, platform/ and generated/
 * with tsc (tsconfig.build.json) into dist/ (or DIR), then copies what the compiled code reads at
 * run time next to it, so the output runs with plain `node` (no tsx):
 *   - specs/conveyor/openapi.yaml: the reference platform builds its routes from it
 *     (platform/conveyor/load-openapi.ts resolves ../../specs/conveyor/openapi.yaml);
 *   - package.json (name, version, "type": "module"): the generator reads its version from
 *     ../package.json and its cache fingerprint includes it.
 * Then each generated API (every folder of generated/ with an index.ts, plus any `--api DIR`, e.g. one
 * generated with `--out` elsewhere) is bundled into one `index.js` by esbuild, in the output at the
 * folder's own relative path: the runtime imports a single module instead of one per tool (1,049
 * modules for a large API: ~400 ms of startup, ~55 ms as one). Imports outside the folder (the
 * runtime's define-tool) stay imports, so the API shares the runtime's modules. `--apis-only`
 * bundles the APIs into an existing build without compiling again.
 * Plain JavaScript so it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    outDir: { type: 'string', default: 'dist' },
    api: { type: 'string', multiple: true, default: [] },
    'apis-only': { type: 'boolean', default: false },
  },
});
const outDir = resolve(root, values.outDir);

const fromRoot = relative(root, outDir);
// The output folder is deleted first: never the repository, a folder holding it, or a source folder.
if (!relative(outDir, root).startsWith('..')) {
  console.error(`Refusing to build into ${outDir}: it contains the repository.`);
  process.exit(2);
}
if (['runtime', 'cli', 'generator', 'platform', 'generated', 'specs'].includes(fromRoot.split(/[\\/]/)[0])) {
  console.error(`Refusing to build into a source folder (${outDir}).`);
  process.exit(2);
}

const started = performance.now();
const apiDirs = [...(await listGeneratedApis()), ...values.api.map((dir) => resolve(dir))];
for (const dir of apiDirs) {
  const fromRootDir = relative(root, dir);
  if (fromRootDir.startsWith('..') || isAbsolute(fromRootDir) || !existsSync(join(dir, 'index.ts'))) {
    console.error(`--api ${dir}: expected a generated API folder (with index.ts) inside ${root}.`);
    process.exit(2);
  }
}
if (values['apis-only']) {
  if (!existsSync(join(outDir, 'runtime/define-tool.js'))) {
    console.error(`--apis-only: ${outDir} holds no build; run \`npm run build\` first.`);
    process.exit(2);
  }
  await bundleApis(apiDirs);
  console.log(`Bundled ${apiDirs.length} API(s) into ${relative(process.cwd(), outDir) || '.'} in ${elapsed()} s.`);
  process.exit(0);
}
// Clean first: a tool pruned from generated/ must not survive in the output.
await rm(outDir, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], {
  cwd: root,
  stdio: 'inherit',
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const ASSETS = ['specs/conveyor/openapi.yaml'];
for (const asset of ASSETS) {
  await mkdir(dirname(join(outDir, asset)), { recursive: true });
  await copyFile(join(root, asset), join(outDir, asset));
}

const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const builtPkg = { name: pkg.name, version: pkg.version, private: true, type: 'module' };
await writeFile(join(outDir, 'package.json'), `${JSON.stringify(builtPkg, null, 2)}\n`);

await bundleApis(apiDirs);

console.log(`Built into ${relative(process.cwd(), outDir) || '.'} in ${elapsed()} s.`);

function elapsed() {
  return ((performance.now() - started) / 1000).toFixed(1);
}

/** Folders of generated/ that hold a generated API. */
async function listGeneratedApis() {
  const generated = join(root, 'generated');
  const entries = await readdir(generated, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(join(generated, entry.name, 'index.ts')))
    .map((entry) => join(generated, entry.name))
    .sort();
}

/** One ESM file per API at `<outDir>/<folder>/index.js`; imports leaving the folder stay imports. */
async function bundleApis(dirs) {
  if (dirs.length === 0) return;
  const { build } = await import('esbuild');
  for (const dir of dirs) {
    const outFile = join(outDir, relative(root, dir), 'index.js');
    await build({
      entryPoints: [join(dir, 'index.ts')],
      outfile: outFile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
      plugins: [keepImportsOutside(dir, dirname(outFile))],
    });
  }
}

/** Marks imports that leave the API folder external, rewritten relative to the bundle's place. */
function keepImportsOutside(dir, outFolder) {
  return {
    name: 'keep-imports-outside-the-api',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^\./ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (target === dir || target.startsWith(dir + sep)) return undefined;
        // The compiled counterpart of the target sits at the same relative place in the output.
        const compiled = join(outDir, relative(root, target));
        const path = relative(outFolder, compiled).split(sep).join('/');
        return { path: path.startsWith('.') ? path : `./${path}`, external: true };
      });
    },
  };
}
