/**
 * The contract between the spec-driven route wrapper and the handlers: a handler receives a request
 * that already passed authentication, authorization and schema validation, and returns a result.
 */
import { throwNotFound } from './api-error.js';
import type {
  ApiKeyRecord,
  ConnectionRecord,
  ExecutionRecord,
  PlatformState,
  ScheduleRecord,
  UserRecord,
  WorkflowRecord,
} from './state.js';

export interface Principal {
  readonly user: UserRecord;
  readonly apiKey: ApiKeyRecord;
}

export interface OperationContext {
  readonly state: PlatformState;
  readonly principal: Principal;
  readonly params: Readonly<Record<string, string>>;
  /** Declared query parameters with the spec's defaults applied. */
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
  readonly now: number;
  /** Path of the server URL (`/v1`), for Location headers. */
  readonly basePath: string;
}

export interface OperationResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type OperationHandler = (context: OperationContext) => OperationResult;
export type OperationHandlers = Readonly<Record<string, OperationHandler>>;

export function readPathParam(context: OperationContext, name: string): string {
  return context.params[name] ?? '';
}

export function readQueryString(context: OperationContext, name: string): string | undefined {
  const value = context.query[name];
  return typeof value === 'string' ? value : undefined;
}

export function readQueryBoolean(context: OperationContext, name: string): boolean | undefined {
  const value = context.query[name];
  return typeof value === 'boolean' ? value : undefined;
}

/** The spec gives every integer query parameter a default, so the fallback only guards typos. */
export function readQueryInteger(context: OperationContext, name: string, fallback: number): number {
  const value = context.query[name];
  return typeof value === 'number' ? value : fallback;
}

export function readPageRequest(context: OperationContext, scope: readonly unknown[]) {
  return {
    cursor: readQueryString(context, 'cursor'),
    limit: readQueryInteger(context, 'limit', 20),
    scope,
  };
}

/** Resources of another workspace are reported as missing: the caller may not learn they exist. */
export function requireWorkflow(context: OperationContext): WorkflowRecord {
  return requireInWorkspace(context, context.state.workflows, 'workflowId', 'Workflow');
}

export function requireExecution(context: OperationContext): ExecutionRecord {
  return requireInWorkspace(context, context.state.executions, 'executionId', 'Execution');
}

export function requireSchedule(context: OperationContext): ScheduleRecord {
  return requireInWorkspace(context, context.state.schedules, 'scheduleId', 'Schedule');
}

export function requireConnection(context: OperationContext): ConnectionRecord {
  return requireInWorkspace(context, context.state.connections, 'connectionId', 'Connection');
}

function requireInWorkspace<T extends { workspaceId: string }>(
  context: OperationContext,
  records: ReadonlyMap<string, T>,
  param: string,
  kind: string,
): T {
  const id = readPathParam(context, param);
  const record = records.get(id);
  if (record === undefined || record.workspaceId !== readPathParam(context, 'workspaceId'))
    throwNotFound(kind, id);
  return record;
}
