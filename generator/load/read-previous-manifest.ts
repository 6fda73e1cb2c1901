/**
 * The name lock: the tool names of the previous generation, read from the manifest.json it
 * wrote into the output folder. Regenerating keeps them, so adding an operation never renames
 * a published tool. A missing or unreadable manifest is no lock at all, never an error.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `METHOD path` (method upper case) -> tool name; empty when there is no usable manifest. */
export async function readPreviousNames(outDir: string): Promise<ReadonlyMap<string, string>> {
  let text: string;
  try {
    text = await readFile(join(outDir, 'manifest.json'), 'utf8');
  } catch {
    return new Map();
  }
  try {
    return readNamesFromManifest(JSON.parse(text));
  } catch {
    return new Map();
  }
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
