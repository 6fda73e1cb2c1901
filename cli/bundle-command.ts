/**
 * `spec2mcp bundle <generatedDir>`: writes a Claude Desktop extension (`.mcpb`) that runs the
 * generated API's stdio server and asks the user for the upstream credential at install time.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

export const BUNDLE_USAGE = `Usage: spec2mcp bundle <generatedDir> [--out FILE|DIR] [--upstream URL] [--author NAME]
                       [--version V]

  Writes <name>.mcpb: manifest.json (the tools, and install-time fields for the credential,
  the API base URL and read-only) plus server/index.js, the stdio server and the generated API in
  one file that runs with the desktop client's own Node.js. The manifest is checked with the
  official validator (@anthropic-ai/mcpb) before anything is written. Open the file with Claude
  Desktop to install it (docs/desktop-clients.md).

  --out FILE|DIR   a .mcpb path, or a folder for <name>.mcpb (default: the working directory)
  --upstream URL   the base URL the install dialog offers (default: the API's)
  --author NAME    the manifest's author (default: the server's title)
  --version V      the extension's version (default: the MCP server's, x-mcp.server.version)`;

export interface BundleCommandIo {
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

export async function runBundleCommand(args: readonly string[], io: BundleCommandIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  let parsed: ReturnType<typeof parseBundleArgs>;
  try {
    parsed = parseBundleArgs(args);
  } catch (error) {
    err(`${(error as Error).message}\n\n${BUNDLE_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out(`${BUNDLE_USAGE}\n`);
    return 0;
  }
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    err(`bundle needs exactly one generated API folder, e.g. generated/conveyor.\n\n${BUNDLE_USAGE}\n`);
    return 2;
  }
  // Loaded here: esbuild and the validator are needed by this command only.
  const [{ writeMcpb }, { BundleError }] = await Promise.all([
    import('../bundle/write-mcpb.js'),
    import('../bundle/bundle-stdio-server.js'),
  ]);
  const started = performance.now();
  try {
    const written = await writeMcpb({
      apiDir: dir,
      ...(values.out !== undefined && { out: values.out }),
      ...(values.upstream !== undefined && { upstreamUrl: values.upstream }),
      ...(values.author !== undefined && { author: values.author }),
      ...(values.version !== undefined && { version: values.version }),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const { manifest } = written;
    out(
      `✓ ${dir} -> ${relative(process.cwd(), written.file) || written.file}: ${manifest.display_name} ${manifest.version}, ` +
        `${manifest.tools.length} tools, passes the mcpb validator (manifest ${manifest.manifest_version})\n` +
        `  size: ${formatBytes(written.bytes)} (server/index.js ${formatBytes(written.serverBytes)} unpacked); ${seconds} s\n` +
        `  install: open it with Claude Desktop (double-click, or drag it into Settings > Extensions) and enter the credential when asked\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof BundleError) {
      err(`✗ ${dir}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parseBundleArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      out: { type: 'string' },
      upstream: { type: 'string' },
      author: { type: 'string' },
      version: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
