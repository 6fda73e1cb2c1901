/** Operator endpoints (admin scope): never exposed as MCP tools, see overlays/30-exclusions.yaml. */
import { throwNotFound } from './api-error.js';
import type { OperationHandlers } from './operation-context.js';
import { readPageRequest, readPathParam } from './operation-context.js';
import { paginate } from './paginate.js';
import { presentUser, presentWorkspace } from './present-resources.js';

export const adminHandlers: OperationHandlers = {
  listAllUsers: (context) => {
    const users = [...context.state.users.values()].sort((a, b) => a.id.localeCompare(b.id)).map(presentUser);
    return { status: 200, body: paginate(users, readPageRequest(context, ['listAllUsers'])) };
  },

  suspendWorkspace: (context) => {
    const id = readPathParam(context, 'workspaceId');
    const workspace = context.state.workspaces.get(id);
    if (workspace === undefined) throwNotFound('Workspace', id);
    if (workspace.status !== 'suspended') {
      workspace.status = 'suspended';
      workspace.suspendedReason = (context.body as { reason: string }).reason;
    }
    return {
      status: 200,
      body: presentWorkspace(workspace, workspace.members.get(context.principal.user.id) ?? null),
    };
  },

  revokeAnyApiKey: (context) => {
    const id = readPathParam(context, 'keyId');
    const apiKey = context.state.apiKeys.get(id);
    if (apiKey === undefined || apiKey.revokedAt !== null) throwNotFound('API key', id);
    apiKey.revokedAt = context.now;
    return { status: 204 };
  },
};
