import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/spec2mcp.js';

const fixtures = 'test/fixtures/bad';

let out: string;
let stderr: string[];
beforeEach(async () => {
  out = join(await mkdtemp(join(tmpdir(), 'spec2mcp-bad-')), 'generated');
  stderr = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr.push(args.join(' '));
  });
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(join(out, '..'), { recursive: true, force: true });
});

describe('bad input: a coded diagnostic at file:line:col with a fix, exit 1, nothing written', () => {
  it.each([
    // given fixture -> want code, want location (file:line:col), want words in the message
    ['not-openapi', 'MCPGEN_NOT_OPENAPI', `${fixtures}/not-openapi/openapi.yaml:1:1`, /AsyncAPI/i],
    ['broken-ref', 'MCPGEN_REF_NOT_FOUND', `${fixtures}/broken-ref/openapi.yaml:18:`, /ItemLst/],
    [
      'unmatched-target',
      'MCPGEN_OVERLAY_TARGET_NO_MATCH',
      `${fixtures}/unmatched-target/overlays/10-tools.yaml:10:`,
      /\/item/,
    ],
    [
      'duplicate-names',
      'MCPGEN_DUPLICATE_TOOL_NAME',
      `${fixtures}/duplicate-names/overlays/10-tools.yaml:9:`,
      /items/,
    ],
    [
      'delete-readonly',
      'MCPGEN_HINT_CONTRADICTS_METHOD',
      `${fixtures}/delete-readonly/overlays/10-hints.yaml:`,
      /DELETE/,
    ],
  ])('%s', async (fixture, code, location, words) => {
    const exit = await runCli(['generate', `${fixtures}/${fixture}`, '--out', out]);
    expect(exit).toBe(1);
    const output = stderr.join('\n');
    const line = output.split('\n').find((l) => l.includes(code));
    expect(line, output).toBeDefined();
    expect(line).toMatch(
      new RegExp(`^${location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d*:?\\d*\\s+${code}`),
    );
    expect(line).toMatch(words);
    // The line after each diagnostic says how to fix it.
    const lines = output.split('\n');
    expect(lines[lines.indexOf(line!) + 1]).toMatch(/^\s+fix: \S/);
    expect(output).toMatch(/nothing written/);
    expect(existsSync(out)).toBe(false);
  });

  it('a usage error exits 2', async () => {
    expect(await runCli(['generate', '--nope'])).toBe(2);
    expect(await runCli(['frobnicate'])).toBe(2);
  });
});
