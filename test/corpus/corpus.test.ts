/**
 * The whole real-world corpus works end to end: every document of ../shared/corpus/openapi is
 * generated with no overlay (lenient defaults), all generated code type-checks in one program,
 * and each API is served by the runtime and driven by the real SDK client over Streamable HTTP
 * against a recording mock upstream: tools/list (valid, unique names; descriptions; input
 * schemas that compile in Ajv 2020) and one tool call that reaches the upstream as bound.
 *
 * Generation runs first (beforeAll); the type check then runs in a child process while the
 * MCP checks run here, so the two longest parts overlap on two cores.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RecordingUpstream as MockUpstream,
  startRecordingUpstream as startMockUpstream,
} from '../../contract/mock-upstream/start-recording-upstream.js';
import { sampleArguments, sampleValue } from '../../contract/sample-values.js';
import { deriveApiId, type GenerateResult, generate } from '../../generator/generate.js';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition, ToolDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';
import { repoRoot, requireCorpus } from '../load/helpers.js';
import { connectClient } from '../runtime/connect-client.js';
import type { TypecheckReport } from './typecheck-files.js';

// Throws (the file fails) when ../shared is missing: CI always has it.
const corpusDir = requireCorpus('openapi');
const documents = readdirSync(corpusDir)
  .filter((file) => /\.(json|ya?ml)$/.test(file))
  .sort();
/** Generated modules import `../../../runtime/define-tool.js`: the output must sit one folder below the repo. */
const outRoot = path.join(repoRoot, '.tmp-corpus');
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

interface DocumentRun {
  readonly file: string;
  readonly id: string;
  readonly outDir: string;
  readonly generated: GenerateResult;
  readonly ms: number;
  /** Filled by the MCP check. */
  listed?: number;
  called?: string;
}

const runs = new Map<string, DocumentRun>();
let typecheck: Promise<TypecheckReport>;
let upstream: MockUpstream;

beforeAll(async () => {
  upstream = await startMockUpstream();
  for (const file of documents) {
    const id = deriveApiId(path.join(corpusDir, file));
    const outDir = path.join(outRoot, id);
    const started = performance.now();
    // cwd: the corpus folder, so diagnostics name the document plainly (and no disk cache is kept).
    const generated = await generate({ specPath: path.join(corpusDir, file), outDir, cwd: corpusDir });
    runs.set(file, { file, id, outDir, generated, ms: performance.now() - started });
  }
  const files = [...runs.values()].flatMap((run) =>
    [...(run.generated.files?.keys() ?? [])]
      .filter((name) => name.endsWith('.ts'))
      .map((name) => path.join(run.outDir, name)),
  );
  typecheck = typecheckInChild(files);
  // A failed run still reports through its own test; keep the promise from rejecting unobserved.
  typecheck.catch(() => {});
}, 600_000);

afterAll(async () => {
  await upstream?.close();
  const rows = [...runs.values()].map((run) => {
    const warnings = run.generated.diagnostics.filter((d) => d.severity === 'warning').length;
    return `  ${run.file.padEnd(32)} tools ${String(run.generated.api?.tools.length ?? '-').padStart(5)}  warnings ${String(warnings).padStart(4)}  generate ${run.ms.toFixed(0).padStart(6)} ms  listed ${String(run.listed ?? '-').padStart(5)}  called ${run.called ?? '-'}`;
  });
  console.log(`corpus: ${runs.size} documents\n${rows.join('\n')}`);
});

/** One program over every generated file, in a child process with room for the checker's heap. */
async function typecheckInChild(files: readonly string[]): Promise<TypecheckReport> {
  await mkdir(outRoot, { recursive: true });
  const list = path.join(outRoot, 'typecheck-files.json');
  await writeFile(list, JSON.stringify(files));
  const script = path.join(repoRoot, 'test/corpus/typecheck-files.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', script, list], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`type check exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout) as TypecheckReport);
    });
  });
}

/**
 * Ajv 2020, strict off, with ajv-formats; one per document so memory does not pile up. Unoptimized
 * code with refs kept as calls compiles ~6x faster (kubernetes: 14 s -> 2.4 s) and accepts exactly
 * the same schemas; identical schema texts are compiled once.
 */
function createSchemaCompiler(): (schema: unknown) => ValidateFunction {
  const ajv = new Ajv2020({ strict: false, logger: false, code: { optimize: false }, inlineRefs: false });
  addFormats.default(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return (schema) => {
    const text = JSON.stringify(schema);
    let validate = compiled.get(text);
    if (validate === undefined) {
      validate = ajv.compile(JSON.parse(text) as object);
      compiled.set(text, validate);
    }
    return validate;
  };
}

/** `GET /items/{id}` -> a pattern for the request the runtime sends (values percent-encoded, any style). */
function requestPattern(method: string, base: string, template: string): RegExp {
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pathPart = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/?#]*' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${method.toUpperCase()} ${escapeRegExp(base)}${pathPart}(\\?.*)?$`);
}

/** The tool to call: read-only first, then fewest required arguments; all of them scalars we can make up. */
function pickTool(
  tools: readonly ToolDefinition[],
  validators: ReadonlyMap<string, ValidateFunction>,
): { tool: ToolDefinition; args: Record<string, unknown> } | undefined {
  const candidates = tools
    .map((tool) => ({ tool, args: sampleArguments(tool.inputSchema) }))
    .filter((c): c is { tool: ToolDefinition; args: Record<string, unknown> } => c.args !== undefined)
    .filter((c) => validators.get(c.tool.name)?.(c.args) === true)
    .sort(
      (a, b) =>
        Number(b.tool.annotations.readOnlyHint) - Number(a.tool.annotations.readOnlyHint) ||
        Object.keys(a.args).length - Object.keys(b.args).length ||
        (a.tool.name < b.tool.name ? -1 : 1),
    );
  return candidates[0];
}

describe.each(documents)('%s', (file) => {
  const run = () => {
    const found = runs.get(file);
    if (!found) throw new Error(`${file} was not generated (see beforeAll)`);
    return found;
  };

  it('generates with no errors (lenient defaults)', () => {
    const { generated } = run();
    const errors = generated.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} ${d.source.file}:${d.source.line} ${d.message}`)).toEqual([]);
    expect(generated.ok).toBe(true);
  });

  it('serves its tools over MCP (SDK client, Streamable HTTP) and calls one', {
    timeout: 180_000,
  }, async () => {
    const current = run();
    const api: ApiDefinition = await loadApi(current.outDir);
    const app = await buildServer({ api, upstreamUrl: `${upstream.url}/upstream`, retryBackoffMs: 1 });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const connected = await connectClient(`${address}/mcp`, '2025-11-25');
    try {
      const listed: { name: string; description?: string; inputSchema: unknown }[] = [];
      let cursor: string | undefined;
      do {
        const page = await connected.client.listTools(cursor === undefined ? {} : { cursor });
        listed.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      current.listed = listed.length;

      expect(listed.length).toBe(api.tools.length);
      const names = listed.map((t) => t.name);
      expect(names.filter((name) => !TOOL_NAME.test(name))).toEqual([]);
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
      expect(listed.filter((t) => !t.description?.trim()).map((t) => t.name)).toEqual([]);
      const compileSchema = createSchemaCompiler();
      const validators = new Map<string, ValidateFunction>();
      const uncompiled: string[] = [];
      for (const tool of listed) {
        try {
          validators.set(tool.name, compileSchema(tool.inputSchema));
        } catch (error) {
          uncompiled.push(`${tool.name}: ${(error as Error).message}`);
        }
      }
      expect(uncompiled).toEqual([]);

      if (api.tools.length === 0) return;
      const picked = pickTool(api.tools, validators);
      expect(picked, 'a tool whose required arguments are scalars').toBeDefined();
      const { tool, args } = picked!;
      current.called = tool.name;
      const outputValidator = tool.outputSchema === undefined ? undefined : compileSchema(tool.outputSchema);
      const body =
        tool.outputSchema === undefined ? {} : sampleValue(tool.outputSchema, tool.outputSchema as never);
      const bodyFits = outputValidator === undefined || outputValidator(body) === true;
      upstream.body = bodyFits ? body : {};
      upstream.requests.length = 0;

      const result = await connected.client.callTool({ name: tool.name, arguments: args });
      const want = requestPattern(tool.http.method, '/upstream', tool.http.path);
      expect(
        upstream.requests.map((r) => `${r.method} ${r.url}`),
        `${tool.name} ${JSON.stringify(args)} calls ${tool.http.method.toUpperCase()} ${tool.http.path}; the tool said ${JSON.stringify(result.content).slice(0, 300)}`,
      ).toContainEqual(expect.stringMatching(want));
      // An upstream answer that fits the output schema is a success, with structured content.
      if (bodyFits && tool.http.responseMediaType?.includes('json')) {
        expect(result.isError, JSON.stringify(result.content).slice(0, 500)).not.toBe(true);
      }
    } finally {
      await connected.close();
      await app.close();
    }
  });
});

describe('all generated code type-checks in one program', () => {
  it.each(documents)('%s', { timeout: 600_000 }, async (file) => {
    const report = await typecheck;
    const { outDir } = runs.get(file)!;
    const problems = report.problems
      .filter((p) => p.file.startsWith(`${outDir}${path.sep}`) || p.file.startsWith(`${outDir}/`))
      .map(
        (p) =>
          `${path.relative(outDir, p.file)}:${p.line}:${p.column} TS${p.code} ${p.message.split('\n')[0]}`,
      );
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('and nothing outside the generated folders', async () => {
    const report = await typecheck;
    console.log(`type check: ${report.files} files in ${report.ms} ms`);
    expect(report.problems.filter((p) => !p.file.startsWith(outRoot))).toEqual([]);
  });
});
