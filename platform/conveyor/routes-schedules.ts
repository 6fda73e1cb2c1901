/** listSchedules, getSchedule, toggleSchedule. */
import { throwConflict } from './api-error.js';
import type { OperationHandlers } from './operation-context.js';
import {
  readPageRequest,
  readPathParam,
  readQueryBoolean,
  readQueryString,
  requireSchedule,
} from './operation-context.js';
import { paginate } from './paginate.js';
import { presentSchedule } from './present-resources.js';

export const scheduleHandlers: OperationHandlers = {
  listSchedules: (context) => {
    const workspaceId = readPathParam(context, 'workspaceId');
    const enabled = readQueryBoolean(context, 'enabled');
    const workflowId = readQueryString(context, 'workflowId');
    const schedules = [...context.state.schedules.values()]
      .filter((schedule) => schedule.workspaceId === workspaceId)
      .filter((schedule) => enabled === undefined || schedule.enabled === enabled)
      .filter((schedule) => workflowId === undefined || schedule.workflowId === workflowId)
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((schedule) => presentSchedule(schedule, context.now));
    return {
      status: 200,
      body: paginate(schedules, readPageRequest(context, ['listSchedules', enabled, workflowId])),
    };
  },

  getSchedule: (context) => ({ status: 200, body: presentSchedule(requireSchedule(context), context.now) }),

  toggleSchedule: (context) => {
    const schedule = requireSchedule(context);
    const { enabled } = context.body as { enabled: boolean };
    const workflow = context.state.workflows.get(schedule.workflowId);
    if (enabled && workflow?.status === 'ARCHIVED') {
      throwConflict(
        'workflow_archived',
        `Schedule '${schedule.id}' belongs to archived workflow '${schedule.workflowId}' and cannot be enabled.`,
        { scheduleId: schedule.id, workflowId: schedule.workflowId },
      );
    }
    if (schedule.enabled !== enabled) {
      schedule.enabled = enabled;
      schedule.updatedAt = context.now;
    }
    return { status: 200, body: presentSchedule(schedule, context.now) };
  },
};
