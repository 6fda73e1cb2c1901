import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPreviousNames, rememberWrittenNames } from '../../generator/load/read-previous-manifest.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function outDirWith(tools: { name: string; method: string; path: string }[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spec2mcp-names-'));
  dirs.push(dir);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ tools }));
  return dir;
}

describe('readPreviousNames', () => {
  it('given a manifest, want METHOD path -> name', async () => {
    const dir = await outDirWith([{ name: 'list_items', method: 'GET', path: '/items' }]);
    expect(await readPreviousNames(dir)).toEqual(new Map([['GET /items', 'list_items']]));
  });

  it('given the names a run remembered after writing, want them while the file is as written', async () => {
    const dir = await outDirWith([{ name: 'on_disk', method: 'GET', path: '/items' }]);
    await rememberWrittenNames(dir, [{ name: 'remembered', http: { method: 'get', path: '/items' } }]);
    expect(await readPreviousNames(dir)).toEqual(new Map([['GET /items', 'remembered']]));
  });

  it('given a manifest changed by hand after it was read, want the names in the file now', async () => {
    const dir = await outDirWith([{ name: 'first', method: 'GET', path: '/items' }]);
    expect((await readPreviousNames(dir)).get('GET /items')).toBe('first');
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({ tools: [{ name: 'second', method: 'GET', path: '/items' }] }),
    );
    // A different mtime even on a file system with coarse timestamps.
    await utimes(join(dir, 'manifest.json'), new Date(), new Date(Date.now() + 5000));
    expect((await readPreviousNames(dir)).get('GET /items')).toBe('second');
  });

  it('given no manifest, want no lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spec2mcp-names-'));
    dirs.push(dir);
    expect((await readPreviousNames(dir)).size).toBe(0);
  });
});
