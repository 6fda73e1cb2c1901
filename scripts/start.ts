/**
 * `npm start`: the main job on the embedded defaults. Regenerates every API under
 * specs/, starts the Conveyor reference platform and the generated MCP server in
 * front of it, and prints how to connect a client.
 */
import { resolve } from 'node:path';
import { formatDiagnostic, sortDiagnostics } from '../generator/diagnostics/diagnostic.js';
import { generate } from '../generator/generate.js';
import { buildPlatform } from '../platform/conveyor/build-platform.js';
import { DEMO_API_KEY } from '../platform/conveyor/seed.js';
import { readRuntimeConfig } from '../runtime/read-runtime-config.js';
import { startServer } from '../runtime/start-server.js';

const host = process.env['HOST'] || '127.0.0.1';
const port = Number(process.env['PORT'] || 3000);
const platformPort = Number(process.env['PLATFORM_PORT'] || 4010);

const result = await generate({ specPath: 'specs/conveyor' });
for (const d of sortDiagnostics(result.diagnostics)) console.error(formatDiagnostic(d));
if (!result.ok) {
  console.error('Generation failed; fix the diagnostics above.');
  process.exit(1);
}

const platform = await buildPlatform({ logger: false });
const platformUrl = await platform.listen({ port: platformPort, host });

const mcp = await startServer(
  readRuntimeConfig(
    {
      ...process.env,
      HOST: host,
      PORT: String(port),
      SPEC2MCP_UPSTREAM_URL: process.env['SPEC2MCP_UPSTREAM_URL'] || `${platformUrl}/v1`,
      SPEC2MCP_UPSTREAM_CREDENTIAL: process.env['SPEC2MCP_UPSTREAM_CREDENTIAL'] || DEMO_API_KEY,
      LOG_LEVEL: process.env['LOG_LEVEL'] || 'warn',
    },
    [resolve('generated/conveyor')],
  ),
);
// startServer's SIGINT/SIGTERM handler closes the MCP server and exits; the platform lives in this process.
void mcp;
const mcpUrl = `http://${host}:${port}/mcp`;

const auth = mcp.hasDecorator('authorizationServer') ? 'OAuth 2.1 + API tokens' : 'none';
console.log(`
spec2mcp is running.

  MCP server (Streamable HTTP, 2025-11-25 and 2026-07-28):  ${mcpUrl}
  Conveyor platform API (reference implementation):          ${platformUrl}/v1
  Tools: ${result.api?.tools.length ?? 0} generated into generated/conveyor/ (see catalog.md there)
  Authentication: ${auth}

Connect a client (it discovers the sign-in page; sign in with a Conveyor API key, e.g. the demo key
${DEMO_API_KEY}):
  Claude Code      claude mcp add --transport http conveyor ${mcpUrl}
  MCP Inspector    npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http --method tools/list
  Cursor / VS Code add {"mcpServers": {"conveyor": {"url": "${mcpUrl}"}}} to the MCP settings
  Claude Desktop   npx mcp-remote ${mcpUrl}   (as the command of a stdio server)

Or use an API token (scripts, CI), sent as "Authorization: Bearer <token>":
  node bin/spec2mcp.js tokens create --name me --scopes mcp:read,mcp:write

Ctrl-C stops both.`);
