/**
 * The stamp: `.spec2mcp-stamp.json` in the output folder, written by every `generate`. It
 * records everything the output was produced from (spec and overlay bytes by hash, their order,
 * the options that change output, the generator's identity) and the hash of every file written,
 * so `spec2mcp check` can tell "current" from the disk alone: same inputs + same file hashes
 * means the pipeline would produce these bytes again. Deterministic (no clock, no absolute
 * paths), and not one of the generated files: a stale stamp only makes `check` slower. Pure.
 */
import { createHash } from 'node:crypto';

export const STAMP_FILE = '.spec2mcp-stamp.json';
export const STAMP_FORMAT = 1;

/** Everything besides the generated files' own bytes that decides what `generate` writes. */
export interface StampInputs {
  /** The API id (names the output folder, appears in the output). */
  readonly api: string;
  /** The OpenAPI document, relative to the spec folder. */
  readonly spec: StampedFile;
  /** In the order applied: the folder's overlays by file name, then `--overlay` files as given. */
  readonly overlays: readonly StampedFile[];
  readonly options: { readonly strict: boolean; readonly allowExternalRefs: boolean };
  /** readGeneratorIdentity(): generator source, package.json, installed parser/printer versions. */
  readonly generator: string;
}

export interface StampedFile {
  readonly file: string;
  readonly sha256: string;
}

export interface Stamp {
  readonly format: typeof STAMP_FORMAT;
  readonly about: string;
  readonly inputs: StampInputs;
  readonly tools: number;
  /** Output path (posix, relative to the output folder) -> sha256 of the bytes written. */
  readonly files: Readonly<Record<string, string>>;
}

const ABOUT =
  'Written by spec2mcp generate; spec2mcp check compares it with the spec, overlays and files to skip regenerating. Not an input: a stale stamp only makes check slower.';

/** `files` holds the exact bytes written (after LF normalisation). */
export function buildStamp(input: {
  readonly inputs: StampInputs;
  readonly tools: number;
  readonly files: ReadonlyMap<string, string>;
}): Stamp {
  const paths = [...input.files.keys()].sort();
  return {
    format: STAMP_FORMAT,
    about: ABOUT,
    inputs: input.inputs,
    tools: input.tools,
    files: Object.fromEntries(paths.map((path) => [path, hashContent(input.files.get(path)!)])),
  };
}

/** Two-space JSON with a final newline, like manifest.json. */
export function formatStamp(stamp: Stamp): string {
  return `${JSON.stringify(stamp, null, 2)}\n`;
}

export function hashContent(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
