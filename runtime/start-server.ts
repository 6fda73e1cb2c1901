/**
 * Loads a generated API, builds the server, listens, and closes cleanly on
 * SIGINT/SIGTERM. Shared by `runtime/main.ts` and `spec2mcp serve`.
 */
import type { FastifyInstance } from 'fastify';
import { buildServer } from './build-server.js';
import { loadApi } from './load-api.js';
import type { RuntimeConfig } from './read-runtime-config.js';

export async function startServer(config: RuntimeConfig): Promise<FastifyInstance> {
  const api = await loadApi(config.apiDir);
  const app = await buildServer({
    api,
    logger: { level: config.logLevel },
    allowedHosts: config.allowedHosts,
    ...(config.upstreamUrl !== undefined && { upstreamUrl: config.upstreamUrl }),
    ...(config.upstreamCredential !== undefined && { upstreamCredential: config.upstreamCredential }),
    ...(config.allowedOrigins !== undefined && { allowedOrigins: config.allowedOrigins }),
    ...(config.toolsets !== undefined && { toolsets: config.toolsets }),
    toolMode: config.toolMode,
  });

  let closing = false;
  const shutDown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutDown);
  process.once('SIGTERM', shutDown);

  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { url: `${address}${app.mcpEndpoint.path}` },
    `MCP endpoint listening on ${address}${app.mcpEndpoint.path}`,
  );
  return app;
}
