import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/spec2mcp.js';

let stderr: string[];
beforeEach(() => {
  stderr = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr.push(args.join(' '));
  });
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('CLI flags reach what reads them', () => {
  it('serve --mode sets SPEC2MCP_TOOL_MODE: an unknown mode is the runtime config error, exit 2', async () => {
    expect(await runCli(['serve', 'generated/conveyor', '--mode', 'everything'])).toBe(2);
    expect(stderr.join('\n')).toMatch(/SPEC2MCP_TOOL_MODE.*everything/);
  });

  it.each([
    // given arguments, want a usage error (exit 2) naming the problem
    [['generate', 'specs/conveyor', '--watch', '--nope'], /nope/],
    [['check', '--watch'], /--watch works with generate/],
    [['serve'], /generated API folder/],
  ])('%j is a usage error', async (args, words) => {
    expect(await runCli(args)).toBe(2);
    expect(stderr.join('\n')).toMatch(words);
  });
});
