/**
 * The `spec2mcp` command line. Parses arguments, calls the pipeline or the
 * runtime, prints diagnostics; the only place that decides exit codes.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

import { formatDiagnostic, sortDiagnostics } from '../generator/diagnostics/diagnostic.js';
import { generate } from '../generator/generate.js';

const USAGE = `spec2mcp — generate MCP servers from OpenAPI documents and overlays

Usage:
  spec2mcp generate [specDir|file ...] [--out DIR] [--overlay FILE]... [--strict] [--allow-external-refs]
      Without a path, regenerates every folder under specs/ into generated/<api>/.
  spec2mcp check [specDir ...]
      Exit 1 and list the files when generated/ is not what the specs produce now.
  spec2mcp serve <generatedDir> [--upstream URL] [--port N] [--host H] [--toolsets a,b]
      Serve a generated API over MCP (Streamable HTTP at /mcp). The upstream credential comes
      from SPEC2MCP_UPSTREAM_CREDENTIAL.

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
  });
  const specs = positionals.length > 0 ? positionals : await listSpecFolders('specs');
  if (specs.length === 0) throw new UsageError('No spec given and no folders under specs/.');
  if (values.out && specs.length > 1) throw new UsageError('--out works with one spec at a time.');
  let failed = false;
  for (const specPath of specs) {
    const started = performance.now();
    const result = await generate({
      specPath,
      dryRun: check,
      ...(typeof values.out === 'string' ? { outDir: values.out } : {}),
      ...(Array.isArray(values.overlay) ? { overlays: values.overlay as string[] } : {}),
      strict: values.strict === true,
      allowExternalRefs: values['allow-external-refs'] === true,
    });
    for (const d of sortDiagnostics(result.diagnostics)) console.error(formatDiagnostic(d));
    if (!result.ok) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      console.error(`✗ ${specPath}: ${errors} error(s); nothing written.`);
      failed = true;
      continue;
    }
    const plan = result.plan!;
    const out = relative(process.cwd(), result.outDir!) || '.';
    const ms = Math.round(performance.now() - started);
    if (check) {
      const differing = [
        ...plan.created.map((f) => `missing  ${out}/${f}`),
        ...plan.changed.map((f) => `changed  ${out}/${f}`),
        ...plan.stale.map((f) => `stale    ${out}/${f}`),
      ];
      if (differing.length > 0) {
        console.error(`✗ ${out} is not current with ${specPath}:\n  ${differing.join('\n  ')}`);
        console.error(
          `  fix: run \`npm run generate\` (or \`spec2mcp generate ${specPath}\`) and commit the result.`,
        );
        failed = true;
      } else {
        console.log(`✓ ${out} is current (${result.api?.tools.length ?? 0} tools, ${ms} ms)`);
      }
    } else {
      console.log(
        `✓ ${specPath} -> ${out}: ${result.api?.tools.length ?? 0} tools; ` +
          `${plan.created.length} created, ${plan.changed.length} changed, ${plan.stale.length} removed, ` +
          `${plan.unchanged.length} unchanged (${ms} ms)`,
      );
    }
  }
  return failed ? 1 : 0;
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
  });
  const dir = positionals[0];
  if (!dir) throw new UsageError('serve needs the generated API folder, e.g. generated/conveyor');
  const env = { ...process.env };
  if (typeof values.port === 'string') env['PORT'] = values.port;
  if (typeof values.host === 'string') env['HOST'] = values.host;
  if (typeof values.upstream === 'string') env['SPEC2MCP_UPSTREAM_URL'] = values.upstream;
  if (typeof values.toolsets === 'string') env['SPEC2MCP_TOOLSETS'] = values.toolsets;
  const { readRuntimeConfig, RuntimeConfigError } = await import('../runtime/read-runtime-config.js');
  const { startServer } = await import('../runtime/start-server.js');
  let config: ReturnType<typeof readRuntimeConfig>;
  try {
    config = readRuntimeConfig(env, [resolve(dir)]);
  } catch (error) {
    if (error instanceof RuntimeConfigError) throw new UsageError(error.message);
    throw error;
  }
  await startServer(config);
  return 0;
}
