/**
 * Live reload: the generated folder is rewritten with one tool more while clients are connected
 * (a 2025 Streamable HTTP session with its GET stream, a 2024-11-05 SSE client); `watchApi`
 * re-imports it, the server swaps the registry, both clients get tools/list_changed and list the
 * new tool, and the session opened before the reload calls it.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import { loadApi, watchApi } from '../../runtime/load-api.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, `.tmp-gen/live-reload-${process.pid}`);
const FIXTURE = join(ROOT, 'test/fixtures/runtime/notes-api.ts');

/** A generated-API entry serving the first `count` tools of the notes fixture. */
function writeEntry(count: number): Promise<void> {
  const source = `import { notesApi } from ${JSON.stringify(FIXTURE)};
export const api = { ...notesApi, tools: notesApi.tools.slice(0, ${count}) };
`;
  return writeFile(join(DIR, 'index.ts'), source);
}

let app: FastifyInstance;
let baseUrl: string;
let stopWatching: () => void;
const reloadErrors: Error[] = [];

beforeAll(async () => {
  await mkdir(DIR, { recursive: true });
  await writeEntry(2);
  app = await buildServer({
    api: await loadApi(DIR),
    upstreamUrl: 'http://127.0.0.1:9/v1',
    liveReload: true,
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  stopWatching = watchApi(DIR, (api) => app.reloadApi(api), {
    debounceMs: 50,
    onError: (error) => reloadErrors.push(error),
  });
});

afterAll(async () => {
  stopWatching();
  await app.close();
  await rm(DIR, { recursive: true, force: true });
});

describe('serve --watch', () => {
  it('given a regeneration with one tool added, connected clients are notified and see and call it', async () => {
    const [first, second, third] = notesApi.tools.map((tool) => tool.name);
    const streamable = new Client(
      { name: 'reload-2025', version: '1.0.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    const sse = new Client(
      { name: 'reload-sse', version: '1.0.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    const notified = { streamable: 0, sse: 0 };
    streamable.setNotificationHandler('notifications/tools/list_changed', () => {
      notified.streamable += 1;
    });
    sse.setNotificationHandler('notifications/tools/list_changed', () => {
      notified.sse += 1;
    });
    await streamable.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
    await sse.connect(new SSEClientTransport(new URL(`${baseUrl}/sse`)));
    try {
      expect(streamable.getServerCapabilities()?.tools?.listChanged).toBe(true);
      expect((await streamable.listTools()).tools.map((tool) => tool.name)).toEqual([first, second]);
      // The SDK client opens its GET stream after initialize without waiting; give it a moment.
      await new Promise((done) => setTimeout(done, 300));

      await writeEntry(3);

      await vi.waitFor(() => expect(notified).toEqual({ streamable: 1, sse: 1 }), { timeout: 10_000 });
      expect(reloadErrors).toEqual([]);
      expect((await streamable.listTools()).tools.map((tool) => tool.name)).toEqual([first, second, third]);
      expect((await sse.listTools()).tools.map((tool) => tool.name)).toEqual([first, second, third]);
      // The platform is unreachable: the new tool runs (an isError), it is no longer "Unknown tool".
      const called = await streamable.callTool({
        name: third as string,
        arguments: { title: 'x', note_id: 'n1' },
      });
      expect(JSON.stringify(called)).not.toMatch(/Unknown tool/);
      expect(app.mcpEndpoint.tools.entries.has(third as string)).toBe(true);
    } finally {
      await Promise.allSettled([streamable.close(), sse.close()]);
    }
  });
});
