/** What `claim` answers when a live record already holds the key; shared by every backend. */
import type { ClaimOutcome, IdempotencyRecord } from './store-types.js';

export function describeExistingClaim(
  record: Pick<IdempotencyRecord, 'fingerprint' | 'state' | 'owner' | 'claimedAt' | 'updatedAt'> & {
    readonly resultJson?: string | null;
  },
  fingerprint: string,
): ClaimOutcome {
  // Other arguments under the same key are a client bug whatever state the first call is in.
  if (record.fingerprint !== fingerprint) return { kind: 'conflict', reason: 'fingerprint_mismatch' };
  switch (record.state) {
    case 'completed':
      return {
        kind: 'replay',
        result: JSON.parse(record.resultJson ?? 'null'),
        completedAt: record.updatedAt,
      };
    case 'in_progress':
      return { kind: 'in_progress', claimedAt: record.claimedAt, owner: record.owner };
    case 'outcome_unknown':
      return {
        kind: 'outcome_unknown',
        claimedAt: record.claimedAt,
        markedAt: record.updatedAt,
        owner: record.owner,
      };
  }
}
