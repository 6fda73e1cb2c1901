/**
 * Writes `<name>.mcpb` for one generated API: stages manifest.json, package.json and the bundled
 * server/index.js in a temporary folder, checks the manifest with the official validator
 * (`@anthropic-ai/mcpb`'s validateManifest, what `mcpb validate` runs) and zips the folder with its
 * packer (`mcpb pack`). Nothing is written at the destination when validation fails.
 */
import { access, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadApi } from '../runtime/load-api.js';
import { resolveUpstreamBaseUrl } from '../runtime/upstream/resolve-base-url.js';
import { buildMcpbManifest, MCPB_ENTRY_POINT, type McpbManifest } from './build-mcpb-manifest.js';
import { BundleError, bundleStdioServer } from './bundle-stdio-server.js';

export interface WriteMcpbOptions {
  /** The generated API folder (generated/<api>). */
  readonly apiDir: string;
  /** A `.mcpb` file, or a folder to write `<name>.mcpb` into. Default: `<name>.mcpb` in the working directory. */
  readonly out?: string;
  /** The base URL the install dialog offers. Default: the API's upstream.baseUrl / servers[0]. */
  readonly upstreamUrl?: string;
  readonly author?: string;
  readonly version?: string;
}

export interface WrittenMcpb {
  readonly file: string;
  readonly manifest: McpbManifest;
  /** Size of the .mcpb (zip) and of server/index.js. */
  readonly bytes: number;
  readonly serverBytes: number;
}

const ENTRY_FILES = ['index.js', 'index.ts'];

export async function writeMcpb(options: WriteMcpbOptions): Promise<WrittenMcpb> {
  const apiDir = resolve(options.apiDir);
  const apiEntry = await findApiEntry(apiDir);
  const api = await loadApi(apiDir).catch((error: unknown) => {
    throw new BundleError((error as Error).message, { cause: error });
  });
  let upstreamUrl: string;
  try {
    upstreamUrl = resolveUpstreamBaseUrl(
      api,
      options.upstreamUrl,
      "pass --upstream with the platform's base URL",
    );
  } catch (error) {
    throw new BundleError((error as Error).message);
  }
  const manifest = buildMcpbManifest({
    api,
    upstreamUrl,
    ...(options.author !== undefined && { author: options.author }),
    ...(options.version !== undefined && { version: options.version }),
  });
  const file = await resolveOutFile(options.out, manifest.name);
  const staging = await mkdtemp(join(tmpdir(), 'spec2mcp-mcpb-'));
  try {
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // server/index.js is an ES module; Node decides that from the nearest package.json.
    const pkg = { name: manifest.name, version: manifest.version, private: true, type: 'module' };
    await writeFile(join(staging, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const server = await bundleStdioServer({ apiEntry, outFile: join(staging, MCPB_ENTRY_POINT) });
    const { validateManifest, packExtension } = await import('@anthropic-ai/mcpb');
    const validation = await captureConsole(async () => validateManifest(staging));
    if (!validation.result) {
      throw new BundleError(
        `The .mcpb manifest does not pass the official validator:\n${validation.lines.join('\n')}`,
      );
    }
    await mkdir(resolve(file, '..'), { recursive: true });
    const packed = await captureConsole(() =>
      packExtension({ extensionPath: staging, outputPath: file, silent: true }),
    );
    if (!packed.result) {
      throw new BundleError(`Packing ${file} failed:\n${packed.lines.join('\n')}`);
    }
    return { file, manifest, bytes: (await stat(file)).size, serverBytes: server.bytes };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function findApiEntry(apiDir: string): Promise<string> {
  for (const name of ENTRY_FILES) {
    const candidate = join(apiDir, name);
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new BundleError(
    `No generated API in ${apiDir}: expected ${ENTRY_FILES.join(' or ')}; run \`spec2mcp generate\` first.`,
  );
}

/** `--out x.mcpb` is the file; any other `--out` is a folder for `<name>.mcpb`. */
async function resolveOutFile(out: string | undefined, name: string): Promise<string> {
  if (out === undefined) return resolve(`${name}.mcpb`);
  const target = resolve(out);
  if (target.endsWith('.mcpb')) return target;
  return join(target, `${name}.mcpb`);
}

/**
 * The validator and packer report on console.log / console.error; collect their lines instead so
 * they appear once, in our error message, and never on a terminal in between.
 */
async function captureConsole<T>(run: () => T | Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const { log, error } = console;
  const collect = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  console.log = collect;
  console.error = collect;
  try {
    return { result: await run(), lines };
  } finally {
    console.log = log;
    console.error = error;
  }
}
