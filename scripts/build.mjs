#!/usr/bin/env node
/**
 * `npm run build [-- --outDir DIR]`: compiles runtime/, cli/, generator/, platform/ and generated/
 * with tsc (tsconfig.build.json) into dist/ (or DIR), then copies what the compiled code reads at
 * run time next to it, so the output runs with plain `node` (no tsx):
 *   - specs/conveyor/openapi.yaml: the reference platform builds its routes from it
 *     (platform/conveyor/load-openapi.ts resolves ../../specs/conveyor/openapi.yaml);
 *   - package.json (name, version, "type": "module"): the generator reads its version from
 *     ../package.json and its cache fingerprint includes it.
 * Plain JavaScript so it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outDir: { type: 'string', default: 'dist' } } });
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

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`Built into ${relative(process.cwd(), outDir) || '.'} in ${seconds} s.`);
