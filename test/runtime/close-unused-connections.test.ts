/**
 * Shutdown with connections that never sent a request, on a server without the HTTP+SSE routes:
 * given a 2025 client whose /mcp event stream was aborted (client.close()) and a connection that
 * never sent a byte (what undici leaves after aborting an event stream, nodejs/undici#5845, made by
 * hand so the test does not depend on the undici bundled with Node), want app.close() to finish at
 * once and that connection ended.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { connectClient, type Revision } from './connect-client.js';

const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const server of opened.splice(0)) await server.close();
});

describe('buildServer close() with unused connections (legacySse off)', () => {
  it.each<Revision>(['2025-11-25', '2026-07-28'])(
    'given a %s client that listened and left, and a connection that never sent a byte, close() ends at once',
    async (revision) => {
      const app = await buildServer({
        api: notesApi,
        upstreamUrl: 'http://127.0.0.1:9/v1',
        legacySse: false,
      });
      opened.push(app);
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const client = await connectClient(`${url}/mcp`, revision);
      expect((await client.client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
      const idle = connect(Number(new URL(url).port), '127.0.0.1');
      await once(idle, 'connect');
      const idleClosed = once(idle, 'close');

      const started = performance.now();
      opened.pop();
      await app.close();
      // Without the shutdown hook close() waits for the idle socket as long as its client keeps it.
      expect(performance.now() - started).toBeLessThan(2_000);
      await idleClosed;
    },
  );
});
