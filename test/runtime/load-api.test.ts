import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApi } from '../../runtime/load-api.js';

const fixtureDir = new URL('../fixtures/runtime/notes', import.meta.url).pathname;
const scratch = await mkdtemp(join(tmpdir(), 'spec2mcp-load-api-'));

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('loadApi', () => {
  it('imports <dir>/index.ts and returns its api export', async () => {
    const api = await loadApi(fixtureDir);
    expect(api.id).toBe('notes');
    expect(api.tools.map((tool) => tool.name)).toContain('get_note');
  });

  it('prefers index.js (built output) and accepts a default export', async () => {
    const dir = join(scratch, 'built');
    await mkdir(dir);
    await writeFile(
      join(dir, 'index.js'),
      'export default { id: "built", tools: [], upstream: {}, server: {}, prompts: [] };\n',
    );
    await writeFile(join(dir, 'index.ts'), 'throw new Error("index.ts must not be loaded");\n');
    expect((await loadApi(dir)).id).toBe('built');
  });

  it('names the folder when there is no entry file', async () => {
    await expect(loadApi(join(scratch, 'missing'))).rejects.toThrow(
      /No generated API in .*missing: expected index.js or index.ts/,
    );
  });

  it('explains what is wrong with a module that is not an ApiDefinition', async () => {
    const dir = join(scratch, 'wrong');
    await mkdir(dir);
    await writeFile(join(dir, 'index.js'), 'export const api = { id: 1, tools: {} };\n');
    await expect(loadApi(dir)).rejects.toThrow(
      /does not export an ApiDefinition built with defineApi: `id` is not a string; `tools` is not an array/,
    );
  });
});
