/**
 * Entry point: loads a generated API, builds the server and listens. The only `listen` in the
 * runtime. Run with `tsx runtime/main.ts generated/<api>` in development.
 */
import { buildServer } from './build-server.js';
import { loadApi } from './load-api.js';
import { RUNTIME_ENV_HELP, RuntimeConfigError, readRuntimeConfig } from './read-runtime-config.js';

async function startRuntime(): Promise<void> {
  const config = readRuntimeConfig(process.env, process.argv.slice(2));
  const api = await loadApi(config.apiDir);
  const app = await buildServer({
    api,
    logger: { level: config.logLevel },
    allowedHosts: config.allowedHosts,
    ...(config.upstreamUrl !== undefined && { upstreamUrl: config.upstreamUrl }),
    ...(config.upstreamCredential !== undefined && { upstreamCredential: config.upstreamCredential }),
    ...(config.allowedOrigins !== undefined && { allowedOrigins: config.allowedOrigins }),
    ...(config.toolsets !== undefined && { toolsets: config.toolsets }),
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
}

startRuntime().catch((error: unknown) => {
  if (error instanceof RuntimeConfigError) {
    console.error(`${error.message}\n\n${RUNTIME_ENV_HELP}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
