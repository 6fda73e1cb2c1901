/**
 * The deprecated HTTP+SSE transport (protocol 2024-11-05) for clients that predate Streamable
 * HTTP: `GET /sse` opens a session's event stream, `POST /messages?sessionId=…` delivers the
 * client's messages (answered 202; replies travel on the stream). Registered by mcp-endpoint with
 * the MCP route's own hooks, so Host/Origin checks, authentication and the tool-scope check apply
 * unchanged, and a session only accepts messages from the principal (and tenant) that opened it.
 */
import type { AuthInfo, JSONRPCMessage, McpServerFactory } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { identityOf } from '../mcp/call-identity.js';
import { LegacySseServerTransport } from '../mcp/legacy-sse-transport.js';
import { SessionTable, type TableSession } from '../mcp/session-table.js';
import { readTenant } from '../mcp/tenant-path.js';
import { trackUnusedConnections } from './track-unused-connections.js';

export interface LegacySseRoutesOptions {
  readonly factory: McpServerFactory;
  /** Route of the event stream (`/sse`, or `/:tenant/sse`). */
  readonly ssePath: string;
  /** Route of the message endpoint (`/messages`, or `/:tenant/messages`). */
  readonly messagesPath: string;
  /** The MCP route's hooks: Host/Origin checks, authentication, the tool-scope check. */
  readonly hooks: Pick<RouteShorthandOptions, 'onRequest' | 'preHandler'>;
  /** The caller and the web request of one HTTP request; undefined when a reply was already sent. */
  readonly prepare: (
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<{ authInfo: AuthInfo | undefined; webRequest: Request } | undefined>;
  readonly maxSessions: number;
  readonly bodyLimit: number;
}

interface SseSession extends TableSession {
  readonly transport: LegacySseServerTransport;
}

export interface LegacySseRoutes {
  notifyToolsChanged(): void;
  /**
   * Ends every session's stream and every connection that never sent a request (at shutdown:
   * each would hold the server open; track-unused-connections.ts says where the latter come from).
   */
  close(): Promise<void>;
}

export function registerLegacySseRoutes(
  app: FastifyInstance,
  options: LegacySseRoutesOptions,
): LegacySseRoutes {
  // An open stream is never idle; the idle time only matters for the moment between open and use.
  const table = new SessionTable<SseSession>({ idleMs: 60_000, maxSessions: options.maxSessions });
  const servers = new Map<string, { sendToolListChanged(): unknown }>();
  const unused = trackUnusedConnections(app.server);
  const bindingOf = (request: FastifyRequest, authInfo: AuthInfo | undefined) =>
    `${identityOf(authInfo).principal}\n${readTenant(request.params) ?? ''}`;

  app.get(options.ssePath, { onRequest: options.hooks.onRequest }, async (request, reply) => {
    const prepared = await options.prepare(request, reply);
    if (prepared === undefined) return reply;
    if (!table.makeRoom()) {
      return reply.code(503).header('retry-after', '5').send({
        error: 'too_many_sessions',
        message: 'Too many open sessions on this server; retry later.',
      });
    }
    const { authInfo, webRequest } = prepared;
    const messages = request.url.replace(/\/sse(\?.*)?$/, '/messages');
    const transport = new LegacySseServerTransport(messages);
    const server = await options.factory({
      era: 'legacy',
      requestInfo: webRequest,
      ...(authInfo !== undefined && { authInfo }),
    });
    const id = transport.sessionId;
    const session: SseSession = {
      binding: bindingOf(request, authInfo),
      transport,
      close: async () => {
        await transport.close();
        await server.close().catch(() => {});
      },
    };
    table.add(id, session);
    const endStream = table.openResponse(id);
    servers.set(id, server);
    transport.onclose = () => {
      endStream();
      table.delete(id);
      servers.delete(id);
      server.close().catch(() => {});
    };
    await server.connect(transport);
    // The client went away: end the session, and the socket with it (an event stream's socket is
    // never reused, and a half-closed one would hold the server's shutdown open).
    reply.raw.on('close', () => {
      transport.close().catch(() => {});
      request.raw.socket?.destroy();
    });
    return reply
      .header('content-type', 'text/event-stream')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no')
      .send(transport.stream);
  });

  app.post(
    options.messagesPath,
    {
      onRequest: options.hooks.onRequest,
      preHandler: options.hooks.preHandler,
      bodyLimit: options.bodyLimit,
    },
    async (request, reply) => {
      const prepared = await options.prepare(request, reply);
      if (prepared === undefined) return reply;
      const sessionId = (request.query as { sessionId?: unknown }).sessionId;
      const session =
        typeof sessionId === 'string'
          ? table.use(sessionId, bindingOf(request, prepared.authInfo))
          : undefined;
      if (session === undefined) {
        return reply.code(404).send({
          error: 'not_found',
          message: 'Unknown or closed SSE session: open a new event stream at the SSE endpoint.',
        });
      }
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return reply
          .code(400)
          .send({ error: 'bad_request', message: 'The body must be one JSON-RPC message.' });
      }
      session.transport.receive(body as JSONRPCMessage, {
        request: prepared.webRequest,
        ...(prepared.authInfo !== undefined && { authInfo: prepared.authInfo }),
      });
      return reply.code(202).send('Accepted');
    },
  );

  return {
    notifyToolsChanged() {
      for (const server of servers.values()) Promise.resolve(server.sendToolListChanged()).catch(() => {});
    },
    async close() {
      await table.closeAll();
      unused.destroy();
    },
  };
}
