/**
 * Composes the web-standard MCP handler behind `/mcp`. Today both protocol revisions go to one
 * `createMcpHandler`: 2026-07-28 natively, 2025-11-25 through the SDK's stateless legacy fallback.
 * A sessionful 2025 leg plugs in through `createLegacyHandler` (given the same factory, so both
 * eras serve one tool surface): the modern handler then turns strict and `isLegacyRequest` (the
 * SDK's own classifier, so routing never disagrees with it) sends 2025 traffic to that leg.
 */
import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type LegacyHttpHandler,
  type McpServerFactory,
} from '@modelcontextprotocol/server';

export type CreateLegacyHandler = (factory: McpServerFactory) => LegacyHttpHandler;

export interface McpFetch {
  fetch(request: Request, parsedBody: unknown, authInfo?: AuthInfo): Promise<Response>;
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
      close: handler.close,
    };
  }
  const legacyHandler = options.createLegacyHandler(factory);
  const modern = createMcpHandler(factory, { ...shared, legacy: 'reject' });
  const classify = maxRequestBodySize === undefined ? {} : { maxRequestBodySize };
  return {
    async fetch(request, parsedBody, authInfo) {
      if (await isLegacyRequest(request, parsedBody, classify)) {
        return legacyHandler(request, withBody(parsedBody, authInfo));
      }
      return modern.fetch(request, withBody(parsedBody, authInfo));
    },
    close: modern.close,
  };
}
