/**
 * The API id of a spec path: the name of its output folder and cache. On its own so `check`
 * can find the output folder without loading the pipeline (and ts-morph under it).
 */
import { basename, dirname, extname } from 'node:path';
import { toSnakeCase } from './ir/naming.js';

/** `specs/conveyor` -> `conveyor`; `petstore-2.0.json` -> `petstore_2_0`. */
export function deriveApiId(specPath: string): string {
  const ext = extname(specPath).toLowerCase();
  const isFile = ['.yaml', '.yml', '.json'].includes(ext);
  const name = isFile ? basename(specPath, extname(specPath)) : basename(specPath);
  const generic = ['openapi', 'swagger', 'spec', 'api'];
  const chosen = isFile && generic.includes(name.toLowerCase()) ? basename(dirname(specPath)) : name;
  return toSnakeCase(chosen) || 'api';
}
