/**
 * Given: specs/conveyor generated in memory. Want: buildApiDefinition gives exactly what the
 * committed generated/conveyor module exports (which `check` keeps current), so `contract` serves
 * the same tools a deployment does.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApiDefinition } from '../../contract/build-api-definition.js';
import { generate } from '../../generator/generate.js';
import { loadApi } from '../../runtime/load-api.js';
import { repoRoot } from '../load/helpers.js';

describe('buildApiDefinition', () => {
  it('equals the emitted and imported generated/conveyor module', async () => {
    const generated = await generate({
      specPath: path.join(repoRoot, 'specs/conveyor'),
      cwd: repoRoot,
      dryRun: true,
      cache: false,
    });
    expect(generated.ok).toBe(true);
    const fromIr = buildApiDefinition(generated.api!);
    const imported = JSON.parse(JSON.stringify(await loadApi(path.join(repoRoot, 'generated/conveyor'))));
    expect(fromIr).toEqual(imported);
  });
});
