/** Which stamped input differs from the current one, in words for the `check` line. Pure. */
import type { StampInputs } from '../write/build-stamp.js';

/** undefined when every input is the same: the stamped files are what the pipeline would write. */
export function compareInputs(stamped: StampInputs, current: StampInputs): string | undefined {
  if (stamped.generator !== current.generator) return 'the generator changed';
  if (stamped.api !== current.api) return `the API id changed (${stamped.api} -> ${current.api})`;
  if (stamped.spec.file !== current.spec.file) return `the spec file is now ${current.spec.file}`;
  if (stamped.spec.sha256 !== current.spec.sha256) return `${current.spec.file} changed`;
  const before = stamped.overlays.map((o) => o.file).join('\n');
  const after = current.overlays.map((o) => o.file).join('\n');
  if (before !== after) return 'the overlays are not the same files in the same order';
  const edited = current.overlays.find((o, i) => o.sha256 !== stamped.overlays[i]!.sha256);
  if (edited) return `${edited.file} changed`;
  for (const key of ['strict', 'allowExternalRefs'] as const) {
    if (stamped.options[key] !== current.options[key]) return `--${toKebab(key)} differs from generate's`;
  }
  return undefined;
}

function toKebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
