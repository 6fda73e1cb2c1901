/**
 * Runs one write call under an idempotency key (semantics of the IETF Idempotency-Key draft and of
 * Stripe's API): the key is claimed durably before anything is sent, a finished call is replayed,
 * the same key with other arguments is a conflict (422), a call whose first run is still going
 * waits a bounded time and then conflicts (409), and a call whose first run may have reached the
 * platform without an answer is never sent again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type {
  AuditOutcome,
  ClaimOutcome,
  IdempotencyKeyRef,
  IdempotencyStore,
} from '../stores/store-types.js';
import {
  describeConflict,
  describeInProgress,
  describeOutcomeUnknown,
  describeStoreUnavailable,
  type KeyedCallDescription,
} from './describe-idempotency.js';
import { isOwnerGone } from './is-owner-gone.js';

/** What the upstream call did, as far as whether the platform may have applied it. */
export type Delivery =
  /** Nothing was sent, or the platform refused before applying (429, 503): a retry may send. */
  | 'not_applied'
  /** The platform answered with a result worth replaying (2xx, most 4xx). */
  | 'answered'
  /** The request may have been applied, but no usable answer came back (timeout, reset, 5xx). */
  | 'unknown';

export interface KeyedExecution {
  readonly result: CallToolResult;
  readonly delivery: Delivery;
  readonly upstreamStatus?: number;
  readonly outcome: AuditOutcome;
}

export interface KeyedCallResult {
  readonly result: CallToolResult;
  readonly outcome: AuditOutcome;
  readonly upstreamStatus?: number;
}

export interface IdempotencySettings {
  /** How long a retry waits for a first call that is still running before answering 409. */
  readonly waitMs: number;
  /**
   * A claim older than this cannot belong to a live call (it is longer than every timeout and retry
   * of one), so its owner died: the outcome is unknown.
   */
  readonly leaseMs: number;
  /** How long the record is kept; the store's retention when absent. */
  readonly retentionMs?: number;
}

export interface KeyedCall {
  readonly store: IdempotencyStore;
  /** This instance's owner id (`Store.owner`). */
  readonly owner: string;
  readonly ref: IdempotencyKeyRef;
  readonly fingerprint: string;
  readonly settings: IdempotencySettings;
  /** The key travels to the platform, which deduplicates: a retry after an unknown outcome may resend. */
  readonly keyForwarded: boolean;
  readonly describe: KeyedCallDescription;
  readonly execute: () => Promise<KeyedExecution>;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly onStoreError?: (error: unknown, operation: string) => void;
}

export const REPLAY_META_KEY = 'spec2mcp/idempotency';

/**
 * Calls of this process holding a key, so same-instance retries wait on the promise instead of
 * polling the database. Keyed by the ref; shared by every request of one server.
 */
export class LocalClaims {
  private readonly pending = new Map<string, Promise<void>>();

  static keyOf(ref: IdempotencyKeyRef): string {
    return JSON.stringify([ref.principal, ref.tool, ref.key]);
  }

  get(ref: IdempotencyKeyRef): Promise<void> | undefined {
    return this.pending.get(LocalClaims.keyOf(ref));
  }

  /** Marks the ref as held here; the returned function releases it and wakes the waiters. */
  hold(ref: IdempotencyKeyRef): () => void {
    const key = LocalClaims.keyOf(ref);
    let release!: () => void;
    this.pending.set(key, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.pending.delete(key);
      release();
    };
  }
}

const POLL_START_MS = 20;
const POLL_MAX_MS = 250;

export async function runKeyedCall(call: KeyedCall, local: LocalClaims): Promise<KeyedCallResult> {
  const now = call.now ?? Date.now;
  const deadline = now() + call.settings.waitMs;
  let pollMs = POLL_START_MS;
  for (;;) {
    // A call of this process holds the key: wait for it without touching the database.
    const held = local.get(call.ref);
    if (held !== undefined) {
      const remaining = deadline - now();
      if (remaining <= 0 || !(await waitFor(held, remaining, call.signal))) {
        return answer(call, describeInProgress(call.describe, call.settings.waitMs), 'in_progress');
      }
      continue;
    }
    const release = local.hold(call.ref);
    let claim: ClaimOutcome;
    try {
      claim = await call.store.claim({
        ...call.ref,
        fingerprint: call.fingerprint,
        ...(call.settings.retentionMs !== undefined && { ttlMs: call.settings.retentionMs }),
      });
    } catch (error) {
      release();
      call.onStoreError?.(error, 'claim');
      return answer(call, describeStoreUnavailable(call.describe), 'failed');
    }
    if (claim.kind === 'claimed') {
      try {
        return await executeClaimed(call);
      } finally {
        release();
      }
    }
    release();
    switch (claim.kind) {
      case 'replay':
        return {
          result: withMeta(claim.result as CallToolResult, call.ref.key, {
            replayed: true,
            completedAt: new Date(claim.completedAt).toISOString(),
          }),
          outcome: 'replayed',
        };
      case 'conflict':
        return answer(call, describeConflict(call.describe), 'conflict');
      case 'outcome_unknown':
        return answer(call, describeOutcomeUnknown(call.describe, claim.claimedAt), 'outcome_unknown');
      case 'in_progress': {
        const abandoned =
          now() - claim.claimedAt > call.settings.leaseMs ||
          (claim.owner === call.owner ? true : isOwnerGone(claim.owner));
        // Our own owner id without a local holder: this process lost track of the call (its
        // completion could not be stored), so what happened is as unknown as after a crash.
        if (abandoned) {
          return answer(call, describeOutcomeUnknown(call.describe, claim.claimedAt), 'outcome_unknown');
        }
        const remaining = deadline - now();
        if (remaining <= 0) {
          return answer(call, describeInProgress(call.describe, call.settings.waitMs), 'in_progress');
        }
        // Another instance holds it: poll, backing off, until it finishes or the wait ends.
        if (!(await sleep(Math.min(pollMs, remaining), call.signal))) {
          return answer(call, describeInProgress(call.describe, call.settings.waitMs), 'in_progress');
        }
        pollMs = Math.min(POLL_MAX_MS, pollMs * 2);
      }
    }
  }
}

async function executeClaimed(call: KeyedCall): Promise<KeyedCallResult> {
  let execution: KeyedExecution;
  try {
    execution = await call.execute();
  } catch (error) {
    // A bug after the claim: whether anything was sent is unknown.
    await settle(call, call.keyForwarded ? 'release' : 'unknown', undefined);
    throw error;
  }
  const { result, delivery } = execution;
  if (delivery === 'answered') {
    await settle(call, 'complete', result);
  } else if (delivery === 'not_applied' || call.keyForwarded) {
    // Nothing happened, or the platform deduplicates on the forwarded key: a retry may send again.
    await settle(call, 'release', undefined);
  } else {
    await settle(call, 'unknown', undefined);
  }
  return {
    result: withMeta(result, call.ref.key, { replayed: false }),
    outcome: execution.outcome,
    ...(execution.upstreamStatus !== undefined && { upstreamStatus: execution.upstreamStatus }),
  };
}

async function settle(call: KeyedCall, how: 'complete' | 'release' | 'unknown', result: unknown) {
  try {
    if (how === 'complete') await call.store.complete(call.ref, result);
    else if (how === 'release') await call.store.fail(call.ref);
    else await call.store.markUnknown(call.ref);
  } catch (error) {
    // The caller still gets its result; the record stays claimed and later retries see the
    // outcome as unknown once the lease ends, which never sends twice.
    call.onStoreError?.(error, how);
  }
}

function answer(call: KeyedCall, text: string, outcome: AuditOutcome): KeyedCallResult {
  return {
    result: withMeta({ isError: true, content: [{ type: 'text', text }] }, call.ref.key, { replayed: false }),
    outcome,
  };
}

function withMeta(result: CallToolResult, key: string, details: Record<string, unknown>): CallToolResult {
  return { ...result, _meta: { ...result._meta, [REPLAY_META_KEY]: { key, ...details } } };
}

/** True when `promise` settled within `ms`; false on timeout or abort. */
function waitFor(promise: Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (settled: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(settled);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(finish, ms, false);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(() => finish(true));
  });
}

/** True when the full `ms` passed; false when aborted first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return delay(ms, undefined, signal === undefined ? {} : { signal }).then(
    () => true,
    () => false,
  );
}
