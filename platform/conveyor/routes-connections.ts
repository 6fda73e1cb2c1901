/** listConnections, getConnection, testConnection. Secrets never leave ConnectionRecord.secret. */
import { createHash } from 'node:crypto';
import type { OperationHandlers } from './operation-context.js';
import { readPageRequest, readPathParam, readQueryString, requireConnection } from './operation-context.js';
import { paginate } from './paginate.js';
import { formatTime, presentConnection } from './present-resources.js';

export const connectionHandlers: OperationHandlers = {
  listConnections: (context) => {
    const workspaceId = readPathParam(context, 'workspaceId');
    const type = readQueryString(context, 'type');
    const connections = [...context.state.connections.values()]
      .filter((connection) => connection.workspaceId === workspaceId)
      .filter((connection) => type === undefined || connection.type === type)
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((connection) => presentConnection(context.state, connection));
    return { status: 200, body: paginate(connections, readPageRequest(context, ['listConnections', type])) };
  },

  getConnection: (context) => ({
    status: 200,
    body: presentConnection(context.state, requireConnection(context)),
  }),

  // Read-only by design (the spec lets read-only keys call it): it reports, it records nothing.
  testConnection: (context) => {
    const connection = requireConnection(context);
    const ok = connection.health !== 'failing';
    return {
      status: 200,
      body: {
        connectionId: connection.id,
        ok,
        latencyMs: 20 + (createHash('sha256').update(connection.id).digest().readUInt16BE(0) % 400),
        message: ok ? `Connected to ${connection.type} endpoint successfully.` : connection.healthMessage,
        testedAt: formatTime(context.now),
      },
    };
  },
};
