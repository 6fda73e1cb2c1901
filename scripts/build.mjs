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
 * cli/spec2mcp.js is then replaced by an esbuild bundle of the serve path (bundleCli below).
 * Plain JavaScript so it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateMetaSchemaValidator } from './meta-schema-validator.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    outDir: { type: 'string', default: 'dist' },
    api: { type: 'string', multiple: true, default: [] },
    'apis-only': { type: 'boolean', default: false },
  },
});
const outDir = resolve(root, values.outDir);

/**
 * Packages the CLI bundle leaves to node_modules: native bindings, packages that find files next
 * to their own (workers, templates), and ones only other commands or auth modes load.
 */
const UNBUNDLED_PACKAGES = [
  'better-sqlite3',
  'pg',
  'oidc-provider',
  'handlebars',
  'tsx',
  'esbuild',
  'typescript',
  'ts-morph',
  '@apidevtools/swagger-parser',
  '@anthropic-ai/mcpb',
  'pino',
  'thread-stream',
];

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

// The startup schema check's meta-schema validator, precompiled (runtime/mcp/validate-json-schema.ts).
const metaSchemaValidator = generateMetaSchemaValidator();
await writeFile(join(outDir, 'runtime/mcp/validate-json-schema.js'), metaSchemaValidator);
await bundleCli();
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

/**
 * Replaces the compiled `cli/spec2mcp.js` with one esbuild bundle of the serve path: the CLI, the
 * runtime/ modules it imports and the packages they use, so startup resolves and reads a few
 * files instead of ~400 (~20% less CPU). Code splitting keeps lazy imports lazy (the embedded
 * authorization server, each store driver) in chunks under `chunks/`, loaded once however many
 * places import them. The other commands and the generator stay the compiled modules next to it.
 * Whitespace and syntax are minified (less for V8 to parse at startup; names stay for stack
 * traces), and the meta-schema validator module is replaced by its precompiled code.
 */
async function bundleCli() {
  const { build } = await import('esbuild');
  const runtimeDir = join(root, 'runtime');
  const entry = join(root, 'cli/spec2mcp.ts');
  await build({
    entryPoints: [entry],
    outdir: outDir,
    outbase: root,
    entryNames: '[dir]/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    logLevel: 'warning',
    external: UNBUNDLED_PACKAGES,
    // Bundled CommonJS packages call require() for Node built-ins; ESM has none of its own.
    banner: {
      js: "import { createRequire as __spec2mcpCreateRequire } from 'node:module'; const require = __spec2mcpCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'precompiled-meta-schema-validator',
        setup(esbuild) {
          const source = join(runtimeDir, 'mcp/validate-json-schema.ts');
          esbuild.onLoad({ filter: /validate-json-schema\.ts$/ }, (args) =>
            args.path === source
              ? { contents: metaSchemaValidator, loader: 'js', resolveDir: dirname(source) }
              : undefined,
          );
        },
      },
      {
        name: 'bundle-the-runtime-only',
        setup(esbuild) {
          esbuild.onResolve({ filter: /^\./ }, (args) => {
            const fromOurs = args.importer === entry || args.importer.startsWith(runtimeDir + sep);
            const target = resolve(args.resolveDir, args.path);
            if (!fromOurs || target.startsWith(runtimeDir + sep)) return undefined;
            // Outside runtime/ (generator, the other commands): the compiled module. The path is
            // relative to cli/; chunks/ sits at the same depth, so it holds from a chunk too.
            const compiled = join(outDir, relative(root, target));
            const path = relative(join(outDir, 'cli'), compiled).split(sep).join('/');
            return { path: path.startsWith('.') ? path : `./${path}`, external: true };
          });
        },
      },
    ],
  });
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
