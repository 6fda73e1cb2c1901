/**
 * The platform behind every corpus API: a Fastify catch-all on 127.0.0.1 that records each
 * request and answers 200 with `body` (JSON), whatever the method and path.
 */
import Fastify from 'fastify';

export interface UpstreamRequest {
  readonly method: string;
  readonly url: string;
}

export interface MockUpstream {
  readonly url: string;
  readonly requests: UpstreamRequest[];
  /** The next answers' JSON body. */
  body: unknown;
  close(): Promise<void>;
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const app = Fastify({ logger: false });
  // Any body, any media type: the mock reads nothing, it only records where the call went.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    payload.on('end', () => done(null, undefined));
  });
  const upstream: MockUpstream = {
    url: '',
    requests: [],
    body: {},
    close: () => app.close(),
  };
  app.all('/*', async (request, reply) => {
    upstream.requests.push({ method: request.method, url: request.url });
    return reply.code(200).type('application/json').send(JSON.stringify(upstream.body));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(upstream, { url: address });
}
