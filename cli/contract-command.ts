/**
 * `spec2mcp contract <specDir>`: drives every tool of the API the spec generates through a real MCP
 * client against a mock upstream built from the document, or a staging URL behind a validating
 * proxy, and reports per tool (text, and JUnit XML with --junit). docs/contract.md.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatJunit } from '../contract/format-junit.js';
import { formatReport } from '../contract/format-report.js';
import { ContractUsageError, runContract } from '../contract/run-contract.js';
import { formatDiagnostic, sortDiagnostics } from '../generator/diagnostics/diagnostic.js';

export const CONTRACT_USAGE = `Usage: spec2mcp contract <specDir|file> [--upstream mock|URL] [--read-only] [--allow-writes]
                         [--junit FILE] [--tools a,b] [--concurrency N]

  Generates the API in memory, serves it with the runtime and calls every tool with the MCP SDK
  client: once with only the required arguments, once with all of them, and (mock) once more while
  the upstream answers a documented error. Every request the runtime sends is checked against its
  operation, every tool result against the tool's outputSchema, errors must come back as isError
  with the platform's status.

  --upstream mock   (default) a mock built from the OpenAPI document: it validates each request and
                    answers with the document's examples or schema-valid values
  --upstream URL    a staging platform: requests go through a validating proxy that also checks the
                    platform's answers. The credential comes from SPEC2MCP_UPSTREAM_CREDENTIAL.
                    Write tools are refused unless --read-only (check only read-only tools) or
                    --allow-writes (this platform's data may be changed) is given.
  --junit FILE      also write the report as JUnit XML
  --tools a,b       only these tools
  --concurrency N   tools checked at once (default 4)

Exit codes: 0 every tool passed (warnings allowed), 1 a check failed (or the spec does not
generate), 2 usage error.`;

export interface ContractCommandIo {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

export async function runContractCommand(
  args: readonly string[],
  io: ContractCommandIo = {},
): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const cwd = io.cwd ?? process.cwd();
  const env = io.env ?? process.env;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    err(`${(error as Error).message}\n\n${CONTRACT_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(`${CONTRACT_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    err(`contract takes one spec folder or OpenAPI file (got ${positionals.length}).\n\n${CONTRACT_USAGE}\n`);
    return 2;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    err(`--concurrency must be a positive whole number, not "${values.concurrency}".\n`);
    return 2;
  }
  const upstream = values.upstream ?? 'mock';
  if (upstream === 'mock' && (values['read-only'] || values['allow-writes'])) {
    err('--read-only and --allow-writes apply to --upstream URL only: the mock keeps no data.\n');
    return 2;
  }
  const credential = env['SPEC2MCP_UPSTREAM_CREDENTIAL'];
  try {
    const report = await runContract({
      specPath: positionals[0]!,
      cwd,
      upstream,
      ...(values['read-only'] && { readOnly: true }),
      ...(values['allow-writes'] && { allowWrites: true }),
      ...(values.tools !== undefined && {
        tools: values.tools
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      }),
      ...(concurrency !== undefined && { concurrency }),
      ...(upstream !== 'mock' &&
        credential !== undefined &&
        credential !== '' && { upstreamCredential: credential }),
    });
    for (const diagnostic of sortDiagnostics(report.diagnostics)) err(`${formatDiagnostic(diagnostic)}\n`);
    out(formatReport(report));
    if (values.junit !== undefined) {
      const file = resolve(cwd, values.junit);
      await writeFile(file, formatJunit([report]));
      out(`JUnit report: ${values.junit}\n`);
    }
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof ContractUsageError) {
      err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      upstream: { type: 'string' },
      'read-only': { type: 'boolean' },
      'allow-writes': { type: 'boolean' },
      junit: { type: 'string' },
      tools: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}
