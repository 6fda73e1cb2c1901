/**
 * The upstream the runtime calls during `contract`: a recording, validating HTTP server on
 * 127.0.0.1. Every request is matched to its operation and checked against it. In mock mode it
 * answers itself (a schema-valid success, or a documented error when asked); with a target URL it
 * forwards the request there (a staging platform) and checks the answer too.
 */
import { request as sendRequest } from 'undici';
import { checkRequest, type RecordedRequest } from '../check-request.js';
import { checkResponse, type RecordedResponse } from '../check-response.js';
import type { SchemaCompiler } from '../compile-schemas.js';
import type { OperationIndex } from '../read-operations.js';
import { buildMockResponse, type MockResponse, pickSuccessStatus } from './build-mock-response.js';
import { startRecordingUpstream } from './start-recording-upstream.js';

export interface Exchange {
  /** The matched operation's key (`GET /pets/{}`); absent when no operation matches. */
  readonly operationKey?: string;
  readonly request: RecordedRequest;
  readonly requestProblems: readonly string[];
  readonly response?: RecordedResponse;
  /** A forwarded response that does not conform (URL mode). */
  readonly responseProblems: readonly string[];
  /** The mock could not make a schema-valid answer: why (the call's result is then not judged). */
  readonly warning?: string;
  /** The target could not be reached (URL mode). */
  readonly error?: string;
}

export interface ContractUpstream {
  readonly url: string;
  /**
   * Requests for `operationKey` are for the operation with this document path (of several that differ
   * only by a #fragment) until called with undefined: its checks and mock answers apply.
   */
  expect(operationKey: string, path: string | undefined): void;
  /** Mock mode: answer `status` to every request for the operation until called with undefined. */
  answerWith(operationKey: string, status: number | undefined): void;
  /** The exchanges recorded for an operation since the last take, oldest first. */
  take(operationKey: string): Exchange[];
  /** Requests that matched no operation of the document. */
  takeUnmatched(): Exchange[];
  close(): Promise<void>;
}

export interface ContractUpstreamOptions {
  readonly operations: OperationIndex;
  readonly compiler: SchemaCompiler;
  /** Forward to this base URL (staging) instead of answering. */
  readonly target?: string;
  /** Forwarded requests' time limit; default 30 s. */
  readonly timeoutMs?: number;
}

/** Hop-by-hop and per-connection headers are not forwarded. */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

export async function startContractUpstream(options: ContractUpstreamOptions): Promise<ContractUpstream> {
  const { operations, compiler } = options;
  const planned = new Map<string, number>();
  const expected = new Map<string, string>();
  const mockAnswers = new Map<string, MockResponse>();
  const recorded = new Map<string, Exchange[]>();
  const unmatched: Exchange[] = [];
  const target = options.target?.replace(/\/+$/, '');
  const outputDefinitions = operations.sharedSchemas.find((s) => s.$id === 'contract:output')?.$defs ?? {};

  const exchangeOf = async (recordedRequest: RecordedRequest): Promise<Exchange> => {
    const path = recordedRequest.url.split('?')[0] ?? '/';
    const candidates = operations.match(recordedRequest.method, path);
    // Operations that differ only by a #fragment: the request is judged by the one it fits best.
    const checked = (candidates?.operations ?? [])
      .map((operation) => ({
        operation,
        problems: checkRequest({
          operation,
          request: recordedRequest,
          pathValues: candidates!.pathValues,
          compiler,
          credentialQueryNames: operations.credentialQueryNames,
        }),
      }))
      .sort(
        (a, b) =>
          Number(expected.get(b.operation.key) === b.operation.path) -
            Number(expected.get(a.operation.key) === a.operation.path) ||
          a.problems.length - b.problems.length,
      );
    const matched = checked[0];
    const requestProblems = matched
      ? matched.problems
      : [`${recordedRequest.method} ${path} matches no operation of the document`];
    const base = {
      ...(matched && { operationKey: matched.operation.key }),
      request: recordedRequest,
      requestProblems,
    };
    if (target !== undefined) {
      try {
        const response = await forward(target, recordedRequest, options.timeoutMs ?? 30_000);
        const responseProblems = matched
          ? checkResponse({ operation: matched.operation, response, compiler })
          : [];
        return { ...base, response, responseProblems };
      } catch (error) {
        return {
          ...base,
          responseProblems: [],
          error: `${target} could not be reached: ${(error as Error).message}`,
        };
      }
    }
    if (!matched) {
      const body = Buffer.from(JSON.stringify({ message: requestProblems[0] }));
      return {
        ...base,
        response: { status: 404, contentType: 'application/json', body },
        responseProblems: [],
      };
    }
    const { operation } = matched;
    const status = planned.get(operation.key) ?? pickSuccessStatus(operation);
    const cacheKey = `${operation.label} ${status}`;
    let answer = mockAnswers.get(cacheKey);
    if (answer === undefined) {
      answer = buildMockResponse(operation, status, compiler, outputDefinitions);
      mockAnswers.set(cacheKey, answer);
    }
    return {
      ...base,
      response: answer,
      responseProblems: [],
      ...(answer.warning !== undefined && { warning: answer.warning }),
    };
  };

  const server = await startRecordingUpstream({
    record: false,
    answer: async (request) => {
      const exchange = await exchangeOf(request);
      if (exchange.operationKey === undefined) unmatched.push(exchange);
      else recorded.set(exchange.operationKey, [...(recorded.get(exchange.operationKey) ?? []), exchange]);
      if (exchange.response === undefined) {
        return {
          status: 502,
          contentType: 'application/json',
          body: JSON.stringify({ message: exchange.error }),
        };
      }
      return {
        status: exchange.response.status,
        ...(exchange.response.contentType !== undefined && { contentType: exchange.response.contentType }),
        body: exchange.response.body,
      };
    },
  });
  return {
    url: server.url,
    expect(operationKey, path) {
      if (path === undefined) expected.delete(operationKey);
      else expected.set(operationKey, path);
    },
    answerWith(operationKey, status) {
      if (status === undefined) planned.delete(operationKey);
      else planned.set(operationKey, status);
    },
    take(operationKey) {
      const list = recorded.get(operationKey) ?? [];
      recorded.delete(operationKey);
      return list;
    },
    takeUnmatched() {
      return unmatched.splice(0, unmatched.length);
    },
    close: () => server.close(),
  };
}

async function forward(
  target: string,
  request: RecordedRequest,
  timeoutMs: number,
): Promise<RecordedResponse> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name.toLowerCase())) headers[name] = value;
  }
  const method = request.method.toUpperCase();
  const response = await sendRequest(`${target}${request.url}`, {
    method: method as 'GET',
    headers,
    ...(request.body.length > 0 && { body: request.body }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const contentType = response.headers['content-type'];
  return {
    status: response.statusCode,
    ...(contentType !== undefined && {
      contentType: Array.isArray(contentType) ? contentType[0]! : contentType,
    }),
    body,
  };
}
