/**
 * The in-memory state of one platform instance. Records keep timestamps as epoch milliseconds and
 * internal fields (secrets, key hashes, workflow snapshots) that presenters never copy out.
 */
import { createHash } from 'node:crypto';
import type {
  Block,
  ConnectionType,
  Edge,
  ExecutionMode,
  ExecutionStatus,
  HumanInputField,
  LogLevel,
  Variable,
  WorkflowSettings,
  WorkflowStatus,
  WorkspaceRole,
} from './api-types.js';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  userId: string;
  scopes: readonly string[];
  /** sha256 of the key: the plaintext is shown once and never stored. */
  keyHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface WorkspaceRecord {
  id: string;
  name: string;
  slug: string;
  plan: 'free' | 'team' | 'enterprise';
  status: 'active' | 'suspended';
  suspendedReason: string | null;
  createdAt: number;
  members: Map<string, WorkspaceRole>;
}

export const DEFAULT_WORKFLOW_SETTINGS: Readonly<WorkflowSettings> = {
  timezone: 'UTC',
  timeoutSeconds: 3600,
  saveExecutionLogs: true,
  errorNotificationEmail: null,
};

export interface WorkflowDefinition {
  blocks: Block[];
  edges: Edge[];
  variables: Variable[];
  settings: WorkflowSettings;
}

export interface WorkflowRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  tags: string[];
  status: WorkflowStatus;
  active: boolean;
  version: number;
  publishedVersion: number | null;
  /** The editable definition. */
  draft: WorkflowDefinition;
  /** Snapshot taken by publish: what executions run. */
  published: WorkflowDefinition | null;
  createdAt: number;
  updatedAt: number;
  publishedAt: number | null;
}

export interface ScheduleRecord {
  id: string;
  workspaceId: string;
  workflowId: string;
  name: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  lastRunAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionRecord {
  id: string;
  workspaceId: string;
  name: string;
  type: ConnectionType;
  health: 'healthy' | 'failing' | 'untested';
  /** What the third party answers to a test, e.g. the reason a failing connection fails. */
  healthMessage: string;
  config: Record<string, string | number | boolean>;
  /** Write-only credentials; no presenter reads this. */
  secret: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  lastTestedAt: number | null;
}

export interface LogLineRecord {
  seq: number;
  at: number;
  level: LogLevel;
  blockId: string | null;
  message: string;
}

export interface HumanInputRequestRecord {
  inputId: string;
  blockId: string;
  prompt: string;
  fields: HumanInputField[];
  requestedAt: number;
}

export interface ExecutionRecord {
  id: string;
  workspaceId: string;
  workflowId: string;
  workflowName: string;
  workflowVersion: number;
  mode: ExecutionMode;
  input: Record<string, unknown>;
  retryOf: string | null;
  createdAt: number;
  /** The published definition at start time: later edits do not change a running execution. */
  definition: WorkflowDefinition;
  status: ExecutionStatus;
  startedAt: number | null;
  finishedAt: number | null;
  output: Record<string, unknown> | null;
  error: { code: string; message: string; blockId: string | null } | null;
  currentBlockId: string | null;
  /** When the current step (queue wait, block, resume) began; the engine measures ticks from here. */
  clockAt: number;
  steps: Record<string, unknown>;
  lastOutput: unknown;
  pendingHumanInput: HumanInputRequestRecord | null;
  humanInputCount: number;
  logs: LogLineRecord[];
}

export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  expiresAt: number;
}

export interface PlatformState {
  readonly tickMs: number;
  readonly users: Map<string, UserRecord>;
  readonly apiKeys: Map<string, ApiKeyRecord>;
  readonly workspaces: Map<string, WorkspaceRecord>;
  readonly workflows: Map<string, WorkflowRecord>;
  readonly schedules: Map<string, ScheduleRecord>;
  readonly connections: Map<string, ConnectionRecord>;
  readonly executions: Map<string, ExecutionRecord>;
  /** Keyed by `${apiKeyId}\n${Idempotency-Key}`. */
  readonly idempotency: Map<string, IdempotencyRecord>;
  /** Fixed-window request counters per API key id. */
  readonly rateWindows: Map<string, { windowStart: number; count: number }>;
  readonly counters: Map<string, number>;
  /** Requests received per `METHOD /route`, replays and refusals included: tests count deliveries. */
  readonly requestCounts: Map<string, number>;
}

export function createPlatformState(tickMs: number): PlatformState {
  return {
    tickMs,
    users: new Map(),
    apiKeys: new Map(),
    workspaces: new Map(),
    workflows: new Map(),
    schedules: new Map(),
    connections: new Map(),
    executions: new Map(),
    idempotency: new Map(),
    rateWindows: new Map(),
    counters: new Map(),
    requestCounts: new Map(),
  };
}

/** Sequential ids (`exe_000001`) keep runs reproducible for snapshot and contract tests. */
export function generateId(state: PlatformState, prefix: string): string {
  const next = (state.counters.get(prefix) ?? 0) + 1;
  state.counters.set(prefix, next);
  return `${prefix}${String(next).padStart(6, '0')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function findApiKeyByPlaintext(state: PlatformState, key: string): ApiKeyRecord | undefined {
  const hash = hashApiKey(key);
  for (const record of state.apiKeys.values()) {
    if (record.keyHash === hash) return record;
  }
  return undefined;
}
