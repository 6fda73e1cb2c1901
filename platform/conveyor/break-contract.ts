/**
 * Test-only ways to make this platform break its own OpenAPI contract, one realistic regression
 * each, so `spec2mcp contract` can be shown to catch them (test/contract). Never on by default.
 * - `renamed-field`: getWorkflow answers `updated_at` instead of `updatedAt` (a serializer change).
 * - `wrong-status`: createWorkflow answers 200 instead of the documented 201.
 * - `required-parameter`: listExecutions refuses calls without `workflowId`, which the document
 *   declares optional (the platform started requiring a filter it used to default).
 */
import type { FastifyInstance } from 'fastify';
import { createErrorBody } from './api-error.js';

export type ContractBreak = 'renamed-field' | 'wrong-status' | 'required-parameter';

export function breakContract(app: FastifyInstance, kind: ContractBreak, basePath: string): void {
  const route =
    (method: string, path: string) => (request: { method: string; routeOptions: { url?: string } }) =>
      request.method === method && request.routeOptions.url === `${basePath}${path}`;
  if (kind === 'renamed-field') {
    const isGetWorkflow = route('GET', '/workspaces/:workspaceId/workflows/:workflowId');
    app.addHook('preSerialization', async (request, reply, payload) => {
      if (
        !isGetWorkflow(request) ||
        reply.statusCode !== 200 ||
        typeof payload !== 'object' ||
        payload === null
      ) {
        return payload;
      }
      const { updatedAt, ...rest } = payload as Record<string, unknown>;
      return { ...rest, updated_at: updatedAt };
    });
  } else if (kind === 'wrong-status') {
    const isCreateWorkflow = route('POST', '/workspaces/:workspaceId/workflows');
    app.addHook('onSend', async (request, reply, payload) => {
      if (isCreateWorkflow(request) && reply.statusCode === 201) reply.code(200);
      return payload;
    });
  } else {
    const isListExecutions = route('GET', '/workspaces/:workspaceId/executions');
    app.addHook('preHandler', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      if (!isListExecutions(request) || query['workflowId'] !== undefined) return;
      return reply
        .code(400)
        .send(createErrorBody('invalid_request', "Invalid query parameter 'workflowId': is required."));
    });
  }
}
