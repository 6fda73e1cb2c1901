/** Full-text search over a workspace: every query word must occur in a resource's searchable text. */
import type { SearchHitType } from './api-types.js';
import { advanceAllExecutions } from './execution-engine.js';
import type { OperationHandlers } from './operation-context.js';
import { readPathParam, readQueryInteger, readQueryString } from './operation-context.js';
import { formatTime } from './present-resources.js';
import type { PlatformState } from './state.js';

const ALL_TYPES: readonly SearchHitType[] = ['workflow', 'execution', 'connection', 'schedule'];

interface Candidate {
  readonly type: SearchHitType;
  readonly id: string;
  readonly title: string;
  readonly snippet: string;
  readonly text: string;
  readonly updatedAt: number;
}

export const searchHandlers: OperationHandlers = {
  search: (context) => {
    const workspaceId = readPathParam(context, 'workspaceId');
    const query = readQueryString(context, 'q') ?? '';
    const requested = context.query['types'];
    const types = Array.isArray(requested) ? ALL_TYPES.filter((type) => requested.includes(type)) : ALL_TYPES;
    const perTypeLimit = readQueryInteger(context, 'perTypeLimit', 10);
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    advanceAllExecutions(context.state, workspaceId, context.now);
    const candidates = collectCandidates(context.state, workspaceId);
    const hits = [];
    const totals: Partial<Record<SearchHitType, number>> = {};
    for (const type of types) {
      const matches = candidates
        .filter(
          (candidate) => candidate.type === type && words.every((word) => candidate.text.includes(word)),
        )
        .sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
      totals[type] = matches.length;
      hits.push(
        ...matches.slice(0, perTypeLimit).map(({ id, title, snippet, updatedAt }) => ({
          type,
          id,
          title,
          snippet,
          updatedAt: formatTime(updatedAt),
        })),
      );
    }
    return { status: 200, body: { query, hits, totals } };
  },
};

function collectCandidates(state: PlatformState, workspaceId: string): Candidate[] {
  const candidates: Candidate[] = [];
  const add = (candidate: Omit<Candidate, 'text'>, parts: readonly (string | null | undefined)[]) =>
    candidates.push({ ...candidate, text: parts.filter(Boolean).join(' ').toLowerCase() });
  for (const workflow of state.workflows.values()) {
    if (workflow.workspaceId !== workspaceId) continue;
    const snippet = `${workflow.status}${workflow.active ? ', active' : ''}: ${workflow.description}`.slice(
      0,
      160,
    );
    add({ type: 'workflow', id: workflow.id, title: workflow.name, snippet, updatedAt: workflow.updatedAt }, [
      workflow.id,
      workflow.name,
      workflow.description,
      workflow.status,
      ...workflow.tags,
    ]);
  }
  for (const execution of state.executions.values()) {
    if (execution.workspaceId !== workspaceId) continue;
    const error = execution.error?.message;
    add(
      {
        type: 'execution',
        id: execution.id,
        title: `${execution.workflowName} (${execution.id})`,
        snippet: `${execution.status}${error ? `: ${error}` : ''}`.slice(0, 160),
        updatedAt: execution.finishedAt ?? execution.startedAt ?? execution.createdAt,
      },
      [execution.id, execution.workflowName, execution.status, error],
    );
  }
  for (const connection of state.connections.values()) {
    if (connection.workspaceId !== workspaceId) continue;
    add(
      {
        type: 'connection',
        id: connection.id,
        title: connection.name,
        snippet: `${connection.type}, ${connection.health}`,
        updatedAt: connection.updatedAt,
      },
      [connection.id, connection.name, connection.type, connection.health],
    );
  }
  for (const schedule of state.schedules.values()) {
    if (schedule.workspaceId !== workspaceId) continue;
    add(
      {
        type: 'schedule',
        id: schedule.id,
        title: schedule.name,
        snippet: `${schedule.cron} (${schedule.timezone}), ${schedule.enabled ? 'enabled' : 'disabled'}`,
        updatedAt: schedule.updatedAt,
      },
      [schedule.id, schedule.name, schedule.cron],
    );
  }
  return candidates;
}
