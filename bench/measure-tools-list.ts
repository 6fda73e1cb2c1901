/**
 * Child process of bench/generation.ts: serves a generated API folder with the runtime
 * (buildServer, as deployed), lists its tools with the SDK v2 client and prints the
 * size of the `tools/list` result as JSON on stdout.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { buildServer } from '../runtime/build-server.js';
import { loadApi } from '../runtime/load-api.js';

export interface ToolsListSize {
  readonly tools: number;
  /** Bytes of the JSON `tools/list` result ({tools: [...]}), all pages. */
  readonly bytes: number;
  readonly inputSchemaBytes: number;
  readonly outputSchemaBytes: number;
}

async function measureToolsList(dir: string): Promise<ToolsListSize> {
  const api = await loadApi(dir);
  const app = await buildServer({ api, upstreamUrl: 'http://127.0.0.1:9/v1' });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)));
    const tools: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      tools.push(...(page.tools as Record<string, unknown>[]));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const size = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));
    return {
      tools: tools.length,
      bytes: size({ tools }),
      inputSchemaBytes: tools.reduce((sum, t) => sum + size(t['inputSchema']), 0),
      outputSchemaBytes: tools.reduce((sum, t) => sum + size(t['outputSchema']), 0),
    };
  } finally {
    await client.close().catch(() => {});
    await app.close();
  }
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx bench/measure-tools-list.ts <generated API folder>');
process.stdout.write(`${JSON.stringify(await measureToolsList(dir))}\n`);
