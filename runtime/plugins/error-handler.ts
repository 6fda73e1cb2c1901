/**
 * Protocol and transport faults as JSON-RPC error bodies with the matching HTTP status:
 * malformed JSON is -32700/400, a wrong content type -32000/415, anything unexpected -32603/500.
 * Never a stack trace: details go to the log only.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const SERVER_ERROR = -32000;
const INTERNAL_ERROR = -32603;

export interface JsonRpcErrorBody {
  readonly jsonrpc: '2.0';
  readonly error: { readonly code: number; readonly message: string };
  readonly id: null;
}

export function toJsonRpcErrorBody(code: number, message: string): JsonRpcErrorBody {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** Maps a Fastify/request error to an HTTP status and JSON-RPC error. */
export function classifyRequestError(error: FastifyError): { status: number; code: number; message: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: PARSE_ERROR, message: 'Parse error: the request body is not valid JSON.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: PARSE_ERROR, message: 'Parse error: the request body is empty.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: SERVER_ERROR,
        message: 'Unsupported Media Type: Content-Type must be application/json.',
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: SERVER_ERROR,
        message: 'Payload Too Large: the request body exceeds the limit.',
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        code: INVALID_REQUEST,
        message: 'Bad Request: Content-Length does not match the body.',
      };
    default:
      break;
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) return { status, code: INTERNAL_ERROR, message: 'Internal error.' };
  // 4xx errors from Fastify carry safe, client-facing messages.
  return { status, code: INVALID_REQUEST, message: `Bad Request: ${error.message}` };
}

const errorHandler: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, code, message } = classifyRequestError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, message: error.message }, 'bad request');
    return reply.code(status).type('application/json').send(toJsonRpcErrorBody(code, message));
  });
  app.setNotFoundHandler((request, reply) => {
    return reply
      .code(404)
      .type('application/json')
      .send(toJsonRpcErrorBody(SERVER_ERROR, `Not Found: ${request.method} ${request.url.split('?')[0]}`));
  });
};

export default fp(errorHandler, { name: 'error-handler', fastify: '5.x' });
