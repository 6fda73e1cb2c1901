/**
 * x-mcp `wait` at runtime: after a tool's start call succeeded, poll its status tool until the state
 * is one of `until`, the wait ends, or the caller goes away, reporting progress on each poll. The
 * call always ends as an ordinary result: the operation was started, so an isError would invite the
 * model to start it again. The operation itself keeps running upstream whatever happens here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import type { ToolWait } from '../define-tool.js';
import type { UpstreamExecution } from './execute-tool.js';
import type { ToolRegistryEntry } from './tool-registry.js';

/** One `notifications/progress` for the call, when the client asked for progress. */
export type ReportProgress = (progress: { progress: number; message?: string }) => Promise<void>;

/** What the result's `_meta` carries about the wait, under WAIT_META_KEY. */
export interface WaitMeta {
  readonly outcome: WaitOutcome;
  readonly state?: string;
  readonly polls: number;
  readonly waitedSeconds: number;
  /** The tool and arguments that read the state again. */
  readonly poll: { readonly tool: string; readonly arguments: Readonly<Record<string, unknown>> };
}

export type WaitOutcome = 'finished' | 'timeout' | 'cancelled' | 'poll_failed' | 'not_polled';

export const WAIT_META_KEY = 'spec2mcp/wait';
/** Each interval is this much longer than the last, up to maxIntervalSeconds. */
const BACKOFF = 1.5;
/** Failed polls in a row (5xx, 429, timeouts) tolerated before waiting gives up. */
const MAX_TRANSIENT_FAILURES = 3;

export interface WaitForCompletionInput {
  readonly toolName: string;
  readonly wait: ToolWait;
  readonly poll: ToolRegistryEntry;
  /** The start call's validated arguments and its successful result. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly started: CallToolResult;
  readonly signal: AbortSignal;
  readonly reportProgress?: ReportProgress;
  /** Calls the poll tool with validated arguments through the start call's upstream path. */
  readonly executePoll: (args: Readonly<Record<string, unknown>>) => Promise<UpstreamExecution>;
  /** Why polling is not allowed (e.g. a missing scope), when it is not. */
  readonly refusal?: string;
}

/** Does the call ask to wait, and for how long (ms)? Undefined: answer at once. */
export function readWaitRequest(
  wait: ToolWait,
  args: Readonly<Record<string, unknown>>,
): { readonly timeoutMs: number } | undefined {
  const asked = args[wait.argument];
  if (!(typeof asked === 'boolean' ? asked : wait.default)) return undefined;
  const seconds = args[wait.secondsArgument];
  const chosen =
    typeof seconds === 'number' && seconds > 0
      ? Math.min(seconds, wait.maxTimeoutSeconds)
      : wait.timeoutSeconds;
  return { timeoutMs: chosen * 1000 };
}

/** The arguments that are only about waiting: not sent upstream, not part of an idempotency fingerprint. */
export function listWaitArguments(wait: ToolWait | undefined): readonly string[] {
  return wait === undefined ? [] : [wait.argument, wait.secondsArgument];
}

export async function waitForCompletion(
  input: WaitForCompletionInput,
  timeoutMs: number,
): Promise<{ readonly result: CallToolResult; readonly meta: WaitMeta }> {
  const { wait, poll, started } = input;
  const startedAt = performance.now();
  const pollArgs = resolvePollArguments(wait, input.args, started.structuredContent);
  const pollRef = { tool: poll.tool.name, arguments: pollArgs.values };
  const end = (outcome: WaitOutcome, polls: number, last: CallToolResult | undefined, note: string) => {
    const meta: WaitMeta = {
      outcome,
      ...(last !== undefined && { state: readState(wait, last.structuredContent) }),
      polls,
      waitedSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
      poll: pollRef,
    };
    return { result: withNote(last ?? started, note, meta), meta };
  };
  const howToPoll = `To check on it, call ${poll.tool.name} with ${JSON.stringify(pollArgs.values)}.`;

  if (input.refusal !== undefined) return end('not_polled', 0, undefined, `${input.refusal} ${howToPoll}`);
  if (pollArgs.missing.length > 0 || !poll.validateInput(pollArgs.values)) {
    const why =
      pollArgs.missing.length > 0
        ? `its result has no ${pollArgs.missing.join(', ')}`
        : 'the arguments for the status tool derived from it are invalid';
    return end(
      'not_polled',
      0,
      undefined,
      `${input.toolName} started the operation but cannot wait for it: ${why}. Check on it with ${poll.tool.name}.`,
    );
  }
  const initial = readState(wait, started.structuredContent);
  if (initial !== undefined && wait.until.includes(initial)) {
    return end('finished', 0, undefined, `It is ${initial}.`);
  }

  const deadline = startedAt + timeoutMs;
  let intervalMs = wait.intervalSeconds * 1000;
  let polls = 0;
  let failures = 0;
  let last: CallToolResult | undefined;
  let lastProgress = Promise.resolve();
  for (;;) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    try {
      await sleep(Math.min(intervalMs, remaining), undefined, { signal: input.signal });
    } catch {
      return end(
        'cancelled',
        polls,
        last,
        `Waiting was cancelled; the operation keeps running. ${howToPoll}`,
      );
    }
    const execution = await input.executePoll(pollArgs.values);
    if (input.signal.aborted) {
      return end(
        'cancelled',
        polls,
        last,
        `Waiting was cancelled; the operation keeps running. ${howToPoll}`,
      );
    }
    polls += 1;
    if (execution.result.isError === true) {
      failures += 1;
      if (!isTransient(execution) || failures >= MAX_TRANSIENT_FAILURES) {
        const reason = textOf(execution.result);
        return end(
          'poll_failed',
          polls,
          last,
          `${input.toolName} started the operation, but checking on it failed, so waiting stopped: ${reason} ${howToPoll}`,
        );
      }
      const retryAfterMs = (execution.retryAfterSeconds ?? 0) * 1000;
      intervalMs = Math.min(Math.max(intervalMs * BACKOFF, retryAfterMs), wait.maxIntervalSeconds * 1000);
      continue;
    }
    failures = 0;
    last = execution.result;
    const state = readState(wait, last.structuredContent);
    if (input.reportProgress !== undefined) {
      const detail = readText(last.structuredContent, wait.progressMessage);
      const message = `${state ?? 'unknown state'}${detail === undefined ? '' : ` (${detail})`}`;
      // Never let a slow or gone client hold up polling; a failed notification is not the call's failure.
      lastProgress = lastProgress
        .then(() => input.reportProgress?.({ progress: polls, message }))
        .catch(() => {});
    }
    if (state !== undefined && wait.until.includes(state)) {
      await lastProgress;
      return end('finished', polls, last, `It ended ${state}.`);
    }
    intervalMs = Math.min(intervalMs * BACKOFF, wait.maxIntervalSeconds * 1000);
  }
  await lastProgress;
  const state = readState(wait, (last ?? started).structuredContent);
  return end(
    'timeout',
    polls,
    last,
    `${input.toolName} started the operation and waited ${Math.round(timeoutMs / 1000)} s; it is still ${state ?? 'running'} and keeps running. ${howToPoll}`,
  );
}

/**
 * Sends `notifications/progress` for this request, or nothing when the client sent no progress
 * token. The notification goes out on the request's own stream (`notify` relates it to the request).
 */
export function createProgressReporter(ctx: ServerContext): { reportProgress?: ReportProgress } {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return {};
  return {
    reportProgress: (progress) =>
      ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, ...progress },
      }),
  };
}

function resolvePollArguments(
  wait: ToolWait,
  args: Readonly<Record<string, unknown>>,
  structured: unknown,
): { values: Record<string, unknown>; missing: string[] } {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, source] of Object.entries(wait.arguments)) {
    if ('value' in source) {
      values[name] = source.value;
      continue;
    }
    const value = readPointer(source.from === 'arguments' ? args : structured, source.pointer);
    if (value === undefined)
      missing.push(`${source.from === 'arguments' ? 'argument' : 'field'} ${source.pointer}`);
    else values[name] = value;
  }
  return { values, missing };
}

function readState(wait: ToolWait, structured: unknown): string | undefined {
  const value = readPointer(structured, wait.status);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

function readText(structured: unknown, pointer: string | undefined): string | undefined {
  if (pointer === undefined) return undefined;
  const value = readPointer(structured, pointer);
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** RFC 6901; undefined when any step is missing. */
export function readPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let current = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = /^(0|[1-9]\d*)$/.test(key) ? current[Number(key)] : undefined;
    else if (typeof current === 'object' && current !== null)
      current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    else return undefined;
  }
  return current;
}

/** A poll that may work next time: the platform was busy, slow or briefly unreachable. */
function isTransient(execution: UpstreamExecution): boolean {
  const status = execution.upstreamStatus;
  if (status === undefined) return execution.delivery !== 'answered';
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function withNote(result: CallToolResult, note: string, meta: WaitMeta): CallToolResult {
  return {
    ...result,
    content: [...result.content, { type: 'text', text: note }],
    _meta: { ...result._meta, [WAIT_META_KEY]: meta },
  };
}

function textOf(result: CallToolResult): string {
  return result.content
    .map((block) => (block.type === 'text' ? block.text : ''))
    .join(' ')
    .trim();
}
