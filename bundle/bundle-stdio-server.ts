/**
 * Compiles the stdio server, the runtime it needs and one generated API into a single ES module
 * (the `.mcpb` bundle's server/index.js) with esbuild. A desktop client runs that file with its own
 * Node.js and no `npm install`, so everything must be inside it, and nothing native: the bundle
 * refuses to build when the SQLite or PostgreSQL driver (or any `.node` addon) slipped in.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BundleStdioServerOptions {
  /** The generated API's entry module: `generated/<api>/index.ts` (or `index.js` in built output). */
  readonly apiEntry: string;
  /** Where the single file goes. */
  readonly outFile: string;
}

export interface BundledServer {
  readonly bytes: number;
  /** Source files and packages compiled in, for the summary. */
  readonly inputCount: number;
}

export class BundleError extends Error {
  override readonly name = 'BundleError';
}

/** The Node.js the bundle is compiled for; the manifest's compatibility.runtimes.node says the same. */
export const BUNDLE_NODE_TARGET = 'node20';

// Packages that must never be in the bundle: native addons or drivers the stdio path does not use.
const FORBIDDEN_INPUTS = [/node_modules\/better-sqlite3\//, /node_modules\/pg\//, /\.node$/];

const runtimeEntry = fileURLToPath(new URL('../runtime/stdio/bundle-entry.js', import.meta.url));

export async function bundleStdioServer(options: BundleStdioServerOptions): Promise<BundledServer> {
  const result = await build({
    stdin: {
      contents: [
        `import { api } from ${JSON.stringify(options.apiEntry)};`,
        `import { runBundledStdio } from ${JSON.stringify(runtimeEntry)};`,
        'await runBundledStdio(api);',
      ].join('\n'),
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      sourcefile: 'server-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_NODE_TARGET,
    outfile: options.outFile,
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    // CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
    banner: {
      js: "import { createRequire as __spec2mcpCreateRequire } from 'node:module'; const require = __spec2mcpCreateRequire(import.meta.url);",
    },
  }).catch((error: unknown) => {
    throw new BundleError(`esbuild could not bundle the stdio server: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const inputs = Object.keys(result.metafile.inputs);
  const forbidden = inputs.filter((input) => FORBIDDEN_INPUTS.some((pattern) => pattern.test(input)));
  if (forbidden.length > 0) {
    throw new BundleError(
      `The stdio bundle must not contain native modules or database drivers, but it imports ${forbidden.join(', ')}; import them lazily outside the stdio path (runtime/stdio/).`,
    );
  }
  const output = Object.values(result.metafile.outputs)[0];
  return { bytes: output?.bytes ?? 0, inputCount: inputs.length };
}
