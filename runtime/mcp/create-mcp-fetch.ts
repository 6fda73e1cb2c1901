/**
 * Composes the web-standard MCP handler behind `/mcp`. Without a legacy leg both protocol revisions
 * go to one `createMcpHandler`: 2026-07-28 natively, 2025-era through the SDK's stateless fallback.
 * A 2025 leg (the sessionful one, runtime/mcp/session-legacy-handler.ts) plugs in through
 * `createLegacyHandler` (given the same factory, so both eras serve one tool surface): the modern
 * handler then turns strict and `isLegacyRequest` (the SDK's own classifier, so routing never
 * disagrees with it) sends 2025 traffic to that leg.
 */
import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type LegacyHttpHandler,
  type McpServerFactory,
} from '@modelcontextprotocol/server';

/** A 2025-era leg that holds connections: it can tell them about changes and must be closed. */
export interface LegacyLeg {
  readonly handle: LegacyHttpHandler;
  /** Sends notifications/tools/list_changed to every connected client of this leg. */
  notifyToolsChanged(): void;
  /** Ends the long-lived notification streams (shutdown: they would hold the server open). */
  closeStreams(): void;
  close(): Promise<void>;
}

export type CreateLegacyHandler = (factory: McpServerFactory) => LegacyHttpHandler | LegacyLeg;

export interface McpFetch {
  fetch(request: Request, parsedBody: unknown, authInfo?: AuthInfo): Promise<Response>;
  /** Tells connected clients the tool list changed: 2025 sessions' GET streams, 2026 listen streams. */
  notifyToolsChanged(): void;
  /** Ends the 2025 sessions' GET streams, leaving calls in flight to finish. */
  closeStreams(): void;
  close(): Promise<void>;
}

export interface CreateMcpFetchOptions {
  readonly factory: McpServerFactory;
  /** Builds a 2025-era handler to use instead of the stateless fallback (e.g. sessionful serving). */
  readonly createLegacyHandler?: CreateLegacyHandler;
  readonly maxRequestBodySize?: number;
  readonly onerror?: (error: Error) => void;
}

export function createMcpFetch(options: CreateMcpFetchOptions): McpFetch {
  const { factory, maxRequestBodySize, onerror } = options;
  const shared = {
    ...(onerror !== undefined && { onerror }),
    ...(maxRequestBodySize !== undefined && { maxRequestBodySize }),
  };
  const withBody = (parsedBody: unknown, authInfo: AuthInfo | undefined) => ({
    ...(parsedBody !== undefined && { parsedBody }),
    ...(authInfo !== undefined && { authInfo }),
  });

  if (options.createLegacyHandler === undefined) {
    const handler = createMcpHandler(factory, { ...shared, legacy: 'stateless' });
    return {
      fetch: (request, parsedBody, authInfo) => handler.fetch(request, withBody(parsedBody, authInfo)),
      notifyToolsChanged: () => handler.notify.toolsChanged(),
      closeStreams: () => {},
      close: handler.close,
    };
  }
  const created = options.createLegacyHandler(factory);
  const legacy: LegacyLeg =
    typeof created === 'function'
      ? { handle: created, notifyToolsChanged: () => {}, closeStreams: () => {}, close: async () => {} }
      : created;
  const modern = createMcpHandler(factory, { ...shared, legacy: 'reject' });
  const classify = maxRequestBodySize === undefined ? {} : { maxRequestBodySize };
  return {
    async fetch(request, parsedBody, authInfo) {
      if (await isLegacyRequest(request, parsedBody, classify)) {
        return legacy.handle(request, withBody(parsedBody, authInfo));
      }
      return modern.fetch(request, withBody(parsedBody, authInfo));
    },
    notifyToolsChanged() {
      modern.notify.toolsChanged();
      legacy.notifyToolsChanged();
    },
    closeStreams: () => legacy.closeStreams(),
    async close() {
      await Promise.all([modern.close(), legacy.close()]);
    },
  };
}
