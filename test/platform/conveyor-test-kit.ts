/**
 * Shared setup for the Conveyor platform tests: an app on a manual clock, and a `call` helper that
 * checks every response it receives against the spec's response schema.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { BuildPlatformOptions } from '../../platform/conveyor/build-platform.js';
import { buildPlatform, DEMO_API_KEY, getPlatformState } from '../../platform/conveyor/build-platform.js';
import { loadOpenApi } from '../../platform/conveyor/load-openapi.js';
import type { PlatformState } from '../../platform/conveyor/state.js';
import { createResponseValidator } from '../../platform/conveyor/validate-response.js';

export const TICK_MS = 20;
export const START_TIME = Date.parse('2026-03-02T10:00:00.000Z');

export interface ErrorResponse {
  error: {
    code: string;
    message: string;
    details?: {
      field?: string;
      location?: string;
      issues?: { field: string; message: string }[];
      [key: string]: unknown;
    };
  };
}

export interface PageResponse<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LogLineResponse {
  seq: number;
  level: string;
  blockId: string | null;
  message: string;
}

export interface ExecutionResponse {
  id: string;
  workflowId: string;
  status: string;
  mode: string;
  retryOf: string | null;
  input: Record<string, unknown>;
  output: Record<string, unknown> | null;
  error: { code: string; message: string; blockId: string | null } | null;
  currentBlockId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  pendingHumanInput: { inputId: string; blockId: string; prompt: string; fields: { name: string }[] } | null;
  logTail: LogLineResponse[];
  logLineCount: number;
}

export interface WorkflowResponse {
  id: string;
  workspaceId: string;
  name: string;
  status: string;
  active: boolean;
  version: number;
  publishedVersion: number | null;
  hasUnpublishedChanges: boolean;
  triggerType: string | null;
  blocks: { id: string; type: string; config: Record<string, unknown> }[];
  edges: { from: string; to: string; branch?: string }[];
}

export interface CallOptions {
  /** API key to send; `null` sends none. Default: the demo read/write key. */
  readonly key?: string | null;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface CallResult<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Record<string, unknown>;
}

export interface TestPlatform {
  readonly app: FastifyInstance;
  readonly state: PlatformState;
  /** Moves the manual clock forward. */
  advance(ms: number): void;
  call<T = ErrorResponse>(method: string, url: string, options?: CallOptions): Promise<CallResult<T>>;
}

export async function startTestPlatform(options: BuildPlatformOptions = {}): Promise<TestPlatform> {
  let time = START_TIME;
  const app = await buildPlatform({ tickMs: TICK_MS, clock: () => time, ...options });
  const validateResponse = createResponseValidator(await loadOpenApi());
  return {
    app,
    state: getPlatformState(app),
    advance: (ms) => {
      time += ms;
    },
    call: async <T>(method: string, url: string, callOptions: CallOptions = {}): Promise<CallResult<T>> => {
      const headers: Record<string, string> = { ...callOptions.headers };
      if (callOptions.key !== null) headers['x-conveyor-api-key'] = callOptions.key ?? DEMO_API_KEY;
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(callOptions.body === undefined ? {} : { payload: callOptions.body as Record<string, unknown> }),
      });
      const check = validateResponse({ method, url, statusCode: response.statusCode, body: response.body });
      expect(check.errors, `${method} ${url} answered ${response.statusCode} ${response.body}`).toEqual([]);
      if (check.operationId === undefined && response.statusCode === 404) {
        expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
      }
      return {
        status: response.statusCode,
        body: (response.body === '' ? undefined : response.json()) as T,
        headers: response.headers,
      };
    },
  };
}
