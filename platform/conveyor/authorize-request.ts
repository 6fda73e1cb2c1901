/**
 * Who is calling and what they may do: API key from `X-Conveyor-Api-Key` or `Authorization: Bearer`,
 * the operation's OAuth scopes from the spec checked against the key's scopes, and workspace
 * membership for every path under `/workspaces/{workspaceId}`.
 */
import { ApiError } from './api-error.js';
import type { OperationSpec } from './load-openapi.js';
import type { Principal } from './operation-context.js';
import type { PlatformState } from './state.js';
import { findApiKeyByPlaintext } from './state.js';

export const API_KEY_HEADER = 'x-conveyor-api-key';

export function authenticate(state: PlatformState, headers: Record<string, unknown>): Principal {
  const key = readPresentedKey(headers);
  if (key === undefined) {
    throw new ApiError(
      401,
      'unauthorized',
      'Missing API key: send it in the X-Conveyor-Api-Key header or as Authorization: Bearer <key>.',
    );
  }
  const apiKey = findApiKeyByPlaintext(state, key);
  const user = apiKey === undefined ? undefined : state.users.get(apiKey.userId);
  if (apiKey === undefined || apiKey.revokedAt !== null || user === undefined) {
    throw new ApiError(401, 'unauthorized', 'The API key is unknown or has been revoked.');
  }
  return { user, apiKey };
}

function readPresentedKey(headers: Record<string, unknown>): string | undefined {
  const direct = headers[API_KEY_HEADER];
  if (typeof direct === 'string' && direct !== '') return direct;
  const authorization = headers['authorization'];
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1];
}

export function authorizeScopes(principal: Principal, operation: OperationSpec): void {
  const missing = operation.requiredScopes.filter((scope) => !principal.apiKey.scopes.includes(scope));
  if (missing.length === 0) return;
  const readOnly = !principal.apiKey.scopes.some((scope) => scope.endsWith(':write') || scope === 'admin');
  throw new ApiError(
    403,
    'insufficient_scope',
    readOnly && missing.some((scope) => scope.endsWith(':write'))
      ? `This API key is read-only; ${operation.operationId} needs the '${missing.join("', '")}' scope.`
      : `${operation.operationId} needs the '${missing.join("', '")}' scope, which this API key does not have.`,
    { requiredScopes: [...operation.requiredScopes], grantedScopes: [...principal.apiKey.scopes] },
  );
}

/** Operator operations (admin scope) act across tenants and skip the membership check. */
export function authorizeWorkspace(
  state: PlatformState,
  principal: Principal,
  operation: OperationSpec,
  workspaceId: string,
): void {
  if (operation.requiredScopes.includes('admin')) return;
  const workspace = state.workspaces.get(workspaceId);
  if (workspace === undefined) {
    throw new ApiError(404, 'not_found', `Workspace '${workspaceId}' does not exist.`, {
      resource: 'Workspace',
      id: workspaceId,
    });
  }
  if (!workspace.members.has(principal.user.id)) {
    throw new ApiError(403, 'forbidden', `You are not a member of workspace '${workspaceId}'.`, {
      workspaceId,
    });
  }
  if (workspace.status === 'suspended') {
    throw new ApiError(
      403,
      'workspace_suspended',
      `Workspace '${workspaceId}' is suspended${workspace.suspendedReason ? `: ${workspace.suspendedReason}` : ''}.`,
      { workspaceId },
    );
  }
}
