/**
 * The name lock: the tool names of the previous generation, read from the manifest.json it
 * wrote into the output folder. Regenerating keeps them, so adding an operation never renames
 * a published tool. A missing or unreadable manifest is no lock at all, never an error.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The last names read per manifest file, with the file's size and mtime then: `--watch` reads
 * the lock on every save, and a large API's manifest (schemas included) is megabytes of JSON.
 */
const lastRead = new Map<string, { size: number; mtimeMs: number; names: ReadonlyMap<string, string> }>();

/** `METHOD path` (method upper case) -> tool name; empty when there is no usable manifest. */
export async function readPreviousNames(outDir: string): Promise<ReadonlyMap<string, string>> {
  const file = join(outDir, 'manifest.json');
  const info = await stat(file).catch(() => undefined);
  if (!info) return new Map();
  const last = lastRead.get(file);
  if (last && last.size === info.size && last.mtimeMs === info.mtimeMs) return last.names;
  let names: ReadonlyMap<string, string>;
  try {
    names = readNamesFromManifest(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return new Map();
  }
  lastRead.set(file, { size: info.size, mtimeMs: info.mtimeMs, names });
  return names;
}

/**
 * After a run wrote manifest.json: its names, as the next read would find them, so the next
 * `--watch` run need not read the file back. Nothing is kept when the file cannot be seen.
 */
export async function rememberWrittenNames(
  outDir: string,
  tools: readonly {
    readonly name: string;
    readonly http: { readonly method: string; readonly path: string };
  }[],
): Promise<void> {
  const file = join(outDir, 'manifest.json');
  const info = await stat(file).catch(() => undefined);
  if (!info) return;
  const manifest = { tools: tools.map((t) => ({ name: t.name, method: t.http.method, path: t.http.path })) };
  lastRead.set(file, { size: info.size, mtimeMs: info.mtimeMs, names: readNamesFromManifest(manifest) });
}

/** The lock from a parsed manifest; entries that are not `{name, method, path}` strings are skipped. */
export function readNamesFromManifest(manifest: unknown): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  if (typeof manifest !== 'object' || manifest === null) return names;
  const tools = (manifest as { tools?: unknown }).tools;
  if (!Array.isArray(tools)) return names;
  for (const tool of tools) {
    if (typeof tool !== 'object' || tool === null) continue;
    const { name, method, path } = tool as { name?: unknown; method?: unknown; path?: unknown };
    if (typeof name !== 'string' || typeof method !== 'string' || typeof path !== 'string') continue;
    const key = `${method.toUpperCase()} ${path}`;
    // Two tools claiming one operation means the file was edited by hand: trust neither.
    if (names.has(key)) names.set(key, '');
    else names.set(key, name);
  }
  for (const [key, name] of names) if (name === '') names.delete(key);
  return names;
}
