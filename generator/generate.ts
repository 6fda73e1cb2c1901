/**
 * The pipeline: load -> IR -> emit -> write. The only place the stages meet;
 * each stage stays pure and testable on its own.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDiagnosticSink, type Diagnostic } from './diagnostics/diagnostic.js';
import { type EmittedFiles, emitApi } from './emit/emit-api.js';
import { buildApiIR } from './ir/build-api-ir.js';
import { toSnakeCase } from './ir/naming.js';
import type { ApiIR } from './ir/types.js';
import { loadSpec } from './load/load-spec.js';
import { planWrite, type WritePlan, writeFiles } from './write/write-files.js';

export interface GenerateOptions {
  /** Spec folder (openapi.yaml + overlays/) or a single OpenAPI file. */
  readonly specPath: string;
  /** Default: generated/<api id> under `cwd`. */
  readonly outDir?: string;
  readonly overlays?: readonly string[];
  readonly strict?: boolean;
  readonly allowExternalRefs?: boolean;
  readonly cwd?: string;
  /** Compare only; write nothing. */
  readonly dryRun?: boolean;
}

export interface GenerateResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly api?: ApiIR;
  readonly files?: EmittedFiles;
  readonly outDir?: string;
  readonly plan?: WritePlan;
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const cwd = options.cwd ?? process.cwd();
  const sink = createDiagnosticSink({ strict: options.strict ?? false });
  const spec = await loadSpec(
    {
      path: resolve(cwd, options.specPath),
      cwd,
      ...(options.overlays ? { overlays: options.overlays.map((o) => resolve(cwd, o)) } : {}),
      ...(options.strict !== undefined ? { strict: options.strict } : {}),
      ...(options.allowExternalRefs !== undefined ? { allowExternalRefs: options.allowExternalRefs } : {}),
    },
    sink,
  );
  if (!spec) return { ok: false, diagnostics: sink.diagnostics };
  const id = deriveApiId(resolve(cwd, options.specPath));
  const api = buildApiIR(
    {
      document: spec.document,
      version: spec.version,
      specName: spec.specName,
      specSha256: spec.specSha256,
      overlays: spec.overlays.map((o) => ({ file: o.name, sha256: o.sha256 })),
      locate: (p) => spec.locate(p),
      resolveRef: (r) => spec.resolveRef(r),
    },
    { id, generatorVersion: await readGeneratorVersion() },
    sink,
  );
  // Nothing is written when any stage reported an error: a half-written generated/ is worse than a stale one.
  if (sink.hasErrors()) return { ok: false, diagnostics: sink.diagnostics, api };
  const files = emitApi(api);
  const outDir = resolve(cwd, options.outDir ?? join('generated', id));
  const plan = options.dryRun ? await planWrite(outDir, files) : await writeFiles(outDir, files);
  return { ok: true, diagnostics: sink.diagnostics, api, files, outDir, plan };
}

/** `specs/conveyor` -> `conveyor`; `petstore-2.0.json` -> `petstore_2_0`. */
export function deriveApiId(specPath: string): string {
  const ext = extname(specPath).toLowerCase();
  const isFile = ['.yaml', '.yml', '.json'].includes(ext);
  const name = isFile ? basename(specPath, extname(specPath)) : basename(specPath);
  const generic = ['openapi', 'swagger', 'spec', 'api'];
  const chosen = isFile && generic.includes(name.toLowerCase()) ? basename(dirname(specPath)) : name;
  return toSnakeCase(chosen) || 'api';
}

let cachedVersion: string | undefined;
async function readGeneratorVersion(): Promise<string> {
  if (cachedVersion) return cachedVersion;
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
  const parsed = JSON.parse(await readFile(pkg, 'utf8')) as { version?: string };
  cachedVersion = parsed.version ?? '0.0.0';
  return cachedVersion;
}
