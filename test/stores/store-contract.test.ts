/**
 * One contract for every store backend: idempotency claims, rate limits and the audit log behave the
 * same on memory, SQLite and PostgreSQL. PostgreSQL runs on the throwaway server of
 * scripts/postgres/start-test-postgres.sh.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  AuditEntry,
  ClaimOutcome,
  IdempotencyKeyRef,
  RateLimitRule,
  Store,
} from '../../runtime/stores/store-types.js';
import {
  ALL_BACKINGS,
  type BackingKind,
  createTestClock,
  SHARED_BACKINGS,
  type StoreBacking,
} from './store-backings.js';

const REF: IdempotencyKeyRef = { principal: 'user-1', tool: 'execute_workflow', key: 'key-1' };
const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(ALL_BACKINGS)('$name store', (kind: BackingKind) => {
  let backing: StoreBacking;
  let clock: ReturnType<typeof createTestClock>;
  let store: Store;

  beforeEach(async () => {
    backing = await kind.create();
    clock = createTestClock();
    store = await backing.open({ now: clock.now, owner: 'instance-a' });
  });
  afterEach(async () => {
    await backing.dispose();
  });

  describe('idempotency', () => {
    it('claims a new key durably with the default 24 h retention', async () => {
      const outcome = await store.idempotency.claim({ ...REF, fingerprint: 'fp-1' });
      expect(outcome).toEqual({ kind: 'claimed', claimedAt: clock.start, expiresAt: clock.start + DAY_MS });
      expect(await store.idempotency.get(REF)).toEqual({
        ...REF,
        fingerprint: 'fp-1',
        state: 'in_progress',
        owner: 'instance-a',
        claimedAt: clock.start,
        updatedAt: clock.start,
        expiresAt: clock.start + DAY_MS,
      });
    });

    const RESULT = { content: [{ type: 'text', text: 'done ✓' }], structuredContent: { id: 7, tags: ['a'] } };
    const secondClaims: {
      name: string;
      given: (store: Store) => Promise<unknown>;
      fingerprint: string;
      want: (start: number) => ClaimOutcome;
    }[] = [
      {
        name: 'still running, same arguments',
        given: async () => {},
        fingerprint: 'fp-1',
        want: (start) => ({ kind: 'in_progress', claimedAt: start, owner: 'instance-a' }),
      },
      {
        name: 'still running, other arguments',
        given: async () => {},
        fingerprint: 'fp-2',
        want: () => ({ kind: 'conflict', reason: 'fingerprint_mismatch' }),
      },
      {
        name: 'completed, same arguments',
        given: (s) => s.idempotency.complete(REF, RESULT),
        fingerprint: 'fp-1',
        want: (start) => ({ kind: 'replay', result: RESULT, completedAt: start + 1000 }),
      },
      {
        name: 'completed, other arguments',
        given: (s) => s.idempotency.complete(REF, RESULT),
        fingerprint: 'fp-2',
        want: () => ({ kind: 'conflict', reason: 'fingerprint_mismatch' }),
      },
      {
        name: 'released by fail (nothing was sent)',
        given: (s) => s.idempotency.fail(REF),
        fingerprint: 'fp-1',
        want: (start) => ({ kind: 'claimed', claimedAt: start + 1000, expiresAt: start + 1000 + DAY_MS }),
      },
      {
        name: 'released by fail, other arguments',
        given: (s) => s.idempotency.fail(REF),
        fingerprint: 'fp-2',
        want: (start) => ({ kind: 'claimed', claimedAt: start + 1000, expiresAt: start + 1000 + DAY_MS }),
      },
      {
        name: 'outcome unknown, same arguments',
        given: (s) => s.idempotency.markUnknown(REF),
        fingerprint: 'fp-1',
        want: (start) => ({
          kind: 'outcome_unknown',
          claimedAt: start,
          markedAt: start + 1000,
          owner: 'instance-a',
        }),
      },
      {
        name: 'outcome unknown, other arguments',
        given: (s) => s.idempotency.markUnknown(REF),
        fingerprint: 'fp-2',
        want: () => ({ kind: 'conflict', reason: 'fingerprint_mismatch' }),
      },
    ];
    it.each(secondClaims)('a second claim when the first is $name', async ({ given, fingerprint, want }) => {
      await store.idempotency.claim({ ...REF, fingerprint: 'fp-1' });
      clock.advance(1000);
      await given(store);
      expect(await store.idempotency.claim({ ...REF, fingerprint })).toEqual(want(clock.start));
    });

    const transitions: {
      name: string;
      given: (store: Store) => Promise<unknown>;
      act: (store: Store) => Promise<boolean>;
      want: boolean;
      wantState: string | undefined;
    }[] = [
      {
        name: 'complete an own claim',
        given: claimRef,
        act: completeRef,
        want: true,
        wantState: 'completed',
      },
      {
        name: 'complete twice',
        given: both(claimRef, completeRef),
        act: completeRef,
        want: false,
        wantState: 'completed',
      },
      {
        name: 'complete without a claim',
        given: async () => {},
        act: completeRef,
        want: false,
        wantState: undefined,
      },
      {
        name: 'fail an own claim',
        given: claimRef,
        act: (s) => s.idempotency.fail(REF),
        want: true,
        wantState: undefined,
      },
      {
        name: 'fail after complete keeps the result',
        given: both(claimRef, completeRef),
        act: (s) => s.idempotency.fail(REF),
        want: false,
        wantState: 'completed',
      },
      {
        name: 'mark unknown an own claim',
        given: claimRef,
        act: (s) => s.idempotency.markUnknown(REF),
        want: true,
        wantState: 'outcome_unknown',
      },
      {
        name: 'mark unknown after complete',
        given: both(claimRef, completeRef),
        act: (s) => s.idempotency.markUnknown(REF),
        want: false,
        wantState: 'completed',
      },
      {
        name: 'complete after mark unknown',
        given: both(claimRef, (s) => s.idempotency.markUnknown(REF)),
        act: completeRef,
        want: false,
        wantState: 'outcome_unknown',
      },
      {
        name: 'fail after mark unknown (it may have been sent)',
        given: both(claimRef, (s) => s.idempotency.markUnknown(REF)),
        act: (s) => s.idempotency.fail(REF),
        want: false,
        wantState: 'outcome_unknown',
      },
    ];
    it.each(transitions)('$name', async ({ given, act, want, wantState }) => {
      await given(store);
      expect(await act(store)).toBe(want);
      expect((await store.idempotency.get(REF))?.state).toBe(wantState);
    });

    it('scopes keys by principal and tool', async () => {
      const outcomes = await Promise.all(
        [REF, { ...REF, principal: 'user-2' }, { ...REF, tool: 'send_message' }].map((ref) =>
          store.idempotency.claim({ ...ref, fingerprint: 'fp-1' }),
        ),
      );
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(['claimed', 'claimed', 'claimed']);
    });

    it('round-trips a result exactly', async () => {
      const result = {
        text: 'ünïcode \u0000 nul',
        n: [1, 2.5, -0.125, 1e21],
        nested: { empty: {}, none: null },
      };
      await store.idempotency.claim({ ...REF, fingerprint: 'fp-1' });
      await store.idempotency.complete(REF, result);
      expect((await store.idempotency.get(REF))?.result).toEqual(result);
      expect(await store.idempotency.claim({ ...REF, fingerprint: 'fp-1' })).toMatchObject({
        kind: 'replay',
        result,
      });
    });

    it('treats a record past its retention as absent, then replaces it', async () => {
      await store.idempotency.claim({ ...REF, fingerprint: 'fp-1', ttlMs: 5000 });
      await store.idempotency.complete(REF, { ok: true });
      clock.advance(4999);
      expect(await store.idempotency.claim({ ...REF, fingerprint: 'fp-2' })).toEqual({
        kind: 'conflict',
        reason: 'fingerprint_mismatch',
      });
      clock.advance(1);
      expect(await store.idempotency.get(REF)).toBeUndefined();
      expect(await store.idempotency.claim({ ...REF, fingerprint: 'fp-2' })).toEqual({
        kind: 'claimed',
        claimedAt: clock.start + 5000,
        expiresAt: clock.start + 5000 + DAY_MS,
      });
      expect(await store.idempotency.get(REF)).toMatchObject({ fingerprint: 'fp-2', state: 'in_progress' });
    });

    it('prunes exactly the records past their retention', async () => {
      const ttls = [1000, 2000, 3000, 4000];
      for (const [index, ttlMs] of ttls.entries()) {
        await store.idempotency.claim({ ...REF, key: `k${index}`, fingerprint: 'fp', ttlMs });
      }
      expect(await store.idempotency.prune(clock.start + 2000)).toBe(2);
      expect(await store.idempotency.prune(clock.start + 2000)).toBe(0);
      const left = await Promise.all(
        ttls.map((_, index) => store.idempotency.get({ ...REF, key: `k${index}` })),
      );
      expect(left.map((record) => record?.key)).toEqual([undefined, undefined, 'k2', 'k3']);
    });

    const invalid: { name: string; act: (store: Store) => Promise<unknown>; want: RegExp }[] = [
      {
        name: 'an empty key',
        act: (s) => s.idempotency.claim({ ...REF, key: '', fingerprint: 'f' }),
        want: /key/,
      },
      {
        name: 'a NUL in the key',
        act: (s) => s.idempotency.claim({ ...REF, key: 'a\u0000', fingerprint: 'f' }),
        want: /NUL/,
      },
      {
        name: 'a key over 1024 characters',
        act: (s) => s.idempotency.claim({ ...REF, key: 'k'.repeat(1025), fingerprint: 'f' }),
        want: /1024/,
      },
      {
        name: 'a zero ttl',
        act: (s) => s.idempotency.claim({ ...REF, fingerprint: 'f', ttlMs: 0 }),
        want: /ttlMs/,
      },
      { name: 'an undefined result', act: (s) => s.idempotency.complete(REF, undefined), want: /JSON/ },
    ];
    it.each(invalid)('refuses $name', async ({ act, want }) => {
      await expect(act(store)).rejects.toThrow(want);
    });

    it('gives exactly one of 100 concurrent claims of a key', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, () => store.idempotency.claim({ ...REF, fingerprint: 'fp-1' })),
      );
      expect(countKinds(outcomes)).toEqual({ claimed: 1, in_progress: 99 });
    });
  });

  describe('rate limits', () => {
    it('refuses a fixed window past its limit until the window ends', async () => {
      const rule: RateLimitRule = { kind: 'fixed', limit: 3, windowMs: 1500 };
      const decisions = [];
      for (let call = 0; call < 4; call++) decisions.push(await store.rateLimits.consume('ws-1', 1, rule));
      expect(decisions.map(({ allowed, remaining }) => ({ allowed, remaining }))).toEqual([
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 1 },
        { allowed: true, remaining: 0 },
        { allowed: false, remaining: 0 },
      ]);
      const retryAfterMs = decisions[3]?.retryAfterMs ?? 0;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1500);
      expect(await store.rateLimits.consume('ws-2', 3, rule)).toMatchObject({ allowed: true, remaining: 0 });
      await sleep(retryAfterMs + 50);
      expect(await store.rateLimits.consume('ws-1', 1, rule)).toEqual({
        allowed: true,
        remaining: 2,
        retryAfterMs: 0,
      });
    });

    it('keeps separate counters per rule for the same key', async () => {
      const small: RateLimitRule = { kind: 'fixed', limit: 1, windowMs: 60_000 };
      const large: RateLimitRule = { kind: 'fixed', limit: 5, windowMs: 60_000 };
      expect((await store.rateLimits.consume('p', 1, small)).allowed).toBe(true);
      expect((await store.rateLimits.consume('p', 1, small)).allowed).toBe(false);
      expect(await store.rateLimits.consume('p', 1, large)).toMatchObject({ allowed: true, remaining: 4 });
    });

    // Window 1000 ms, limit 10; offsets from a bucket start. Worked through in sliding-window.test.ts.
    const slidingSteps: {
      at: number;
      points: number;
      want: { allowed: boolean; remaining: number; retryAfterMs: number };
    }[] = [
      { at: 0, points: 6, want: { allowed: true, remaining: 4, retryAfterMs: 0 } },
      { at: 500, points: 4, want: { allowed: true, remaining: 0, retryAfterMs: 0 } },
      { at: 600, points: 1, want: { allowed: false, remaining: 0, retryAfterMs: 500 } },
      { at: 1100, points: 1, want: { allowed: true, remaining: 0, retryAfterMs: 0 } },
      { at: 1100, points: 1, want: { allowed: false, remaining: 0, retryAfterMs: 100 } },
      { at: 1200, points: 1, want: { allowed: true, remaining: 0, retryAfterMs: 0 } },
      { at: 2500, points: 9, want: { allowed: true, remaining: 0, retryAfterMs: 0 } },
      { at: 4000, points: 10, want: { allowed: true, remaining: 0, retryAfterMs: 0 } },
    ];
    it('weights the previous window in a sliding window', async () => {
      const rule: RateLimitRule = { kind: 'sliding', limit: 10, windowMs: 1000 };
      const got = [];
      for (const step of slidingSteps) {
        clock.advance(clock.start + step.at - clock.now());
        got.push(await store.rateLimits.consume('ws-1', step.points, rule));
      }
      expect(got).toEqual(slidingSteps.map((step) => step.want));
    });

    it('prunes sliding windows once they can no longer count', async () => {
      const rule: RateLimitRule = { kind: 'sliding', limit: 10, windowMs: 1000 };
      await store.rateLimits.consume('ws-1', 1, rule);
      expect(await store.rateLimits.prune(clock.start + 1999)).toBe(0);
      expect(await store.rateLimits.prune(clock.start + 2000)).toBe(1);
    });

    const invalidRules: { name: string; points: number; rule: RateLimitRule; want: RegExp }[] = [
      {
        name: 'more points than the limit',
        points: 4,
        rule: { kind: 'fixed', limit: 3, windowMs: 1000 },
        want: /never fit/,
      },
      { name: 'zero points', points: 0, rule: { kind: 'fixed', limit: 3, windowMs: 1000 }, want: /points/ },
      {
        name: 'a zero window',
        points: 1,
        rule: { kind: 'sliding', limit: 3, windowMs: 0 },
        want: /windowMs/,
      },
      {
        name: 'a fractional limit',
        points: 1,
        rule: { kind: 'fixed', limit: 2.5, windowMs: 10 },
        want: /limit/,
      },
    ];
    it.each(invalidRules)('refuses $name', async ({ points, rule, want }) => {
      await expect(store.rateLimits.consume('k', points, rule)).rejects.toThrow(want);
    });
  });

  describe('audit', () => {
    const T = 1_800_000_000_000;
    const entries: (AuditEntry & { label: string })[] = [
      {
        label: 'a',
        time: T,
        principal: 'alice',
        tool: 'create_workflow',
        arguments: { name: 'x' },
        outcome: 'succeeded',
        durationMs: 12,
        upstreamStatus: 201,
        idempotencyKey: 'k1',
        client: 'claude',
      },
      {
        label: 'b',
        time: T + 1000,
        principal: 'bob',
        tool: 'create_workflow',
        arguments: {},
        outcome: 'failed',
        durationMs: 30,
        upstreamStatus: 500,
      },
      {
        label: 'c',
        time: T + 2000,
        principal: 'alice',
        tool: 'send_message',
        arguments: { to: '[REDACTED]' },
        outcome: 'replayed',
        durationMs: 1,
      },
      {
        label: 'd',
        time: T + 2000,
        principal: 'alice',
        tool: 'create_workflow',
        arguments: [1, 'two'],
        outcome: 'rate_limited',
        durationMs: 0,
      },
      {
        label: 'e',
        time: T + 3000,
        principal: 'bob',
        tool: 'send_message',
        arguments: null,
        outcome: 'succeeded',
        durationMs: 7.6,
      },
    ];
    const queries: { name: string; query: Parameters<Store['audit']['query']>[0]; want: string[] }[] = [
      { name: 'everything, newest first (ties by insertion)', query: {}, want: ['e', 'd', 'c', 'b', 'a'] },
      { name: 'since is inclusive', query: { since: T + 2000 }, want: ['e', 'd', 'c'] },
      { name: 'until is exclusive', query: { until: T + 2000 }, want: ['b', 'a'] },
      { name: 'a time range', query: { since: T + 1000, until: T + 3000 }, want: ['d', 'c', 'b'] },
      { name: 'by tool', query: { tool: 'send_message' }, want: ['e', 'c'] },
      { name: 'by principal', query: { principal: 'alice' }, want: ['d', 'c', 'a'] },
      { name: 'by outcome', query: { outcome: 'succeeded' }, want: ['e', 'a'] },
      {
        name: 'combined filters',
        query: { principal: 'alice', tool: 'create_workflow', outcome: 'succeeded' },
        want: ['a'],
      },
      { name: 'a limit', query: { limit: 2 }, want: ['e', 'd'] },
      { name: 'no match', query: { tool: 'nope' }, want: [] },
    ];
    it.each(queries)('queries $name', async ({ query, want }) => {
      const labels = new Map<number, string>();
      for (const { label, ...entry } of entries) labels.set(await store.audit.append(entry), label);
      const got = await store.audit.query(query);
      expect(got.map((record) => labels.get(record.id))).toEqual(want);
    });

    it('stores every field and leaves absent ones absent', async () => {
      for (const { label: _label, ...entry } of entries) await store.audit.append(entry);
      const got = await store.audit.query({ since: T, until: T + 1 });
      expect(got).toEqual([{ ...withoutLabel(entries[0]!), id: got[0]?.id }]);
      const [last] = await store.audit.query({ limit: 1 });
      expect(last).toEqual({ ...withoutLabel(entries[4]!), durationMs: 8, id: last?.id });
      expect(Object.keys(last ?? {}).sort()).toEqual([
        'arguments',
        'durationMs',
        'id',
        'outcome',
        'principal',
        'time',
        'tool',
      ]);
    });

    it('keeps an entry whose text holds NUL, without the NUL', async () => {
      await store.audit.append({ ...withoutLabel(entries[0]!), idempotencyKey: 'a\u0000b' });
      expect((await store.audit.query())[0]?.idempotencyKey).toBe('a\uFFFDb');
    });

    it('refuses an unknown outcome', async () => {
      const entry = { ...withoutLabel(entries[0]!), outcome: 'exploded' } as unknown as AuditEntry;
      await expect(store.audit.append(entry)).rejects.toThrow(/outcome/);
    });

    it('prunes entries older than a time', async () => {
      for (const { label: _label, ...entry } of entries) await store.audit.append(entry);
      expect(await store.audit.prune(T + 2000)).toBe(2);
      expect((await store.audit.query()).map((record) => record.time)).toEqual([
        T + 3000,
        T + 2000,
        T + 2000,
      ]);
    });
  });

  it('prunes everything past retention in one call', async () => {
    const pruned = await backing.open({ now: clock.now, auditRetentionMs: 10_000 });
    await pruned.idempotency.claim({ ...REF, fingerprint: 'f', ttlMs: 1000 });
    await pruned.rateLimits.consume('k', 1, { kind: 'sliding', limit: 5, windowMs: 1000 });
    await pruned.audit.append({
      time: clock.start,
      principal: 'p',
      tool: 't',
      arguments: {},
      outcome: 'succeeded',
      durationMs: 1,
    });
    expect(await pruned.prune(clock.start + 10_001)).toEqual({
      idempotency: 1,
      rateLimits: 1,
      audit: 1,
      apiTokens: 0,
      oauth: 0,
      credentials: 0,
    });
  });

  it('answers ping while open and fails after close', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });
});

describe.each(SHARED_BACKINGS)('$name store shared by two instances', (kind: BackingKind) => {
  let backing: StoreBacking;
  let a: Store;
  let b: Store;
  const clock = createTestClock();

  beforeEach(async () => {
    backing = await kind.create();
    a = await backing.open({ now: clock.now, owner: 'instance-a' });
    b = await backing.open({ now: clock.now, owner: 'instance-b' });
  });
  afterEach(async () => {
    await backing.dispose();
  });

  it('gives exactly one of 100 concurrent claims across both instances, then replays to all', async () => {
    const claims = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        (index % 2 === 0 ? a : b).idempotency.claim({ ...REF, fingerprint: 'fp' }),
      ),
    );
    expect(countKinds(claims)).toEqual({ claimed: 1, in_progress: 99 });
    const winnerIndex = claims.findIndex((outcome) => outcome.kind === 'claimed');
    const [winner, loser] = winnerIndex % 2 === 0 ? [a, b] : [b, a];
    expect(
      claims.filter((outcome) => outcome.kind === 'in_progress').map((o) => 'owner' in o && o.owner),
    ).toEqual(Array(99).fill(winner.owner));
    expect(await loser.idempotency.complete(REF, { n: 1 })).toBe(false);
    expect(await winner.idempotency.complete(REF, { n: 1 })).toBe(true);
    const replays = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        (index % 2 === 0 ? a : b).idempotency.claim({ ...REF, fingerprint: 'fp' }),
      ),
    );
    expect(
      replays.every((outcome) => outcome.kind === 'replay' && JSON.stringify(outcome.result) === '{"n":1}'),
    ).toBe(true);
  });

  const foreign: { name: string; act: (other: Store) => Promise<boolean> }[] = [
    { name: 'complete', act: (other) => other.idempotency.complete(REF, {}) },
    { name: 'fail', act: (other) => other.idempotency.fail(REF) },
    { name: 'markUnknown', act: (other) => other.idempotency.markUnknown(REF) },
  ];
  it.each(foreign)("cannot $name another instance's claim", async ({ act }) => {
    await a.idempotency.claim({ ...REF, fingerprint: 'fp' });
    expect(await act(b)).toBe(false);
    expect(await b.idempotency.get(REF)).toMatchObject({ state: 'in_progress', owner: 'instance-a' });
  });

  const rules: RateLimitRule[] = [
    { kind: 'fixed', limit: 5, windowMs: 60_000 },
    { kind: 'sliding', limit: 5, windowMs: 60_000 },
  ];
  it.each(rules)('shares a $kind-window counter: 20 concurrent calls, 5 allowed', async (rule) => {
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? a : b).rateLimits.consume('workspace-9', 1, rule),
      ),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    expect(
      decisions.filter((decision) => !decision.allowed).every((decision) => decision.retryAfterMs > 0),
    ).toBe(true);
  });

  it('sees one audit log from both instances', async () => {
    const entry: AuditEntry = {
      time: 1,
      principal: 'p',
      tool: 't',
      arguments: {},
      outcome: 'succeeded',
      durationMs: 1,
    };
    const ids = [await a.audit.append(entry), await b.audit.append({ ...entry, time: 2 })];
    expect((await a.audit.query()).map((record) => record.id)).toEqual([ids[1], ids[0]]);
  });
});

async function claimRef(store: Store): Promise<unknown> {
  return store.idempotency.claim({ ...REF, fingerprint: 'fp-1' });
}

function completeRef(store: Store): Promise<boolean> {
  return store.idempotency.complete(REF, { ok: true });
}

function both(first: (store: Store) => Promise<unknown>, second: (store: Store) => Promise<unknown>) {
  return async (store: Store) => {
    await first(store);
    await second(store);
  };
}

function countKinds(outcomes: readonly ClaimOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return counts;
}

function withoutLabel(entry: AuditEntry & { label: string }): AuditEntry {
  const { label: _label, ...rest } = entry;
  return rest;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
