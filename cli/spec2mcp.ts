/**
 * The `spec2mcp` command line. Parses arguments, calls the pipeline or the
 * runtime, prints diagnostics; the only place that decides exit codes.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

// Generator modules are imported where generate, check and watch use them: `serve` loads none.
import type { GenerationCache } from '../generator/cache/generation-cache.js';
import type { GenerateOptions } from '../generator/generate.js';

const USAGE = `spec2mcp — generate MCP servers from OpenAPI documents and overlays

Usage:
  spec2mcp generate [specDir|file ...] [--out DIR] [--overlay FILE]... [--strict] [--allow-external-refs]
                   [--watch] [--no-cache]
      Without a path, regenerates every folder under specs/ into generated/<api>/. --watch
      regenerates on every save of a spec or overlay until Ctrl-C. Unchanged operations and
      tools come from node_modules/.cache/spec2mcp/<api>/ (--no-cache: build everything).
  spec2mcp check [specDir ...]
      Exit 1 and list the files when generated/ is not what the specs produce now.
  spec2mcp diff <old> <new> [--format text|markdown|json] [--allow-breaking]
      Tool-surface changes between two git refs, generated/ folders or spec folders; exit 1 on
      breaking ones. \`spec2mcp diff --help\` for details; docs/ci.md for the pull-request comment.
  spec2mcp contract <specDir> [--upstream mock|URL] [--read-only] [--allow-writes] [--junit FILE]
                   [--tools a,b]
      Call every tool through a real MCP client against a mock built from the OpenAPI document (or
      a staging URL) and check requests, results and error mapping; exit 1 on a failure.
      \`spec2mcp contract --help\` for details; docs/contract.md.
  spec2mcp serve <generatedDir> [--upstream URL] [--port N] [--host H] [--toolsets a,b]
                [--mode all|dynamic] [--public-url URL] [--no-auth] [--watch]
      Serve a generated API over MCP (Streamable HTTP at /mcp, HTTP+SSE at /sse for 2024-11-05
      clients). --watch reloads the folder when it is regenerated. The upstream credential comes
      from SPEC2MCP_UPSTREAM_CREDENTIAL. --mode dynamic lists only the tool-discovery tools
      (SPEC2MCP_TOOL_MODE); --toolsets serves only those toolsets (SPEC2MCP_TOOLSETS).
      Callers need an OAuth access token or API token (SPEC2MCP_AUTH, default embedded;
      --public-url is SPEC2MCP_PUBLIC_URL). --no-auth serves without authentication, on
      127.0.0.1 only.
  spec2mcp stdio <generatedDir> [--upstream URL] [--toolsets a,b] [--mode all|dynamic] [--read-only]
      Serve a generated API over stdio for desktop clients that start it themselves (Claude
      Desktop, Cursor, VS Code); credential from SPEC2MCP_UPSTREAM_CREDENTIAL, no OAuth.
      \`spec2mcp stdio --help\` for details; docs/desktop-clients.md for client configuration.
  spec2mcp bundle <generatedDir> [--out FILE] [--upstream URL]
      Write a Claude Desktop extension (<name>.mcpb): the stdio server in one file, a manifest
      that asks for the credential at install time; checked with the official validator.
  spec2mcp audit [--since 15m|ISO] [--until 15m|ISO] [--tool NAME] [--principal ID] [--outcome O]
                [--limit N] [--json] [--data-dir DIR | --database-url URL]
      List audited tool calls, newest first, from the store the server uses (SPEC2MCP_STORE,
      SPEC2MCP_DATA_DIR, SPEC2MCP_DATABASE_URL). \`spec2mcp audit --help\` for details.
  spec2mcp tokens create --name NAME --scopes mcp:read[,mcp:write] [--tenant T] [--workspaces a,b]
                       [--expires 90d] [--api DIR] [--json]
  spec2mcp tokens list [--json]
  spec2mcp tokens revoke <id|name>
      API tokens for scripts and CI, in the same store as audit (--data-dir DIR | --database-url URL).
      create prints the token once. \`spec2mcp tokens --help\` for details.
  spec2mcp clients list [--json] | spec2mcp clients revoke <client_id>
      OAuth clients users authorized on the embedded authorization server: name, id, scopes,
      users, last use; revoke ends their grants and tokens at once. \`spec2mcp clients --help\`.

Exit codes: 0 ok, 1 problems found (diagnostics printed), 2 usage error.`;

export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'generate':
        return await runGenerate(rest, false);
      case 'check':
        return await runGenerate(rest, true);
      case 'serve':
        return await runServe(rest);
      case 'audit': {
        // Loaded on demand: the store drivers are not needed to generate.
        const { runAuditCommand } = await import('./audit-command.js');
        return await runAuditCommand(rest);
      }
      case 'tokens': {
        const { runTokensCommand } = await import('./tokens-command.js');
        return await runTokensCommand(rest);
      }
      case 'diff': {
        const { runDiffCommand } = await import('./diff-command.js');
        return await runDiffCommand(rest);
      }
      case 'stdio': {
        const { runStdioCommand } = await import('./stdio-command.js');
        return await runStdioCommand(rest);
      }
      case 'bundle': {
        const { runBundleCommand } = await import('./bundle-command.js');
        return await runBundleCommand(rest);
      }
      case 'contract': {
        const { runContractCommand } = await import('./contract-command.js');
        return await runContractCommand(rest);
      }
      case 'clients': {
        const { runClientsCommand } = await import('./clients-command.js');
        return await runClientsCommand(rest);
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`Unknown command \`${command}\`.\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

class UsageError extends Error {}

function parse<const O extends ParseArgsOptionsConfig>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function runGenerate(args: readonly string[], check: boolean): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    overlay: { type: 'string', multiple: true },
    strict: { type: 'boolean' },
    'allow-external-refs': { type: 'boolean' },
    watch: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  });
  const specs = positionals.length > 0 ? positionals : await listSpecFolders('specs');
  if (specs.length === 0) throw new UsageError('No spec given and no folders under specs/.');
  if (values.out && specs.length > 1) throw new UsageError('--out works with one spec at a time.');
  if (values.watch && check) throw new UsageError('--watch works with generate, not check.');
  const overlays = Array.isArray(values.overlay) ? (values.overlay as string[]) : [];
  const [{ createGenerationCache }, { findCacheDir }, { deriveApiId }] = await Promise.all([
    import('../generator/cache/generation-cache.js'),
    import('../generator/cache/read-cache-entries.js'),
    import('../generator/derive-api-id.js'),
  ]);
  const runs: SpecRun[] = await Promise.all(
    specs.map(async (specPath) => ({
      specPath,
      options: {
        specPath,
        dryRun: check,
        ...(typeof values.out === 'string' ? { outDir: values.out } : {}),
        ...(overlays.length > 0 ? { overlays } : {}),
        strict: values.strict === true,
        allowExternalRefs: values['allow-external-refs'] === true,
      },
      // One cache per API for the whole session: a watch run starts from the previous one in memory.
      cache:
        values['no-cache'] === true
          ? false
          : createGenerationCache(await findCacheDir(process.cwd(), deriveApiId(resolve(specPath)))),
    })),
  );
  let failed = false;
  for (const run of runs) if (!(await generateOne(run, check))) failed = true;
  if (!values.watch) return failed ? 1 : 0;
  return watchAndRegenerate(runs, overlays);
}

interface SpecRun {
  readonly specPath: string;
  readonly options: GenerateOptions;
  readonly cache: GenerationCache | false;
}

/** Generates (or checks) one API and prints diagnostics and the summary; true when it succeeded. */
async function generateOne(run: SpecRun, check: boolean): Promise<boolean> {
  const { formatMs, formatSummary } = await import('./format-summary.js');
  let unstamped = '';
  if (check) {
    const { checkWithStamp } = await import('../generator/check/check-with-stamp.js');
    const started = performance.now();
    const stamped = await checkWithStamp(run.options);
    if (stamped.decided) {
      const ms = performance.now() - started;
      return reportCheck(run.specPath, stamped, `${stamped.tools} tools, ${formatMs(ms)}, from the stamp`);
    }
    unstamped = `; ran the pipeline: ${stamped.reason}`;
  }
  // Loaded here: a check the stamp settles never loads the pipeline (nor ts-morph under it).
  const [{ generate }, { formatDiagnostic, sortDiagnostics }, { createProgressReporter }] = await Promise.all(
    [
      import('../generator/generate.js'),
      import('../generator/diagnostics/diagnostic.js'),
      import('./report-progress.js'),
    ],
  );
  const progress = createProgressReporter(run.specPath, process.stderr);
  const result = await generate({ ...run.options, cache: run.cache, onProgress: (p) => progress.update(p) });
  progress.finish();
  for (const d of sortDiagnostics(result.diagnostics)) console.error(formatDiagnostic(d));
  if (!result.ok) {
    for (const line of formatSummary({ specPath: run.specPath, out: '', result })) console.error(line);
    return false;
  }
  const plan = result.plan!;
  if (!check) {
    const out = relative(process.cwd(), result.outDir!) || '.';
    for (const line of formatSummary({ specPath: run.specPath, out, result })) console.log(line);
    return true;
  }
  const tools = result.api?.tools.length ?? 0;
  return reportCheck(
    run.specPath,
    { outDir: result.outDir!, ...plan },
    `${tools} tools, ${formatMs(result.timings.total)}${unstamped}`,
  );
}

/** The `check` verdict, the same whether the stamp or the pipeline found it; true when current. */
function reportCheck(
  specPath: string,
  found: { outDir: string; created: readonly string[]; changed: readonly string[]; stale: readonly string[] },
  about: string,
): boolean {
  const out = relative(process.cwd(), found.outDir) || '.';
  const differing = [
    ...found.created.map((f) => `missing  ${out}/${f}`),
    ...found.changed.map((f) => `changed  ${out}/${f}`),
    ...found.stale.map((f) => `stale    ${out}/${f}`),
  ];
  if (differing.length > 0) {
    console.error(`✗ ${out} is not current with ${specPath}:\n  ${differing.join('\n  ')}`);
    console.error(
      `  fix: run \`npm run generate\` (or \`spec2mcp generate ${specPath}\`) and commit the result.`,
    );
    return false;
  }
  console.log(`✓ ${out} is current (${about})`);
  return true;
}

/**
 * Regenerates an API whenever its spec or an overlay is saved, until SIGINT/SIGTERM.
 * A run with errors prints them and writes nothing; the next save tries again.
 */
async function watchAndRegenerate(runs: readonly SpecRun[], overlays: readonly string[]): Promise<number> {
  const { watchSpecs } = await import('./watch-specs.js');
  const state = runs.map(() => ({ running: false, pending: false }));
  const regenerate = async (index: number): Promise<void> => {
    const run = runs[index];
    const s = state[index];
    if (!run || !s) return;
    if (s.running) {
      s.pending = true;
      return;
    }
    s.running = true;
    try {
      do {
        s.pending = false;
        console.log(`\n${run.specPath} changed; regenerating`);
        await generateOne(run, false);
      } while (s.pending);
    } catch (error) {
      console.error(`✗ ${run.specPath}: ${(error as Error).stack ?? String(error)}`);
    } finally {
      s.running = false;
    }
  };
  const watcher = watchSpecs(
    runs.map((run) => ({
      specPath: resolve(run.specPath),
      overlays: overlays.map((o) => resolve(o)),
    })),
    (index) => void regenerate(index),
  );
  console.log(`watching ${runs.map((r) => r.specPath).join(', ')} for changes (Ctrl-C to stop)`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  watcher.close();
  return 0;
}

async function listSpecFolders(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const folders: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    const hasSpec = await Promise.any(
      ['openapi.yaml', 'openapi.yml', 'openapi.json'].map((f) => stat(join(dir, f))),
    ).catch(() => undefined);
    if (hasSpec) folders.push(dir);
  }
  return folders.sort();
}

async function runServe(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    upstream: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    toolsets: { type: 'string' },
    mode: { type: 'string' },
    'public-url': { type: 'string' },
    'no-auth': { type: 'boolean' },
    watch: { type: 'boolean' },
  });
  const dir = positionals[0];
  if (!dir) throw new UsageError('serve needs the generated API folder, e.g. generated/conveyor');
  const env = { ...process.env };
  if (typeof values.port === 'string') env['PORT'] = values.port;
  if (typeof values.host === 'string') env['HOST'] = values.host;
  if (typeof values.upstream === 'string') env['SPEC2MCP_UPSTREAM_URL'] = values.upstream;
  if (typeof values.toolsets === 'string') env['SPEC2MCP_TOOLSETS'] = values.toolsets;
  if (typeof values.mode === 'string') env['SPEC2MCP_TOOL_MODE'] = values.mode;
  if (typeof values['public-url'] === 'string') env['SPEC2MCP_PUBLIC_URL'] = values['public-url'];
  if (values.watch === true) env['SPEC2MCP_WATCH'] = '1';
  const noAuth = values['no-auth'] === true;
  if (noAuth) {
    env['SPEC2MCP_AUTH'] = 'none';
    // Without authentication anyone who reaches the port acts with the service credential.
    if (env['HOST'] !== undefined && env['HOST'] !== '127.0.0.1') {
      console.error(`--no-auth: ignoring host ${env['HOST']}.`);
    }
    env['HOST'] = '127.0.0.1';
    console.error(
      '--no-auth: serving without authentication, so listening on 127.0.0.1 only: anyone who can reach the port would act with the service credential.',
    );
  }
  const { readRuntimeConfig, RuntimeConfigError } = await import('../runtime/read-runtime-config.js');
  const { startServer } = await import('../runtime/start-server.js');
  let config: ReturnType<typeof readRuntimeConfig>;
  try {
    config = readRuntimeConfig(env, [resolve(dir)]);
  } catch (error) {
    if (error instanceof RuntimeConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (config.auth.mode === 'none' && !noAuth && config.trustedPrincipalHeader === undefined) {
    throw new UsageError(
      'SPEC2MCP_AUTH=none serves without authentication; pass --no-auth to confirm (the server then listens on 127.0.0.1 only).',
    );
  }
  await startServer(config);
  return 0;
}

// Run directly: `node dist/cli/spec2mcp.js` (the built output, no tsx). bin/spec2mcp.js imports runCli instead.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  process.exitCode = await runCli(process.argv.slice(2));
}
