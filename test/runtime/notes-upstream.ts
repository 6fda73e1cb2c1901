/**
 * A tiny Fastify stand-in for the notes platform that records every request. Tests replace
 * `respond` to script status codes, slow or hanging answers and large bodies.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** `'hang'`: accept the request and never answer. */
export type Responder = (request: RecordedRequest) => ScriptedResponse | 'hang' | undefined;

export interface NotesUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  respond: Responder | undefined;
  close(): Promise<void>;
}

export const NOTES = Array.from({ length: 8 }, (_, index) => ({
  id: `n_${index + 1}`,
  title: `Note ${index + 1}`,
  body: `Body ${index + 1}`,
  tags: index % 2 === 0 ? ['work'] : ['home'],
}));

/** The platform's default behaviour: a read/write notes API under /v1. */
function answerAsNotesApi(request: RecordedRequest): ScriptedResponse {
  const { pathname } = new URL(request.url, 'http://upstream');
  const match = /^\/v1\/notes\/([^/]+)(\/archive)?$/.exec(pathname);
  if (request.method === 'GET' && pathname === '/v1/notes') return { status: 200, body: NOTES };
  if (request.method === 'POST' && pathname === '/v1/notes') {
    return { status: 201, body: { id: 'n_new', ...(JSON.parse(request.body) as object) } };
  }
  if (match !== null) {
    const id = decodeURIComponent(match[1] ?? '');
    const note = NOTES.find((candidate) => candidate.id === id);
    if (note === undefined) return { status: 404, body: { error: { message: `Note ${id} not found` } } };
    if (request.method === 'GET' && match[2] === undefined) return { status: 200, body: note };
    if (request.method === 'DELETE') return { status: 204 };
    if (request.method === 'POST' && match[2] !== undefined)
      return { status: 200, body: { ...note, archived: true } };
  }
  if (request.method === 'GET' && pathname === '/v1/search') {
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'n_1: Note 1\nn_3: Note 3',
    };
  }
  return { status: 404, body: { message: 'No such route' } };
}

export async function startNotesUpstream(): Promise<NotesUpstream> {
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const upstream: NotesUpstream = {
    url: '',
    requests: [],
    respond: undefined,
    close: () => app.close(),
  };
  app.all('/*', async (request: FastifyRequest, reply) => {
    const recorded: RecordedRequest = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: typeof request.body === 'string' ? request.body : '',
    };
    upstream.requests.push(recorded);
    const scripted = upstream.respond?.(recorded) ?? answerAsNotesApi(recorded);
    if (scripted === 'hang') {
      reply.hijack();
      return;
    }
    reply.code(scripted.status).headers(scripted.headers ?? {});
    if (scripted.body === undefined) return reply.send();
    if (typeof scripted.body === 'string' || Buffer.isBuffer(scripted.body)) return reply.send(scripted.body);
    return reply.type('application/json').send(JSON.stringify(scripted.body));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(upstream, { url: address });
}
