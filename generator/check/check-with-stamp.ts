/**
 * `check` without the pipeline: when the spec, overlays, options and generator are the ones
 * the stamp records, the stamped file hashes are exactly what `generate` would write, so
 * comparing them with the disk gives the same missing / changed / stale lists as a dry run.
 * Any doubt (no stamp, an input changed, manifest.json touched) answers "run the pipeline".
 * Loads neither the IR builder nor the emitter (nor ts-morph).
 */
import { join, resolve } from 'node:path';
import { deriveApiId } from '../derive-api-id.js';
import { compareInputs } from './compare-inputs.js';
import { readCurrentInputs } from './read-current-inputs.js';
import { readOutputState } from './read-output-state.js';
import { readStamp } from './read-stamp.js';

export interface StampCheckOptions {
  readonly specPath: string;
  /** Default: generated/<api id> under `cwd`, as `generate`. */
  readonly outDir?: string;
  readonly overlays?: readonly string[];
  readonly strict?: boolean;
  readonly allowExternalRefs?: boolean;
  readonly cwd?: string;
}

export type StampCheck =
  | {
      /** The stamp settled it; the lists are what a dry run of the pipeline would report. */
      readonly decided: true;
      readonly outDir: string;
      readonly tools: number;
      readonly created: readonly string[];
      readonly changed: readonly string[];
      readonly stale: readonly string[];
    }
  | { readonly decided: false; readonly outDir: string; readonly reason: string };

/**
 * manifest.json is also an input: its tool names are the name lock. Regenerating with the lock
 * the stamped run wrote gives the same names (a fixpoint), but a different lock may not.
 */
const NAME_LOCK_FILE = 'manifest.json';

export async function checkWithStamp(options: StampCheckOptions): Promise<StampCheck> {
  const cwd = options.cwd ?? process.cwd();
  const specPath = resolve(cwd, options.specPath);
  const apiId = deriveApiId(specPath);
  const outDir = resolve(cwd, options.outDir ?? join('generated', apiId));
  const stamp = await readStamp(outDir);
  if (!stamp) return { decided: false, outDir, reason: 'no stamp from generate' };
  const [inputs, output] = await Promise.all([
    readCurrentInputs({
      specPath,
      apiId,
      overlays: (options.overlays ?? []).map((o) => resolve(cwd, o)),
      strict: options.strict ?? false,
      allowExternalRefs: options.allowExternalRefs ?? false,
      cwd,
    }),
    readOutputState(outDir, stamp.files),
  ]);
  if (!inputs) return { decided: false, outDir, reason: 'the spec folder could not be read' };
  const reason = compareInputs(stamp.inputs, inputs);
  if (reason !== undefined) return { decided: false, outDir, reason };
  if ([...output.missing, ...output.changed].includes(NAME_LOCK_FILE)) {
    return { decided: false, outDir, reason: `${NAME_LOCK_FILE} (the name lock) differs` };
  }
  return {
    decided: true,
    outDir,
    tools: stamp.tools,
    created: output.missing,
    changed: output.changed,
    stale: output.stale,
  };
}
