/**
 * Serves 2025-era (pre-2026-07-28) requests statelessly, like the SDK's own
 * fallback, but answers with a plain JSON body whenever the request cannot
 * receive notifications (no progress token): an SSE stream per call costs a
 * web stream, framing and a keep-alive timer for nothing.
 */
import {
  type LegacyHttpHandler,
  type McpServerFactory,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';

export function createStatelessLegacyHandler(
  factory: McpServerFactory,
  options: { maxRequestBodySize?: number } = {},
): LegacyHttpHandler {
  return async (request, handlerOptions) => {
    if (request.method.toUpperCase() !== 'POST') {
      return Response.json(
        { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null },
        { status: 405, headers: { allow: 'POST' } },
      );
    }
    const parsedBody = handlerOptions?.parsedBody;
    const server = await factory({
      era: 'legacy',
      requestInfo: request,
      ...(handlerOptions?.authInfo !== undefined && { authInfo: handlerOptions.authInfo }),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !wantsStream(parsedBody),
      ...(options.maxRequestBodySize !== undefined && { maxRequestBodySize: options.maxRequestBodySize }),
    });
    await server.connect(transport);
    const teardown = () => {
      transport.close().catch(() => {});
      server.close().catch(() => {});
    };
    request.signal?.addEventListener('abort', teardown, { once: true });
    const response = await transport.handleRequest(request, {
      ...(handlerOptions?.authInfo !== undefined && { authInfo: handlerOptions.authInfo }),
      ...(parsedBody !== undefined && { parsedBody }),
    });
    if (response.body === null || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      teardown();
      return response;
    }
    // A streamed answer: tear down once the stream has been read to its end.
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          teardown();
        } else controller.enqueue(value);
      },
      cancel(reason) {
        teardown();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/** A request (or batch) that asked for progress can receive notifications, so it gets SSE. */
function wantsStream(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    const meta = (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta;
    return meta?.progressToken !== undefined;
  });
}
