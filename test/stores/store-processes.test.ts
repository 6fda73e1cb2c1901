/**
 * Stores used by separate processes, as separate runtime instances are: a claim survives the claiming
 * process being killed (SIGKILL) and is then reported with its old owner; and claims racing from
 * several processes on one SQLite file or PostgreSQL database have exactly one winner.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyKeyRef } from '../../runtime/stores/store-types.js';
import { type BackingKind, SHARED_BACKINGS, type StoreBacking } from './store-backings.js';

const CHILD = fileURLToPath(new URL('./fixtures/store-child.ts', import.meta.url));
const REF: IdempotencyKeyRef = { principal: 'user-1', tool: 'send_message', key: 'retry-me' };

describe.each(SHARED_BACKINGS)('$name store across processes', (kind: BackingKind) => {
  let backing: StoreBacking;
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeEach(async () => {
    backing = await kind.create();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await backing.dispose();
  });

  function startChild(request: object): {
    child: ChildProcessWithoutNullStreams;
    lines: AsyncIterator<string>;
  } {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, JSON.stringify({ config: backing.config, ...request })],
      {
        stdio: 'pipe',
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(`store child exited ${code}: ${stderr}\n`);
    });
    return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
  }

  async function readLine(lines: AsyncIterator<string>): Promise<string> {
    const next = await lines.next();
    if (next.done) throw new Error('store child ended without answering (see its stderr above)');
    return next.value;
  }

  async function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  it('keeps a claim whose process was killed mid-call, owned by the dead instance', async () => {
    const { child, lines } = startChild({ action: 'claim-and-hang', ref: REF, fingerprint: 'fp' });
    const { owner, outcome } = JSON.parse(await readLine(lines)) as {
      owner: string;
      outcome: { kind: string };
    };
    expect(outcome.kind).toBe('claimed');
    await kill(child);

    const restarted = await backing.open();
    expect(restarted.owner).not.toBe(owner);
    expect(await restarted.idempotency.get(REF)).toMatchObject({
      state: 'in_progress',
      owner,
      fingerprint: 'fp',
    });
    expect(await restarted.idempotency.claim({ ...REF, fingerprint: 'fp' })).toMatchObject({
      kind: 'in_progress',
      owner,
    });
    // The new instance cannot settle the dead one's claim as if it were its own.
    expect(await restarted.idempotency.complete(REF, {})).toBe(false);
  });

  it('replays a result completed just before the process was killed', async () => {
    const result = { content: [{ type: 'text', text: 'sent' }] };
    const { child, lines } = startChild({ action: 'claim-and-hang', ref: REF, fingerprint: 'fp', result });
    expect(JSON.parse(await readLine(lines))).toMatchObject({ outcome: { kind: 'claimed' } });
    await kill(child);

    const restarted = await backing.open();
    expect(await restarted.idempotency.claim({ ...REF, fingerprint: 'fp' })).toMatchObject({
      kind: 'replay',
      result,
    });
  });

  it('gives exactly one of 100 claims from 4 processes started together', async () => {
    const started = Array.from({ length: 4 }, () =>
      startChild({ action: 'claim-many', ref: REF, fingerprint: 'fp', count: 25 }),
    );
    for (const { lines } of started) expect(await readLine(lines)).toBe('ready');
    for (const { child } of started) child.stdin.write('go\n');
    const answers = await Promise.all(
      started.map(
        async ({ lines }) => JSON.parse(await readLine(lines)) as { owner: string; kinds: string[] },
      ),
    );
    const kinds = answers.flatMap((answer) => answer.kinds);
    expect(kinds).toHaveLength(100);
    expect(kinds.filter((k) => k === 'claimed')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'in_progress')).toHaveLength(99);
    const winner = answers.find((answer) => answer.kinds.includes('claimed'));
    const observer = await backing.open();
    expect(await observer.idempotency.get(REF)).toMatchObject({ state: 'in_progress', owner: winner?.owner });
  });
});
