/** Shared test plumbing: parse text without the disk, a load context, and the ../shared corpus root. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createDiagnosticSink,
  type Diagnostic,
  type DiagnosticSink,
} from '../../generator/diagnostics/diagnostic.js';
import { applyOverlay } from '../../generator/load/apply-overlays.js';
import { createLoadContext, type LoadContext } from '../../generator/load/load-context.js';
import { parseJsonText } from '../../generator/load/parse-json.js';
import { parseYamlText } from '../../generator/load/parse-yaml.js';
import { SourceMap } from '../../generator/load/source-map.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtures = path.join(repoRoot, 'test/fixtures/load');
/** The shared corpus; CI always has it, so its absence fails the tests that need it. */
export const sharedRoot = path.resolve(repoRoot, '../shared');
export const corpusRoot = path.join(sharedRoot, 'corpus');

export function requireCorpus(sub: string): string {
  const dir = path.join(corpusRoot, sub);
  if (!existsSync(dir))
    throw new Error(`The shared corpus is missing: ${dir} (expected at ../shared next to the repo)`);
  return dir;
}

export interface TestLoad {
  readonly sink: DiagnosticSink;
  readonly sourceMap: SourceMap;
  readonly context: LoadContext;
}

export function createTestLoad(options: { strict?: boolean; allowExternalRefs?: boolean } = {}): TestLoad {
  const sink = createDiagnosticSink({ strict: options.strict ?? false });
  const sourceMap = new SourceMap();
  const context = createLoadContext(sink, {
    sourceMap,
    strict: options.strict ?? false,
    allowExternalRefs: options.allowExternalRefs ?? false,
    cwd: repoRoot,
    maxBytes: 32 * 1024 * 1024,
  });
  return { sink, sourceMap, context };
}

/** Parses YAML (or JSON, by file extension) text as if read from `file`, positions registered. */
export function parseText(load: TestLoad, file: string, text: string): unknown {
  const fileId = load.sourceMap.addFile(file, text);
  const parsed = file.endsWith('.json')
    ? parseJsonText(text, fileId, load.sourceMap)
    : parseYamlText(text, fileId, load.sourceMap);
  if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.value;
}

/** Applies overlays (given as text) to a spec (given as text), in order. */
export function applyOverlayTexts(
  spec: string,
  overlays: readonly (readonly [file: string, text: string])[],
  options: { strict?: boolean } = {},
) {
  const load = createTestLoad(options);
  const document = parseText(load, 'openapi.yaml', spec) as Record<string, unknown>;
  for (const [file, text] of overlays) {
    applyOverlay({ document }, { file, value: parseText(load, file, text) }, load.context);
  }
  return {
    ...load,
    document,
    locate: (pointer: string) => load.sourceMap.locate(document, pointer, 'openapi.yaml'),
  };
}

/** `CODE file:line:col` (plus severity when a warning): compact enough for want tables. */
export function summarize(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map(
    (d) =>
      `${d.code}${d.severity === 'warning' ? ' (warning)' : ''} ${d.source.file}:${d.source.line}:${d.source.column}`,
  );
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}
