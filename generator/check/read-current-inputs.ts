/**
 * The stamp inputs as they are now: which spec file and overlays the spec folder holds (the
 * loader's own readSpecFolder, so the same files in the same order), their bytes' hashes, the
 * options and the generator's identity. Reads and hashes; parses nothing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createDiagnosticSink } from '../diagnostics/diagnostic.js';
import { toDisplayPath } from '../load/display-path.js';
import { createLoadContext } from '../load/load-context.js';
import { readSpecFolder } from '../load/read-spec-folder.js';
import { SourceMap } from '../load/source-map.js';
import type { StampInputs } from '../write/build-stamp.js';
import { readGeneratorIdentity } from '../write/read-generator-identity.js';

export interface CurrentInputsOptions {
  /** Absolute spec folder or file. */
  readonly specPath: string;
  readonly apiId: string;
  /** Absolute `--overlay` files, applied after the folder's own. */
  readonly overlays: readonly string[];
  readonly strict: boolean;
  readonly allowExternalRefs: boolean;
  readonly cwd: string;
}

/** undefined when the folder or a file cannot be read: the pipeline then reports it properly. */
export async function readCurrentInputs(options: CurrentInputsOptions): Promise<StampInputs | undefined> {
  const sink = createDiagnosticSink();
  const context = createLoadContext(sink, {
    sourceMap: new SourceMap(),
    strict: options.strict,
    allowExternalRefs: options.allowExternalRefs,
    cwd: options.cwd,
    // readSpecFolder lists files and reads none (read-document.ts, which would load the parsers, is not needed).
    maxBytes: Number.MAX_SAFE_INTEGER,
  });
  const [layout, generator] = await Promise.all([
    readSpecFolder(options.specPath, context),
    readGeneratorIdentity(),
  ]);
  if (!layout || sink.diagnostics.length > 0) return undefined;
  const overlayPaths = [...layout.overlayPaths, ...options.overlays];
  const hashes = await Promise.all([layout.specPath, ...overlayPaths].map(hashFile));
  if (hashes.some((hash) => hash === undefined)) return undefined;
  const [specHash, ...overlayHashes] = hashes as string[];
  return {
    api: options.apiId,
    spec: { file: path.basename(layout.specPath), sha256: specHash! },
    overlays: overlayPaths.map((file, i) => ({
      file: toDisplayPath(file, layout.specDir),
      sha256: overlayHashes[i]!,
    })),
    options: { strict: options.strict, allowExternalRefs: options.allowExternalRefs },
    generator,
  };
}

async function hashFile(file: string): Promise<string | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  return bytes && createHash('sha256').update(bytes).digest('hex');
}
