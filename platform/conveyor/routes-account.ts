/** getCurrentUser, listWorkspaces, getWorkspace. */
import { throwNotFound } from './api-error.js';
import type { OperationHandlers } from './operation-context.js';
import { readPageRequest, readPathParam } from './operation-context.js';
import { paginate } from './paginate.js';
import { presentWorkspace } from './present-resources.js';

export const accountHandlers: OperationHandlers = {
  getCurrentUser: ({ state, principal }) => {
    const { user, apiKey } = principal;
    const workspaces = [...state.workspaces.values()]
      .filter((workspace) => workspace.members.has(user.id))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((workspace) => ({
        id: workspace.id,
        name: workspace.name,
        role: workspace.members.get(user.id) ?? 'viewer',
      }));
    return {
      status: 200,
      body: {
        id: user.id,
        email: user.email,
        name: user.name,
        workspaces,
        credential: {
          type: 'apiKey',
          id: apiKey.id,
          name: apiKey.name,
          scopes: [...apiKey.scopes],
          readOnly: !apiKey.scopes.some((scope) => scope.endsWith(':write') || scope === 'admin'),
        },
      },
    };
  },

  listWorkspaces: (context) => {
    const userId = context.principal.user.id;
    const workspaces = [...context.state.workspaces.values()]
      .filter((workspace) => workspace.members.has(userId))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((workspace) => presentWorkspace(workspace, workspace.members.get(userId) ?? null));
    return { status: 200, body: paginate(workspaces, readPageRequest(context, ['listWorkspaces'])) };
  },

  getWorkspace: (context) => {
    const id = readPathParam(context, 'workspaceId');
    const workspace = context.state.workspaces.get(id);
    if (workspace === undefined) throwNotFound('Workspace', id);
    return {
      status: 200,
      body: presentWorkspace(workspace, workspace.members.get(context.principal.user.id) ?? null),
    };
  },
};
