/**
 * The seam for sessionful 2025 serving: with `createLegacyHandler`, 2025-era traffic goes to that
 * handler (chosen by the SDK's isLegacyRequest) and 2026-07-28 traffic to the strict modern handler.
 */
import { legacyStatelessFallback } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';
import { connectClient, type Revision } from './connect-client.js';

describe('createLegacyHandler', () => {
  const legacyMethods: string[] = [];
  let app: FastifyInstance;
  let mcpUrl: string;

  beforeAll(async () => {
    app = await buildServer({
      api: notesApi,
      upstreamUrl: 'http://127.0.0.1:9/v1',
      createLegacyHandler: (factory) => {
        const stateless = legacyStatelessFallback(factory);
        return async (request, options) => {
          const body = options?.parsedBody as { method?: string } | undefined;
          legacyMethods.push(body?.method ?? request.method);
          return stateless(request, options);
        };
      },
    });
    mcpUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  });

  afterAll(async () => {
    await app.close();
  });

  it.each<{ revision: Revision; wantLegacy: boolean }>([
    { revision: '2025-11-25', wantLegacy: true },
    { revision: '2026-07-28', wantLegacy: false },
  ])('$revision traffic goes to the legacy leg: $wantLegacy', async ({ revision, wantLegacy }) => {
    legacyMethods.length = 0;
    const connected = await connectClient(mcpUrl, revision);
    expect(connected.client.getNegotiatedProtocolVersion()).toBe(revision);
    expect((await connected.client.listTools()).tools).toHaveLength(notesApi.tools.length);
    await connected.close();
    if (wantLegacy) expect(legacyMethods).toEqual(expect.arrayContaining(['initialize', 'tools/list']));
    else expect(legacyMethods).toEqual([]);
  });
});
