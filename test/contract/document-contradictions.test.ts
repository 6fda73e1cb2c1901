/**
 * `contract` on a document that contradicts itself: given an operation whose body requires a name
 * its schema forbids (Jira's ScreenTypes: `required: [defaultScreen]`, no such property,
 * additionalProperties: false), want a document warning naming the schema and the generator's code,
 * and the tool reported with a warning, not as a failure of what spec2mcp generates and sends.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContract } from '../../contract/run-contract.js';

const document = {
  openapi: '3.0.3',
  info: { title: 'Screens', version: '1.0.0' },
  servers: [{ url: 'https://screens.test' }],
  paths: {
    '/screenscheme': {
      post: {
        operationId: 'createScreenScheme',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Details' } } },
        },
        responses: {
          '201': {
            description: 'Created.',
            content: {
              'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' } } } },
            },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Details: {
        type: 'object',
        required: ['name', 'screens'],
        properties: { name: { type: 'string' }, screens: { $ref: '#/components/schemas/ScreenTypes' } },
      },
      ScreenTypes: {
        type: 'object',
        required: ['defaultScreen'],
        properties: { default: { type: 'integer' }, edit: { type: 'integer' } },
        additionalProperties: false,
      },
    },
  },
};

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spec2mcp-contradiction-'));
  await writeFile(path.join(dir, 'openapi.json'), JSON.stringify(document, null, 2));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('contract: a document that contradicts itself', () => {
  it('is a document warning, and the tool a warning, not a failure', { timeout: 60_000 }, async () => {
    const report = await runContract({ specPath: path.join(dir, 'openapi.json'), cwd: dir, concurrency: 1 });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(
      /^document: openapi\.json:\d+:\d+ {2}MCPGEN_UNSATISFIABLE_SCHEMA {2}\/components\/schemas\/ScreenTypes: the schema requires `defaultScreen`/,
    );
    const tool = report.tools.find((t) => t.tool === 'create_screen_scheme');
    expect(tool?.outcome).toBe('warning');
    expect(tool?.cases.flatMap((c) => c.warnings)[0]).toMatch(
      /^document contradicts itself: \/components\/schemas\/ScreenTypes requires 'defaultScreen' and forbids it/,
    );
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
