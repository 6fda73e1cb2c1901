/** Starting, reading, cancelling and retrying executions, and answering human-input requests. */
import { throwConflict } from './api-error.js';
import type { StartExecutionRequest, SubmitHumanInputRequest } from './api-types.js';
import {
  advanceAllExecutions,
  advanceExecution,
  cancelExecution,
  startExecution,
  submitHumanInput,
} from './execution-engine.js';
import type { OperationContext, OperationHandlers } from './operation-context.js';
import {
  readPageRequest,
  readPathParam,
  readQueryInteger,
  readQueryString,
  requireExecution,
  requireWorkflow,
} from './operation-context.js';
import { paginate } from './paginate.js';
import { presentExecution, presentExecutionSummary, presentLogLine } from './present-resources.js';
import type { ExecutionRecord } from './state.js';

/** Write operations answer with the spec's default tail, like getExecution without logTailLines. */
const DEFAULT_LOG_TAIL = 20;

export const executionHandlers: OperationHandlers = {
  startExecution: (context) => {
    const workflow = requireWorkflow(context);
    const request = context.body as StartExecutionRequest;
    const execution = startExecution(context.state, {
      workflow,
      input: request.input,
      mode: request.mode,
      retryOf: null,
      now: context.now,
    });
    return accepted(context, execution);
  },

  listExecutions: (context) => {
    const workspaceId = readPathParam(context, 'workspaceId');
    const workflowId = readQueryString(context, 'workflowId');
    const status = readQueryString(context, 'status');
    advanceAllExecutions(context.state, workspaceId, context.now);
    const executions = [...context.state.executions.values()]
      .filter((execution) => execution.workspaceId === workspaceId)
      .filter((execution) => workflowId === undefined || execution.workflowId === workflowId)
      .filter((execution) => status === undefined || execution.status === status)
      .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id))
      .map(presentExecutionSummary);
    return {
      status: 200,
      body: paginate(executions, readPageRequest(context, ['listExecutions', workflowId, status])),
    };
  },

  getExecution: (context) => {
    const execution = advanceExecution(context.state, requireExecution(context), context.now);
    return {
      status: 200,
      body: presentExecution(execution, readQueryInteger(context, 'logTailLines', DEFAULT_LOG_TAIL)),
    };
  },

  listExecutionLogs: (context) => {
    const execution = advanceExecution(context.state, requireExecution(context), context.now);
    const level = readQueryString(context, 'level');
    const lines = execution.logs
      .filter((line) => level === undefined || line.level === level)
      .map(presentLogLine);
    return {
      status: 200,
      body: paginate(lines, readPageRequest(context, ['listExecutionLogs', execution.id, level])),
    };
  },

  cancelExecution: (context) => {
    const reason = (context.body as { reason?: string } | undefined)?.reason;
    const execution = cancelExecution(context.state, requireExecution(context), {
      now: context.now,
      actor: context.principal.user.id,
      reason,
    });
    return { status: 200, body: presentExecution(execution, DEFAULT_LOG_TAIL) };
  },

  retryExecution: (context) => {
    const original = advanceExecution(context.state, requireExecution(context), context.now);
    if (original.status !== 'FAILED' && original.status !== 'CANCELLED') {
      throwConflict(
        'execution_not_retryable',
        `Execution '${original.id}' is ${original.status}; only FAILED or CANCELLED executions can be retried.`,
        { executionId: original.id, status: original.status },
      );
    }
    const workflow = context.state.workflows.get(original.workflowId);
    if (workflow === undefined) {
      throwConflict(
        'workflow_deleted',
        `Workflow '${original.workflowId}' of execution '${original.id}' was deleted.`,
      );
    }
    const execution = startExecution(context.state, {
      workflow,
      input: original.input,
      mode: original.mode,
      retryOf: original.id,
      now: context.now,
    });
    return accepted(context, execution);
  },

  submitHumanInput: (context) => {
    const request = context.body as SubmitHumanInputRequest;
    const execution = submitHumanInput(context.state, requireExecution(context), {
      now: context.now,
      actor: context.principal.user.id,
      inputId: request.inputId,
      values: request.values,
    });
    return { status: 200, body: presentExecution(execution, DEFAULT_LOG_TAIL) };
  },
};

function accepted(context: OperationContext, execution: ExecutionRecord) {
  return {
    status: 202,
    body: presentExecution(execution, DEFAULT_LOG_TAIL),
    headers: {
      location: `${context.basePath}/workspaces/${execution.workspaceId}/executions/${execution.id}`,
    },
  };
}
