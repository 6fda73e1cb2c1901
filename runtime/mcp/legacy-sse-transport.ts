/**
 * The server side of the HTTP+SSE transport of protocol 2024-11-05, which the v2 SDK no longer
 * ships: the client holds a GET event stream open, the server's first event names the endpoint
 * to POST messages to (`endpoint`), and every server message arrives on the stream as a `message`
 * event. POSTed messages are handed to the connected server through `receive`. A response is
 * spaced from its request's last progress notification (space-progress-responses.ts).
 */
import { randomUUID } from 'node:crypto';
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server';
import { ProgressResponseSpacer } from './space-progress-responses.js';

const KEEP_ALIVE_MS = 15_000;
const encoder = new TextEncoder();

export class LegacySseServerTransport implements Transport {
  readonly sessionId = randomUUID();
  /** The event stream to answer the GET with. */
  readonly stream: ReadableStream<Uint8Array>;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #spacer = new ProgressResponseSpacer(async (message) => {
    if (this.#closed)
      throw new Error(`SSE session ${this.sessionId} is closed; the client has to reconnect.`);
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  });

  /** `messagesPath`: where clients POST their messages; the session id is added as `?sessionId=`. */
  constructor(messagesPath: string) {
    const endpoint = `${messagesPath}?sessionId=${this.sessionId}`;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        controller.enqueue(encoder.encode(`event: endpoint\ndata: ${endpoint}\n\n`));
      },
      cancel: () => this.#end(),
    });
  }

  async start(): Promise<void> {
    // Proxies drop event streams that stay silent; a comment frame keeps this one open.
    this.#keepAlive = setInterval(() => this.#write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.#spacer.send(message, options);
  }

  /** A message the client POSTed for this session. */
  receive(message: JSONRPCMessage, extra: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#controller?.close();
    } catch {
      // the reader already cancelled the stream
    }
    this.#end();
  }

  #write(frame: string): void {
    if (this.#closed) return;
    try {
      this.#controller?.enqueue(encoder.encode(frame));
    } catch (error) {
      this.onerror?.(error as Error);
      this.#end();
    }
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.onclose?.();
  }
}
