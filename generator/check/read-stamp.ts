/**
 * Reads the stamp `generate` left in an output folder. Anything missing, unreadable, of
 * another format or the wrong shape is no stamp: `check` then runs the pipeline.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STAMP_FILE, STAMP_FORMAT, type Stamp, type StampedFile } from '../write/build-stamp.js';

export async function readStamp(outDir: string): Promise<Stamp | undefined> {
  const text = await readFile(join(outDir, STAMP_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isStamp(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

function isStamp(value: unknown): value is Stamp {
  if (!isRecord(value) || value['format'] !== STAMP_FORMAT) return false;
  const { inputs, tools, files } = value;
  if (typeof tools !== 'number' || !isRecord(files) || !isRecord(inputs)) return false;
  if (!Object.values(files).every((hash) => typeof hash === 'string' && SHA256.test(hash))) return false;
  const { api, spec, overlays, options, generator } = inputs;
  return (
    typeof api === 'string' &&
    typeof generator === 'string' &&
    isStampedFile(spec) &&
    Array.isArray(overlays) &&
    overlays.every(isStampedFile) &&
    isRecord(options) &&
    typeof options['strict'] === 'boolean' &&
    typeof options['allowExternalRefs'] === 'boolean'
  );
}

function isStampedFile(value: unknown): value is StampedFile {
  return isRecord(value) && typeof value['file'] === 'string' && typeof value['sha256'] === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
