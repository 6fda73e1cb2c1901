/**
 * The MCP Streamable HTTP endpoint (`/mcp` by default) serving both protocol revisions, with
 * Host/Origin checks against DNS rebinding. Fastify parses the JSON body; the SDK's web-standard
 * handler gets it as `parsedBody`, and its `Response` (JSON or SSE stream) is sent by Fastify.
 */
import { hostHeaderValidation, originValidation } from '@modelcontextprotocol/fastify';
import { toWebRequest } from '@modelcontextprotocol/node';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiDefinition } from '../define-tool.js';
import { type CreateLegacyHandler, createMcpFetch } from '../mcp/create-mcp-fetch.js';
import { createMcpServerFactory } from '../mcp/create-mcp-server.js';
import type { PromptRegistry } from '../mcp/prompt-registry.js';
import type { ToolRegistry } from '../mcp/tool-registry.js';
import type { CredentialPlacement } from '../upstream/resolve-credential.js';
import { RUNTIME_VERSION } from '../version.js';

export interface McpEndpoint {
  readonly path: string;
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
}

declare module 'fastify' {
  interface FastifyInstance {
    mcpEndpoint: McpEndpoint;
  }
}

export interface McpEndpointOptions {
  readonly api: ApiDefinition;
  readonly tools: ToolRegistry;
  readonly prompts: PromptRegistry;
  readonly credential: CredentialPlacement;
  /** Hostnames (no port) accepted in the Host header; IPv6 in brackets; `*` turns the check off. */
  readonly allowedHosts: readonly string[];
  /** Hostnames accepted in a present Origin header; requests without Origin pass. */
  readonly allowedOrigins: readonly string[];
  readonly path?: string;
  /** Sessionful 2025-era serving, routed in front of the modern handler when given. */
  readonly createLegacyHandler?: CreateLegacyHandler;
  readonly retryBackoffMs?: number;
}

// The SDK's own default bound; Fastify's 1 MiB default would refuse large tool arguments first.
const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

const mcpEndpoint: FastifyPluginAsync<McpEndpointOptions> = async (app, options) => {
  const path = options.path ?? '/mcp';
  const logger = app.log.child({ component: 'mcp' });
  const factory = createMcpServerFactory({
    api: options.api,
    tools: options.tools,
    prompts: options.prompts,
    logger,
    toolContext: {
      dispatcher: app.upstream.dispatcher,
      baseUrl: app.upstream.baseUrl,
      credential: options.credential,
      upstream: options.api.upstream,
      userAgent: `spec2mcp/${RUNTIME_VERSION}`,
      ...(options.retryBackoffMs !== undefined && { backoffMs: options.retryBackoffMs }),
    },
  });
  const mcp = createMcpFetch({
    factory,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    onerror: (error) => logger.debug({ err: error }, 'mcp handler reported an error'),
    ...(options.createLegacyHandler !== undefined && { createLegacyHandler: options.createLegacyHandler }),
  });
  app.decorate('mcpEndpoint', { path, tools: options.tools, prompts: options.prompts });
  app.addHook('onClose', async () => mcp.close());

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: path,
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    onRequest: [
      // `*`: the deployment terminates traffic in front (proxy with auth) and vouches for Host.
      ...(options.allowedHosts.includes('*') ? [] : [hostHeaderValidation([...options.allowedHosts])]),
      originValidation([...options.allowedOrigins]),
    ],
    handler: async (request, reply) => {
      // Cancels the MCP exchange (and the upstream call under it) when the client goes away.
      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const webRequest = await toWebRequest(request.raw, request.body, {
        signal: abort.signal,
        maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
      });
      const response = await mcp.fetch(webRequest, request.body);
      if (response.body !== null && response.headers.get('content-type')?.startsWith('text/event-stream')) {
        return reply.send(response);
      }
      // A plain JSON answer: send its bytes directly instead of piping a web stream through Node streams.
      reply.code(response.status);
      for (const [name, value] of response.headers) reply.header(name, value);
      return reply.send(response.body === null ? undefined : Buffer.from(await response.arrayBuffer()));
    },
  });
};

export default fp(mcpEndpoint, {
  name: 'mcp-endpoint',
  fastify: '5.x',
  dependencies: ['upstream-client'],
});
