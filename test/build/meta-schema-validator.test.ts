/**
 * The build replaces runtime/mcp/validate-json-schema.ts with Ajv's standalone code for the same
 * meta-schema validator (scripts/meta-schema-validator.mjs). Given schemas that pass and fail the
 * JSON Schema 2020-12 meta-schema, want the precompiled validator to give Ajv's verdicts and errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMetaSchemaValidator } from '../../runtime/mcp/validate-json-schema.js';
// @ts-expect-error: a plain JavaScript build script without types
import { generateMetaSchemaValidator } from '../../scripts/meta-schema-validator.mjs';

// Inside the repository, so the generated imports of Ajv's runtime helpers resolve from node_modules.
const folder = mkdtempSync(join(import.meta.dirname, '../../.tmp/meta-schema-validator-'));
let precompiled: ValidateFunction;

beforeAll(async () => {
  const file = join(folder, 'validate-json-schema.js');
  writeFileSync(file, (generateMetaSchemaValidator as () => string)());
  const module = (await import(pathToFileURL(file).href)) as {
    getMetaSchemaValidator: () => ValidateFunction;
  };
  precompiled = module.getMetaSchemaValidator();
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the precompiled meta-schema validator', () => {
  it.each<{ given: string; schema: unknown }>([
    { given: 'an empty schema', schema: {} },
    { given: 'a boolean schema', schema: true },
    {
      given: 'an object with $defs and $ref',
      schema: { properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: {} } },
    },
    { given: 'an unknown format (an annotation)', schema: { type: 'string', format: 'uuid4' } },
    { given: 'an unknown type', schema: { type: 'object', properties: { a: { type: 'nope' } } } },
    { given: 'a negative minProperties', schema: { minProperties: -1 } },
    { given: 'a nested bad keyword under $defs', schema: { $defs: { x: { items: { minLength: 'one' } } } } },
    { given: 'a non-string $ref', schema: { items: { $ref: 5 } } },
  ])('given $given, answers as Ajv compiling the meta-schema does', ({ schema }) => {
    const compiled = getMetaSchemaValidator();
    const want = compiled(schema);
    expect(precompiled(schema)).toBe(want);
    expect(precompiled.errors ?? null).toEqual(compiled.errors ?? null);
  });

  it('refuses an invalid schema (the check has teeth)', () => {
    expect(precompiled({ type: 'nope' })).toBe(false);
    expect(precompiled.errors?.[0]?.instancePath).toBe('/type');
  });
});
