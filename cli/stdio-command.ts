/**
 * `spec2mcp stdio <generatedDir>`: serves a generated API over stdio for desktop clients (Claude
 * Desktop, Cursor, VS Code) that start the server themselves. The options set the same environment
 * variables serve reads; the credential comes from SPEC2MCP_UPSTREAM_CREDENTIAL only, never from argv
 * (other local users can read a process's arguments).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const STDIO_USAGE = `Usage: spec2mcp stdio <generatedDir> [--upstream URL] [--toolsets a,b] [--mode all|dynamic]
                      [--read-only] [--tenant T] [--store memory|sqlite] [--data-dir DIR]

  Serves the generated API's tools over stdio (JSON-RPC on stdout, JSON log lines on stderr) until
  stdin closes or SIGTERM. The local user is the caller: no OAuth, no scope checks. The upstream
  credential comes from SPEC2MCP_UPSTREAM_CREDENTIAL.

  --upstream URL   the platform's base URL (SPEC2MCP_UPSTREAM_URL; default: the API's)
  --toolsets a,b   serve only these toolsets (SPEC2MCP_TOOLSETS)
  --mode dynamic   list search_tools, describe_tool and call_tool instead of every tool (SPEC2MCP_TOOL_MODE)
  --read-only      serve only the read-only tools (SPEC2MCP_READ_ONLY=on)
  --tenant T       the tenant, for APIs with one endpoint per tenant (SPEC2MCP_TENANT)
  --store KIND     memory (default): idempotency keys last as long as the process; sqlite: kept in
                   --data-dir (SPEC2MCP_STORE, SPEC2MCP_DATA_DIR, default .data)

Client configuration (Claude Desktop, Cursor, VS Code): docs/desktop-clients.md.`;

export interface StdioCommandIo {
  readonly env?: NodeJS.ProcessEnv;
  readonly err?: (text: string) => void;
  readonly out?: (text: string) => void;
}

export async function runStdioCommand(args: readonly string[], io: StdioCommandIo = {}): Promise<number> {
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  let parsed: ReturnType<typeof parseStdioArgs>;
  try {
    parsed = parseStdioArgs(args);
  } catch (error) {
    err(`${(error as Error).message}\n\n${STDIO_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out(`${STDIO_USAGE}\n`);
    return 0;
  }
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    err(`stdio needs exactly one generated API folder, e.g. generated/conveyor.\n\n${STDIO_USAGE}\n`);
    return 2;
  }
  const env: NodeJS.ProcessEnv = { ...(io.env ?? process.env) };
  const settings: ReadonlyArray<readonly [string | boolean | undefined, string]> = [
    [values.upstream, 'SPEC2MCP_UPSTREAM_URL'],
    [values.toolsets, 'SPEC2MCP_TOOLSETS'],
    [values.mode, 'SPEC2MCP_TOOL_MODE'],
    [values['read-only'] === true ? 'on' : undefined, 'SPEC2MCP_READ_ONLY'],
    [values.tenant, 'SPEC2MCP_TENANT'],
    [values.store, 'SPEC2MCP_STORE'],
    [values['data-dir'], 'SPEC2MCP_DATA_DIR'],
  ];
  for (const [value, name] of settings) if (typeof value === 'string') env[name] = value;

  // Loaded here: `generate` and the other commands never need the MCP server.
  const [{ runStdio }, { openStdioStore }, { loadApi }] = await Promise.all([
    import('../runtime/stdio/run-stdio.js'),
    import('../runtime/stdio/open-stdio-store.js'),
    import('../runtime/load-api.js'),
  ]);
  return runStdio({ env, loadApi: () => loadApi(resolve(dir)), openStore: openStdioStore });
}

function parseStdioArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      upstream: { type: 'string' },
      toolsets: { type: 'string' },
      mode: { type: 'string' },
      'read-only': { type: 'boolean' },
      tenant: { type: 'string' },
      store: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}
