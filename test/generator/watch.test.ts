/**
 * `spec2mcp generate --watch` as a user runs it: a child process that regenerates on
 * save, keeps running (writing nothing) when a save breaks the spec, and stops on SIGINT.
 * Every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WAIT_MS = 40_000;

let tmp: string;
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spec2mcp-watch-'));
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await rm(tmp, { recursive: true, force: true });
});

/** Resolves once the child's output (stdout + stderr) matches, from `from` on. */
async function waitForOutput(pattern: RegExp, from: number): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const seen = output.slice(from);
    if (pattern.test(seen)) return seen;
    if (child?.exitCode !== null) throw new Error(`watch exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${pattern} within ${WAIT_MS} ms; output:\n${output}`);
}

describe('generate --watch', () => {
  it('regenerates on save, survives a broken save, stops on SIGINT', { timeout: 4 * WAIT_MS }, async () => {
    const spec = join(tmp, 'conveyor');
    const out = join(tmp, 'out');
    await cp('specs/conveyor', spec, { recursive: true });
    child = spawn(process.execPath, ['bin/spec2mcp.js', 'generate', spec, '--out', out, '--watch'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForOutput(/watching .* for changes/, 0);
    const target = join(out, 'tools', 'get_workspace.ts');
    expect(await readFile(target, 'utf8')).not.toContain('Get one workspace');

    // given a save of the spec, want the tool regenerated and a summary printed
    const specFile = join(spec, 'openapi.yaml');
    const original = await readFile(specFile, 'utf8');
    let mark = output.length;
    await writeFile(specFile, original.replace('summary: Get a workspace', 'summary: Get one workspace'));
    const summary = await waitForOutput(/✓ .*\n {2}files: 4 written[^\n]*\n {2}time: /, mark);
    expect(summary).toContain('28 tools');
    expect(await readFile(target, 'utf8')).toContain('Get one workspace');

    // given a save that breaks the spec, want the diagnostics, nothing written, still watching
    mark = output.length;
    await writeFile(specFile, `${original}\npaths: [unclosed\n`);
    await waitForOutput(/MCPGEN_[A-Z_]+[\s\S]*nothing written/, mark);
    expect(await readFile(target, 'utf8')).toContain('Get one workspace');
    expect(child.exitCode).toBeNull();

    // given a save that fixes it, want a regeneration again
    mark = output.length;
    await writeFile(specFile, original);
    await waitForOutput(/✓ .*\n {2}files: 4 written/, mark);
    expect(await readFile(target, 'utf8')).not.toContain('Get one workspace');

    // given SIGINT, want a clean exit
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
