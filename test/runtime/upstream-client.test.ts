/**
 * The upstream pool is created on the first call (loading undici is startup time a server need
 * not spend before its first tools/list): given a registered upstream-client plugin, want no pool
 * before a call, one pool for calls racing to create it, and a clean close with or without one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import upstreamClient from '../../runtime/plugins/upstream-client.js';

let platform: Server | undefined;

afterEach(async () => {
  await new Promise((done) => platform?.close(done) ?? done(undefined));
  platform = undefined;
});

async function startPlatform(): Promise<string> {
  platform = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((done) => platform?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(platform.address() as AddressInfo).port}/v1`;
}

describe('upstream-client', () => {
  it('creates the pool on the first call, once for concurrent calls', async () => {
    const baseUrl = await startPlatform();
    const app = Fastify();
    await app.register(upstreamClient, { baseUrl, timeoutMs: 5_000 });
    await app.ready();
    expect(app.upstream.loadedPool()).toBeUndefined();

    const origin = new URL(baseUrl).origin;
    const answers = await Promise.all(
      [1, 2, 3].map(async () => {
        const response = await app.upstream.dispatcher.request({ origin, path: '/v1/x', method: 'GET' });
        return response.body.text();
      }),
    );
    expect(answers).toEqual(['ok', 'ok', 'ok']);
    const pool = app.upstream.loadedPool();
    expect(pool?.stats.connected).toBeGreaterThan(0);
    await app.close();
    expect(pool?.closed).toBe(true);
  });

  it('closes without a pool when no call was made', async () => {
    const app = Fastify();
    await app.register(upstreamClient, { baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 1_000 });
    await app.ready();
    await app.close();
    expect(app.upstream.loadedPool()).toBeUndefined();
  });

  it('still refuses bad options at startup', async () => {
    const app = Fastify();
    await expect(
      app.register(upstreamClient, { baseUrl: 'http://127.0.0.1:9', timeoutMs: 1, connections: 0 }),
    ).rejects.toThrow(/positive integer/);
  });
});
