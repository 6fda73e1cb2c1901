/**
 * Serves 2025-era traffic (protocol 2025-03-26 to 2025-11-25) with `Mcp-Session-Id` sessions: an
 * `initialize` opens a session (one SDK `WebStandardStreamableHTTPServerTransport` and one server
 * from the shared factory), later requests carrying its id go to it, the GET stream carries
 * server notifications (tools/list_changed on live reload), DELETE ends it, idle sessions expire.
 *
 * Requests without a session id other than `initialize` are still served statelessly, so clients
 * that never initialize (and load balancers without sticky routing, for those clients) keep working.
 *
 * A session stays bound to the principal and endpoint that opened it: another caller presenting
 * the id gets the same 404 as for an unknown id, so ids cannot be probed.
 */
import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  isInitializeRequest,
  type LegacyHttpHandler,
  type McpServerFactory,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { identityOf } from './call-identity.js';
import type { LegacyLeg } from './create-mcp-fetch.js';
import { createStatelessLegacyHandler } from './create-stateless-legacy-handler.js';
import { SessionTable, type TableSession } from './session-table.js';

export const DEFAULT_SESSION_IDLE_SECONDS = 30 * 60;
export const DEFAULT_MAX_SESSIONS = 10_000;

export interface SessionLegacyHandlerOptions {
  /** Idle time after which a session without open streams is closed (env SPEC2MCP_SESSION_IDLE_SECONDS). */
  readonly idleMs?: number;
  /** Most sessions at once (env SPEC2MCP_MAX_SESSIONS); beyond it the least recently used idle one goes. */
  readonly maxSessions?: number;
  readonly maxRequestBodySize?: number;
  readonly onerror?: (error: Error) => void;
}

interface Session extends TableSession {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  notifyToolsChanged(): void;
}

export interface SessionLegacyLeg extends LegacyLeg {
  /** Open sessions (for metrics and tests). */
  readonly sessionCount: () => number;
}

export function createSessionLegacyHandler(
  factory: McpServerFactory,
  options: SessionLegacyHandlerOptions = {},
): SessionLegacyLeg {
  const idleMs = options.idleMs ?? DEFAULT_SESSION_IDLE_SECONDS * 1000;
  const table = new SessionTable<Session>({
    idleMs,
    maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
  });
  const bodyLimit =
    options.maxRequestBodySize === undefined ? {} : { maxRequestBodySize: options.maxRequestBodySize };
  const stateless = createStatelessLegacyHandler(factory, bodyLimit);
  const sweeper = setInterval(() => table.sweep(), Math.min(idleMs, 60_000));
  sweeper.unref();

  const open: LegacyHttpHandler = async (request, handlerOptions) => {
    if (!table.makeRoom()) {
      return jsonRpcError(503, -32000, 'Too many open sessions on this server; retry later.', {
        'retry-after': '5',
      });
    }
    const authInfo = handlerOptions?.authInfo;
    const binding = bindingOf(request, authInfo);
    const server = await factory({
      era: 'legacy',
      requestInfo: request,
      ...(authInfo !== undefined && { authInfo }),
    });
    let sessionId: string | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      ...bodyLimit,
      onsessioninitialized: (id) => {
        sessionId = id;
        table.add(id, session);
      },
      onsessionclosed: (id) => table.delete(id),
    });
    const session: Session = {
      binding,
      transport,
      close: async () => {
        await transport.close().catch(() => {});
        await server.close().catch(() => {});
      },
      notifyToolsChanged: () => {
        Promise.resolve(server.sendToolListChanged()).catch((error: Error) => options.onerror?.(error));
      },
    };
    transport.onclose = () => {
      if (sessionId !== undefined) table.delete(sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(request, handlerOptions);
    if (sessionId === undefined) {
      // The initialize was refused (bad version, bad JSON): nothing to keep.
      await session.close();
      return response;
    }
    return tracked(response, table.openResponse(sessionId));
  };

  const handle: LegacyHttpHandler = async (request, handlerOptions) => {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId === null) {
      const body = handlerOptions?.parsedBody;
      if (request.method.toUpperCase() === 'POST' && isInitializeRequest(body))
        return open(request, handlerOptions);
      return stateless(request, handlerOptions);
    }
    const session = table.use(sessionId, bindingOf(request, handlerOptions?.authInfo));
    if (session === undefined) {
      // Unknown, expired, or someone else's: the client starts over with initialize.
      return jsonRpcError(404, -32001, 'Session not found: it expired or was closed; initialize a new one.');
    }
    const response = await session.transport.handleRequest(request, handlerOptions);
    return tracked(response, table.openResponse(sessionId));
  };

  return {
    handle,
    notifyToolsChanged: () => {
      for (const session of table.sessions()) session.notifyToolsChanged();
    },
    closeStreams: () => {
      for (const session of table.sessions()) session.transport.closeStandaloneSSEStream();
    },
    close: async () => {
      clearInterval(sweeper);
      await table.closeAll();
    },
    sessionCount: () => table.size,
  };
}

/** Who may use a session: the principal that opened it, on the endpoint (tenant path) it opened it on. */
function bindingOf(request: Request, authInfo: AuthInfo | undefined): string {
  return `${identityOf(authInfo).principal}\n${new URL(request.url).pathname}`;
}

/** Keeps the session counted as busy until a streamed response has been read or cancelled. */
function tracked(response: Response, end: () => void): Response {
  if (response.body === null || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    end();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}
