import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { loadSchemaValidator } from '../../generator/load/load-schema-validator.js';

/** Invalid in ways the OpenAPI schemas catch: a bad parameter location, a path without a leading slash. */
function invalidDocument(openapi: string): Record<string, unknown> {
  return {
    openapi,
    info: { title: 'T', version: '1' },
    paths: {
      '/items': {
        get: {
          parameters: [{ name: 'q', in: 'body', schema: { type: 'string' } }],
          responses: { '200': { description: 'ok' } },
        },
      },
      items: {},
    },
  };
}

async function swaggerParserErrors(document: Record<string, unknown>): Promise<unknown[]> {
  try {
    await SwaggerParser.validate(structuredClone(document) as never, {
      resolve: { external: false },
      dereference: { excludedPathMatcher: () => true },
    });
    return [];
  } catch (error) {
    return (error as { details?: unknown[] }).details ?? [];
  }
}

describe('loadSchemaValidator', () => {
  it.each([
    ['3.0', '3.0.3'],
    ['3.1', '3.1.0'],
  ] as const)(
    'given an invalid %s document, want the errors swagger-parser reports',
    async (version, openapi) => {
      const document = invalidDocument(openapi);
      const validate = await loadSchemaValidator(version);
      expect(validate(document)).toBe(false);
      const want = await swaggerParserErrors(document);
      expect(want.length).toBeGreaterThan(0);
      expect(validate.errors).toEqual(want);
    },
  );

  it('given an invalid 2.0 document, want the errors swagger-parser reports', async () => {
    const document = {
      swagger: '2.0',
      info: { title: 'T', version: '1' },
      paths: {
        '/items': { get: { parameters: [{ name: 'q', in: 'nowhere', type: 'string' }], responses: {} } },
      },
    };
    const validate = await loadSchemaValidator('2.0');
    expect(validate(document)).toBe(false);
    let want: unknown[] = [];
    try {
      await SwaggerParser.validate(structuredClone(document) as never);
    } catch (error) {
      want = (error as { details?: unknown[] }).details ?? [];
    }
    expect(want.length).toBeGreaterThan(0);
    expect(validate.errors).toEqual(want);
  });

  it('given a valid document, want no errors', async () => {
    const validate = await loadSchemaValidator('3.1');
    const document = { openapi: '3.1.0', info: { title: 'T', version: '1' }, paths: {} };
    expect(validate(document)).toBe(true);
  });

  it('compiles once per installation: the compiled code is kept in the cache folder', async () => {
    await loadSchemaValidator('3.0');
    const folder = join(process.cwd(), 'node_modules', '.cache', 'spec2mcp', 'validators');
    const files = await readdir(folder);
    expect(files.some((f) => /^openapi-3\.0-[0-9a-f]{16}\.cjs$/.test(f))).toBe(true);
    expect(await loadSchemaValidator('3.0')).toBe(await loadSchemaValidator('3.0'));
  });
});
