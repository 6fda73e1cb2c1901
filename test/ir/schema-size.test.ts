/**
 * `tools/list` bytes per tool over the real-world corpus: the JSON of each tool's listing (name,
 * title, description, inputSchema, outputSchema, annotations), as the runtime serves it.
 *
 * The bounds follow from the generator's budgets, not from today's numbers: an output schema is
 * cut to OUTPUT_SCHEMA_BUDGET (16 KiB), an input's text is squeezed to INPUT_SCHEMA_BUDGET
 * (32 KiB), a description is at most 2,000 characters, so a listing is normally under 48 KiB; only
 * an input whose structure alone is larger (hundreds of alternatives: Adyen's payment methods,
 * OpenAI's response items) goes over, and not past twice that. Stripe, the worst case before
 * (form bodies with deep anyOf, every object expandable), measured 1.28 MB median and 2.0 MB p90
 * per tool when every component was inlined at every use.
 *
 * Also checked here, on the documents with reference cycles (argo, stripe, prefect, keycloak,
 * jira, kubernetes): cycles stay `$defs` that refer to themselves, every schema stands alone, and
 * those schemas compile.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import { INPUT_SCHEMA_BUDGET, OUTPUT_SCHEMA_BUDGET } from '../../generator/ir/json-schema.js';
import type { JsonSchema, ToolIR } from '../../generator/ir/types.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { requireCorpus } from '../load/helpers.js';

const dir = requireCorpus('openapi');
const files = readdirSync(dir)
  .filter((file) => /\.(json|ya?ml)$/.test(file))
  .sort();

const KIB = 1024;
/** Two budgets plus a description: the normal ceiling of one listing. */
const NORMAL_LISTING = OUTPUT_SCHEMA_BUDGET + INPUT_SCHEMA_BUDGET;
const CYCLIC = new Set([
  'argo-workflows-swagger.json',
  'stripe-spec3.json',
  'prefect-server.json',
  'keycloak-admin-23.0.7.json',
  'jira-platform-v3.json',
  'kubernetes-1.12-swagger.json',
]);

interface Row {
  readonly file: string;
  readonly tools: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
  readonly maxTool: string;
}
const rows: Row[] = [];
const allSizes: number[] = [];

function listingBytes(tool: ToolIR): number {
  return JSON.stringify({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined && { outputSchema: tool.outputSchema }),
    annotations: { title: tool.title, ...tool.annotations },
  }).length;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** `#/$defs/X` references whose def is missing, and references left pointing into the document. */
function danglingRefs(schema: JsonSchema): string[] {
  const text = JSON.stringify(schema);
  const defs =
    typeof schema === 'object' && typeof schema['$defs'] === 'object' ? (schema['$defs'] as object) : {};
  const refs = [...text.matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1]!);
  return refs.filter((ref) => !(ref.startsWith('#/$defs/') && ref.slice('#/$defs/'.length) in defs));
}

/** A def that reaches itself: the cycle kept, not unrolled. */
function hasRecursiveDef(schema: JsonSchema): boolean {
  if (typeof schema !== 'object' || typeof schema['$defs'] !== 'object') return false;
  const defs = schema['$defs'] as Record<string, unknown>;
  const edges = new Map(
    Object.entries(defs).map(([name, body]) => [
      name,
      [...JSON.stringify(body).matchAll(/"\$ref":"#\/\$defs\/([^"]*)"/g)].map((m) => m[1]!),
    ]),
  );
  const reaches = (from: string, target: string, seen: Set<string>): boolean =>
    (edges.get(from) ?? []).some(
      (next) => next === target || (!seen.has(next) && reaches(next, target, seen.add(next))),
    );
  return Object.keys(defs).some((name) => reaches(name, name, new Set()));
}

describe('tools/list bytes per tool over the corpus', () => {
  it.each(files)('%s', { timeout: 60_000 }, async (file) => {
    const sink = createDiagnosticSink();
    const spec = await loadSpec({ path: path.join(dir, file), cwd: dir }, sink);
    if (!spec) throw new Error(`${file} did not load`);
    const api = buildApiIR(
      {
        document: spec.document,
        version: spec.version,
        specName: file,
        specSha256: '',
        overlays: [],
        locate: (p) => spec.locate(p),
        resolveRef: (r) => spec.resolveRef(r),
      },
      { id: 'corpus', generatorVersion: '0.0.0' },
      sink,
    );
    const sizes = api.tools.map((tool) => ({ tool: tool.name, bytes: listingBytes(tool) }));
    const sorted = sizes.map((s) => s.bytes).sort((a, b) => a - b);
    const largest = [...sizes].sort((a, b) => b.bytes - a.bytes)[0];
    const row: Row = {
      file,
      tools: sizes.length,
      median: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      max: largest?.bytes ?? 0,
      maxTool: largest?.tool ?? '-',
    };
    rows.push(row);
    allSizes.push(...sorted);

    expect(row.p90, `${file} p90`).toBeLessThanOrEqual(NORMAL_LISTING);
    expect(row.max, `${file} largest (${row.maxTool})`).toBeLessThanOrEqual(2 * NORMAL_LISTING);
    for (const tool of api.tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        if (schema !== undefined) expect(danglingRefs(schema), `${tool.name}`).toEqual([]);
      }
      // Nothing a model needs is dropped: every argument of the binding is in the input schema.
      const bound = [
        ...tool.params.flatMap((p) => (p.argument === undefined ? [] : [p.argument])),
        ...(tool.body?.argument === undefined ? [] : [tool.body.argument]),
        ...(tool.body?.properties ?? []).filter((p) => !p.hidden).map((p) => p.argument),
      ];
      const properties = Object.keys((tool.inputSchema as { properties?: object }).properties ?? {});
      expect(properties, tool.name).toEqual(expect.arrayContaining(bound));
    }

    if (file === 'stripe-spec3.json') {
      expect(row.median, 'stripe median').toBeLessThanOrEqual(12 * KIB);
      expect(row.p90, 'stripe p90').toBeLessThanOrEqual(24 * KIB);
    }
    if (CYCLIC.has(file)) {
      const ajv = new Ajv2020({ strict: false, validateFormats: false });
      const recursive = api.tools
        .flatMap((tool) => [tool.inputSchema, tool.outputSchema])
        .filter((schema): schema is JsonSchema => schema !== undefined && hasRecursiveDef(schema));
      expect(recursive.length, `${file}: schemas with a recursive $def`).toBeGreaterThan(0);
      for (const schema of recursive) expect(() => ajv.compile(schema as object)).not.toThrow();
    }
  });

  afterAll(() => {
    const kib = (n: number) => `${(n / KIB).toFixed(1).padStart(7)} KiB`;
    const lines = rows
      .sort((a, b) => (a.file < b.file ? -1 : 1))
      .map(
        (r) =>
          `  ${r.file.padEnd(32)} ${String(r.tools).padStart(5)} tools  median ${kib(r.median)}  p90 ${kib(r.p90)}  max ${kib(r.max)} (${r.maxTool})`,
      );
    const sorted = [...allSizes].sort((a, b) => a - b);
    console.log(
      `tools/list bytes per tool:\n${lines.join('\n')}\n  all ${sorted.length} tools: median ${kib(quantile(sorted, 0.5))}, p90 ${kib(quantile(sorted, 0.9))}`,
    );
    if (rows.length === files.length) {
      // Most tools of most APIs are small; the corpus-wide median says so.
      expect(quantile(sorted, 0.5)).toBeLessThanOrEqual(4 * KIB);
    }
  });
});
