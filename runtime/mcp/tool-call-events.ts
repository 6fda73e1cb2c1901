/**
 * What the call path reports about each finished API tool call, for the concerns that watch calls
 * without taking part in them (Prometheus metrics, logs). Audit is written by the call path itself,
 * because it must be durable and carries the redacted arguments.
 */
import type { AuditOutcome } from '../stores/store-types.js';

export interface ToolCallEvent {
  readonly tool: string;
  /** The same vocabulary as the audit log, also for read tools (which are not audited). */
  readonly outcome: AuditOutcome;
  /** The result carried `isError: true`. */
  readonly isError: boolean;
  /** Wall time from the start of the call to its result, in ms. */
  readonly durationMs: number;
  /** HTTP status of the platform's answer, when there was one (not for replays). */
  readonly upstreamStatus?: number;
  readonly principal: string;
}

export type ToolCallObserver = (event: ToolCallEvent) => void;
