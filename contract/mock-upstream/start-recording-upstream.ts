/**
 * An HTTP server on 127.0.0.1 that stands in for a platform: a Fastify catch-all that reads every
 * request whole (any method, path and media type), records it, and answers with what `answer`
 * returns; by default 200 with `body` as JSON, whatever was asked. `contract` answers through it
 * with a document-aware handler (start-contract-upstream.ts); the corpus test uses the default.
 */
import Fastify from 'fastify';

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly contentType?: string;
  readonly body: Buffer | string;
}

export interface RecordingUpstream {
  readonly url: string;
  /** Every request so far, oldest first (empty when `record` is false). */
  readonly requests: UpstreamRequest[];
  /** The default answer's JSON body. */
  body: unknown;
  close(): Promise<void>;
}

export interface RecordingUpstreamOptions {
  readonly answer?: (request: UpstreamRequest) => UpstreamAnswer | Promise<UpstreamAnswer>;
  /** Keep every request in `requests`; default true (a caller that records its own way turns it off). */
  readonly record?: boolean;
}

export async function startRecordingUpstream(
  options: RecordingUpstreamOptions = {},
): Promise<RecordingUpstream> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const upstream: RecordingUpstream = { url: '', requests: [], body: {}, close: () => app.close() };
  const answer =
    options.answer ??
    (() => ({ status: 200, contentType: 'application/json', body: JSON.stringify(upstream.body) }));
  app.all('/*', async (request, reply) => {
    const recorded: UpstreamRequest = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    };
    if (options.record !== false) upstream.requests.push(recorded);
    const answered = await answer(recorded);
    reply.code(answered.status);
    if (answered.contentType !== undefined) reply.header('content-type', answered.contentType);
    return reply.send(answered.body);
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(upstream, { url: address });
}
