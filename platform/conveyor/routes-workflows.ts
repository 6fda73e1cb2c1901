/** Workflow CRUD and lifecycle: draft -> published (active or not) -> archived. */
import { throwConflict } from './api-error.js';
import type { CreateWorkflowRequest, UpdateWorkflowRequest } from './api-types.js';
import type { OperationContext, OperationHandlers } from './operation-context.js';
import {
  readPageRequest,
  readPathParam,
  readQueryBoolean,
  readQueryString,
  requireWorkflow,
} from './operation-context.js';
import { paginate } from './paginate.js';
import { presentWorkflow, presentWorkflowSummary } from './present-resources.js';
import type { WorkflowRecord } from './state.js';
import { DEFAULT_WORKFLOW_SETTINGS, generateId } from './state.js';
import { assertPublishable, assertValidDefinition } from './validate-workflow.js';

export const workflowHandlers: OperationHandlers = {
  listWorkflows: (context) => {
    const workspaceId = readPathParam(context, 'workspaceId');
    const status = readQueryString(context, 'status');
    const active = readQueryBoolean(context, 'active');
    const workflows = [...context.state.workflows.values()]
      .filter((workflow) => workflow.workspaceId === workspaceId)
      .filter((workflow) => status === undefined || workflow.status === status)
      .filter((workflow) => active === undefined || workflow.active === active)
      .sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id))
      .map(presentWorkflowSummary);
    return {
      status: 200,
      body: paginate(workflows, readPageRequest(context, ['listWorkflows', status, active])),
    };
  },

  createWorkflow: (context) => {
    const request = context.body as CreateWorkflowRequest;
    const workflow = createWorkflowRecord(context, {
      name: request.name,
      description: request.description,
      tags: request.tags ?? [],
      blocks: request.blocks ?? [],
      edges: request.edges ?? [],
      variables: request.variables ?? [],
      settings: { ...DEFAULT_WORKFLOW_SETTINGS, ...request.settings },
    });
    return created(context, workflow);
  },

  getWorkflow: (context) => ({ status: 200, body: presentWorkflow(requireWorkflow(context)) }),

  updateWorkflow: (context) => {
    const workflow = requireWorkflow(context);
    if (workflow.status === 'ARCHIVED') {
      throwConflict(
        'workflow_archived',
        `Workflow '${workflow.id}' is archived and cannot be edited; duplicate it instead.`,
      );
    }
    const request = context.body as UpdateWorkflowRequest;
    const next = {
      name: request.name ?? workflow.name,
      description: request.description ?? workflow.description,
      tags: request.tags ?? workflow.tags,
      draft: {
        blocks: request.blocks ?? workflow.draft.blocks,
        edges: request.edges ?? workflow.draft.edges,
        variables: request.variables ?? workflow.draft.variables,
        settings: request.settings
          ? { ...DEFAULT_WORKFLOW_SETTINGS, ...request.settings }
          : workflow.draft.settings,
      },
    };
    assertValidDefinition(next.draft);
    const current = {
      name: workflow.name,
      description: workflow.description,
      tags: workflow.tags,
      draft: workflow.draft,
    };
    // Re-sending the same fields is a no-op, so retries do not bump the version.
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      Object.assign(workflow, structuredClone(next));
      workflow.version += 1;
      workflow.updatedAt = context.now;
    }
    return { status: 200, body: presentWorkflow(workflow) };
  },

  deleteWorkflow: (context) => {
    const workflow = requireWorkflow(context);
    if (workflow.status === 'PUBLISHED') {
      throwConflict(
        'workflow_published',
        `Workflow '${workflow.id}' is PUBLISHED; archive it with archiveWorkflow before deleting it.`,
        { workflowId: workflow.id, status: workflow.status },
      );
    }
    context.state.workflows.delete(workflow.id);
    for (const [id, schedule] of context.state.schedules) {
      if (schedule.workflowId === workflow.id) context.state.schedules.delete(id);
    }
    return { status: 204 };
  },

  publishWorkflow: (context) => {
    const workflow = requireWorkflow(context);
    if (workflow.status === 'ARCHIVED') {
      throwConflict(
        'workflow_archived',
        `Workflow '${workflow.id}' is archived and cannot be published; duplicate it instead.`,
      );
    }
    if (workflow.status === 'PUBLISHED' && workflow.publishedVersion === workflow.version) {
      return { status: 200, body: presentWorkflow(workflow) };
    }
    assertPublishable(workflow.draft);
    workflow.published = structuredClone(workflow.draft);
    workflow.publishedVersion = workflow.version;
    workflow.status = 'PUBLISHED';
    workflow.publishedAt = context.now;
    workflow.updatedAt = context.now;
    return { status: 200, body: presentWorkflow(workflow) };
  },

  setWorkflowActive: (context) => {
    const workflow = requireWorkflow(context);
    const { active } = context.body as { active: boolean };
    if (active && workflow.status !== 'PUBLISHED') {
      throwConflict(
        'workflow_not_published',
        `Workflow '${workflow.id}' is ${workflow.status}; only PUBLISHED workflows can be activated.`,
        { workflowId: workflow.id, status: workflow.status },
      );
    }
    if (workflow.active !== active) {
      workflow.active = active;
      workflow.updatedAt = context.now;
    }
    return { status: 200, body: presentWorkflow(workflow) };
  },

  archiveWorkflow: (context) => {
    const workflow = requireWorkflow(context);
    if (workflow.status !== 'ARCHIVED') {
      workflow.status = 'ARCHIVED';
      workflow.active = false;
      workflow.updatedAt = context.now;
      for (const schedule of context.state.schedules.values()) {
        if (schedule.workflowId === workflow.id && schedule.enabled) {
          schedule.enabled = false;
          schedule.updatedAt = context.now;
        }
      }
    }
    return { status: 200, body: presentWorkflow(workflow) };
  },

  duplicateWorkflow: (context) => {
    const source = requireWorkflow(context);
    const request = (context.body ?? {}) as { name?: string };
    const copy = createWorkflowRecord(context, {
      name: request.name ?? `Copy of ${source.name}`.slice(0, 120),
      description: source.description,
      tags: source.tags,
      ...source.draft,
    });
    return created(context, copy);
  },
};

function createWorkflowRecord(
  context: OperationContext,
  fields: Pick<WorkflowRecord, 'name' | 'description' | 'tags'> & WorkflowRecord['draft'],
): WorkflowRecord {
  const draft = structuredClone({
    blocks: fields.blocks,
    edges: fields.edges,
    variables: fields.variables,
    settings: fields.settings,
  });
  assertValidDefinition(draft);
  const workflow: WorkflowRecord = {
    id: generateId(context.state, 'wf_'),
    workspaceId: readPathParam(context, 'workspaceId'),
    name: fields.name,
    description: fields.description,
    tags: [...fields.tags],
    status: 'DRAFT',
    active: false,
    version: 1,
    publishedVersion: null,
    draft,
    published: null,
    createdAt: context.now,
    updatedAt: context.now,
    publishedAt: null,
  };
  context.state.workflows.set(workflow.id, workflow);
  return workflow;
}

function created(context: OperationContext, workflow: WorkflowRecord) {
  return {
    status: 201,
    body: presentWorkflow(workflow),
    headers: { location: `${context.basePath}/workspaces/${workflow.workspaceId}/workflows/${workflow.id}` },
  };
}
