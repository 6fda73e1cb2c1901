/**
 * The Conveyor reference platform plus the generated MCP server in front of it,
 * both on ephemeral loopback ports, the way `npm start` wires them.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildPlatform } from '../../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';
import { buildServer } from '../../runtime/build-server.js';
import { loadApi } from '../../runtime/load-api.js';

export interface ConveyorStack {
  readonly mcpUrl: string;
  readonly platformUrl: string;
  readonly platform: FastifyInstance;
  readonly mcp: FastifyInstance;
  close(): Promise<void>;
}

export async function startConveyorStack(
  options: { tickMs?: number; rateLimit?: number } = {},
): Promise<ConveyorStack> {
  const platform = await buildPlatform({
    logger: false,
    tickMs: options.tickMs ?? 20,
    ...(options.rateLimit ? { rateLimit: { max: options.rateLimit, windowMs: 60_000 } } : {}),
  });
  const platformUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  const api = await loadApi(resolve('generated/conveyor'));
  const mcp = await buildServer({
    api,
    upstreamUrl: `${platformUrl}/v1`,
    upstreamCredential: DEMO_API_KEY,
    logger: false,
  });
  const address = await mcp.listen({ port: 0, host: '127.0.0.1' });
  return {
    mcpUrl: `${address}/mcp`,
    platformUrl,
    platform,
    mcp,
    async close() {
      await mcp.close();
      await platform.close();
    },
  };
}
