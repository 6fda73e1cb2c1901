/**
 * Turns records into the spec's response objects. Each presenter copies an explicit allowlist of
 * fields, so internal fields (connection secrets, key hashes, snapshots) can never leak by accident.
 */
import type { WorkspaceRole } from './api-types.js';
import { computeNextRun } from './compute-next-run.js';
import type {
  ConnectionRecord,
  ExecutionRecord,
  LogLineRecord,
  PlatformState,
  ScheduleRecord,
  UserRecord,
  WorkflowRecord,
  WorkspaceRecord,
} from './state.js';

export function formatTime(time: number): string {
  return new Date(time).toISOString();
}

function formatOptionalTime(time: number | null): string | null {
  return time === null ? null : formatTime(time);
}

export function presentUser(user: UserRecord) {
  return { id: user.id, email: user.email, name: user.name, createdAt: formatTime(user.createdAt) };
}

export function presentWorkspace(workspace: WorkspaceRecord, role: WorkspaceRole | null) {
  return {
    id: workspace.id,
    name: workspace.name,
    slug: workspace.slug,
    plan: workspace.plan,
    status: workspace.status,
    role,
    memberCount: workspace.members.size,
    createdAt: formatTime(workspace.createdAt),
  };
}

export function presentWorkflowSummary(workflow: WorkflowRecord) {
  return {
    id: workflow.id,
    workspaceId: workflow.workspaceId,
    name: workflow.name,
    description: workflow.description,
    status: workflow.status,
    active: workflow.active,
    version: workflow.version,
    publishedVersion: workflow.publishedVersion,
    hasUnpublishedChanges:
      workflow.publishedVersion !== null && workflow.publishedVersion !== workflow.version,
    triggerType: workflow.draft.blocks.find((block) => block.type.startsWith('trigger_'))?.type ?? null,
    tags: [...workflow.tags],
    createdAt: formatTime(workflow.createdAt),
    updatedAt: formatTime(workflow.updatedAt),
  };
}

export function presentWorkflow(workflow: WorkflowRecord) {
  return {
    ...presentWorkflowSummary(workflow),
    publishedAt: formatOptionalTime(workflow.publishedAt),
    blocks: structuredClone(workflow.draft.blocks),
    edges: structuredClone(workflow.draft.edges),
    variables: structuredClone(workflow.draft.variables),
    settings: { ...workflow.draft.settings },
  };
}

export function presentExecutionSummary(execution: ExecutionRecord) {
  return {
    id: execution.id,
    workspaceId: execution.workspaceId,
    workflowId: execution.workflowId,
    workflowName: execution.workflowName,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    mode: execution.mode,
    retryOf: execution.retryOf,
    createdAt: formatTime(execution.createdAt),
    startedAt: formatOptionalTime(execution.startedAt),
    finishedAt: formatOptionalTime(execution.finishedAt),
  };
}

export function presentExecution(execution: ExecutionRecord, logTailLines: number) {
  const pending = execution.pendingHumanInput;
  return {
    ...presentExecutionSummary(execution),
    input: structuredClone(execution.input),
    output: execution.output === null ? null : structuredClone(execution.output),
    error: execution.error === null ? null : { ...execution.error },
    currentBlockId: execution.currentBlockId,
    pendingHumanInput:
      pending === null
        ? null
        : {
            inputId: pending.inputId,
            blockId: pending.blockId,
            prompt: pending.prompt,
            fields: structuredClone(pending.fields),
            requestedAt: formatTime(pending.requestedAt),
          },
    logTail: execution.logs.slice(-logTailLines).map(presentLogLine),
    logLineCount: execution.logs.length,
  };
}

export function presentLogLine(line: LogLineRecord) {
  return {
    seq: line.seq,
    at: formatTime(line.at),
    level: line.level,
    blockId: line.blockId,
    message: line.message,
  };
}

export function presentSchedule(schedule: ScheduleRecord, now: number) {
  return {
    id: schedule.id,
    workspaceId: schedule.workspaceId,
    workflowId: schedule.workflowId,
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    enabled: schedule.enabled,
    nextRunAt: schedule.enabled ? formatOptionalTime(computeNextRun(schedule.cron, now)) : null,
    lastRunAt: formatOptionalTime(schedule.lastRunAt),
    createdAt: formatTime(schedule.createdAt),
    updatedAt: formatTime(schedule.updatedAt),
  };
}

export function presentConnection(state: PlatformState, connection: ConnectionRecord) {
  const usedByWorkflowIds = [...state.workflows.values()]
    .filter((workflow) =>
      workflow.draft.blocks.some((block) => block.config['connectionId'] === connection.id),
    )
    .map((workflow) => workflow.id)
    .sort();
  return {
    id: connection.id,
    workspaceId: connection.workspaceId,
    name: connection.name,
    type: connection.type,
    status: connection.health,
    config: { ...connection.config },
    usedByWorkflowIds,
    createdAt: formatTime(connection.createdAt),
    updatedAt: formatTime(connection.updatedAt),
    lastTestedAt: formatOptionalTime(connection.lastTestedAt),
  };
}
