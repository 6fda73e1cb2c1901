/**
 * Keeps a response from reaching the client in the same read as the progress notification sent
 * just before it. The TypeScript SDK client (2.x; modelcontextprotocol/typescript-sdk#2580)
 * handles a response at once but a notification one microtask later, and forgets the request's
 * progress handler with its response: when both are parsed from one chunk, the notification is
 * dropped as "unknown token". Its Streamable HTTP transport awaits each event and is immune; its
 * stdio and HTTP+SSE transports hand over a whole chunk at once, so those server transports
 * write through this spacer: in order, and a response only `gapMs` after the last progress
 * notification of its request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JSONRPCMessage, RequestId, TransportSendOptions } from '@modelcontextprotocol/server';

/** Long enough for an idle client to read the notification on its own; short next to a wait. */
export const PROGRESS_RESPONSE_GAP_MS = 50;

/** Requests cancelled without a response leave an entry; the oldest go beyond this many. */
const MAX_TRACKED_REQUESTS = 256;

export type WriteMessage = (message: JSONRPCMessage, options?: TransportSendOptions) => Promise<void>;

export class ProgressResponseSpacer {
  readonly #write: WriteMessage;
  readonly #gapMs: number;
  /** When the last progress notification of each open request was written. */
  readonly #progressAt = new Map<RequestId, number>();
  #queue: Promise<void> = Promise.resolve();

  constructor(write: WriteMessage, gapMs = PROGRESS_RESPONSE_GAP_MS) {
    this.#write = write;
    this.#gapMs = gapMs;
  }

  /** Writes after every message sent before it; settles when this one is written. */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const written = this.#queue.then(() => this.#send(message, options));
    this.#queue = written.catch(() => {});
    return written;
  }

  async #send(message: JSONRPCMessage, options: TransportSendOptions | undefined): Promise<void> {
    const responseTo = 'id' in message && !('method' in message) ? message.id : undefined;
    if (responseTo !== undefined) {
      const progressAt = this.#progressAt.get(responseTo);
      this.#progressAt.delete(responseTo);
      const wait = progressAt === undefined ? 0 : progressAt + this.#gapMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await this.#write(message, options);
    const related = options?.relatedRequestId;
    if ('method' in message && message.method === 'notifications/progress' && related !== undefined) {
      this.#progressAt.delete(related);
      this.#progressAt.set(related, performance.now());
      if (this.#progressAt.size > MAX_TRACKED_REQUESTS) {
        this.#progressAt.delete(this.#progressAt.keys().next().value as RequestId);
      }
    }
  }
}
