/**
 * Every real-world document in ../shared/corpus/openapi loads: a LoadedSpec, no crash, and the
 * diagnostics recorded below (a change in them is a change in behaviour worth a look). Load times
 * of the biggest documents are printed, not asserted.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { loadSpec } from '../../generator/load/load-spec.js';
import { requireCorpus } from './helpers.js';

const dir = requireCorpus('openapi');
const files = readdirSync(dir)
  .filter((file) => /\.(json|ya?ml)$/.test(file))
  .sort();

// given file -> want version, want diagnostic counts by code
const want: Record<string, readonly [string, Record<string, number>]> = {
  // MANIFEST.tsv: `nullable` in 3.1.
  'adyen-checkout-v71.json': ['3.1', { MCPGEN_SCHEMA_NONSTANDARD: 1 }],
  // MANIFEST.tsv: 3.0-style `nullable: true` in 3.1 (535 uses, one warning).
  'airflow-3-rest-api.yaml': ['3.1', { MCPGEN_SCHEMA_NONSTANDARD: 1 }],
  'api-with-examples-3.0.yaml': ['3.0', {}],
  'argo-workflows-swagger.json': ['2.0', {}],
  'asana-oas.yaml': ['3.0', {}],
  'box-openapi.json': ['3.0', {}],
  // Its SCIM examples hold `"$ref": "https://..."` keys: data, not references.
  'github-ghes-3.6-diff.json': ['3.0', {}],
  'jira-platform-v3.json': ['3.0', {}],
  // MANIFEST.tsv: "1 unresolvable internal $ref".
  'keycloak-admin-23.0.7.json': ['3.0', { MCPGEN_REF_NOT_FOUND: 1 }],
  // MANIFEST.tsv: "duplicate operationIds:340"; swagger-parser stops at the first.
  'kubernetes-1.12-swagger.json': ['2.0', { MCPGEN_SPEC_INVALID: 1 }],
  'line-messaging-api.yaml': ['3.0', {}],
  'link-example-3.0.yaml': ['3.0', {}],
  // MANIFEST.tsv: `nullable` in 3.1, `$recursiveRef`/`$recursiveAnchor`, boolean exclusiveMinimum, stray keys.
  'openai-openapi.yaml': ['3.1', { MCPGEN_SCHEMA_NONSTANDARD: 7 }],
  'paypal-checkout-orders-v2.json': ['3.0', {}],
  'petstore-2.0.json': ['2.0', {}],
  // MANIFEST.tsv: non-standard schema keys (supported_environment_variables, min_items/max_items).
  'prefect-server.json': ['3.1', { MCPGEN_SCHEMA_NONSTANDARD: 3 }],
  'sentry-openapi-derefed.json': ['3.0', {}],
  'spotify-web-api.yaml': ['3.0', {}],
  'stripe-spec3.json': ['3.0', {}],
  'swagger-petstore-v3.yaml': ['3.0', {}],
  'uber-2.0.yaml': ['2.0', {}],
  'uspto-3.0.json': ['3.0', {}],
  'vault-openapi.json': ['3.0', {}],
  'vonage-number-insight.yaml': ['3.0', {}],
  'webhook-example-3.1.yaml': ['3.1', {}],
};

const timings: { file: string; bytes: number; ms: number }[] = [];

describe('the OpenAPI corpus loads', () => {
  it('has a want row for every document', () => {
    expect(files).toEqual(Object.keys(want).sort());
  });

  it.each(files)('%s', { timeout: 30_000 }, async (file) => {
    const sink = createDiagnosticSink();
    const started = performance.now();
    const spec = await loadSpec({ path: path.join(dir, file), cwd: dir }, sink);
    timings.push({ file, bytes: statSync(path.join(dir, file)).size, ms: performance.now() - started });
    expect(spec, file).toBeDefined();
    const counts: Record<string, number> = {};
    for (const d of sink.diagnostics) counts[d.code] = (counts[d.code] ?? 0) + 1;
    expect([spec?.version, counts]).toEqual(want[file]);
    // A converted 2.0 document is 3.0-shaped for the stages after load.
    expect(typeof spec?.document['openapi']).toBe('string');
    expect(spec?.locate('/paths')).toMatchObject({ file });
  });

  afterAll(() => {
    const biggest = [...timings].sort((a, b) => b.bytes - a.bytes).slice(0, 8);
    const rows = biggest.map(
      (t) =>
        `  ${t.file.padEnd(32)} ${(t.bytes / 1024 / 1024).toFixed(1).padStart(5)} MiB ${t.ms.toFixed(0).padStart(6)} ms`,
    );
    console.log(`load times of the biggest corpus documents:\n${rows.join('\n')}`);
  });
});
