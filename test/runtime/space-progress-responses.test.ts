/**
 * ProgressResponseSpacer: the write path of the stdio and HTTP+SSE server transports.
 *
 * Given a progress notification for a request and its response sent right after, want the
 * response written no sooner than the gap after the notification; other messages go out at once;
 * everything in the order it was sent.
 */
import type { JSONRPCMessage, TransportSendOptions } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { ProgressResponseSpacer } from '../../runtime/mcp/space-progress-responses.js';

const GAP_MS = 40;

function recordWrites(): {
  spacer: ProgressResponseSpacer;
  writes: { message: JSONRPCMessage; at: number }[];
} {
  const writes: { message: JSONRPCMessage; at: number }[] = [];
  const spacer = new ProgressResponseSpacer(async (message) => {
    writes.push({ message, at: performance.now() });
  }, GAP_MS);
  return { spacer, writes };
}

const progress = (token: number, value: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: token, progress: value },
});
const response = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });
const related = (id: number): TransportSendOptions => ({ relatedRequestId: id });

describe('ProgressResponseSpacer', () => {
  it('given a response right after its progress notification, it writes the response after the gap', async () => {
    const { spacer, writes } = recordWrites();
    await Promise.all([spacer.send(progress(7, 1), related(7)), spacer.send(response(7))]);
    expect(writes.map((w) => w.message)).toEqual([progress(7, 1), response(7)]);
    // Timers may fire a millisecond early by performance.now(); the client only needs a real gap.
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(GAP_MS - 2);
  });

  it('given a response without progress, or progress of another request, it writes at once', async () => {
    const { spacer, writes } = recordWrites();
    const started = performance.now();
    await spacer.send(progress(8, 1), related(8));
    await spacer.send(response(1));
    await spacer.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    expect(writes.map((w) => w.message)).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(GAP_MS);
  });

  it('given a progress notification long before the response, it does not wait again', async () => {
    const { spacer, writes } = recordWrites();
    await spacer.send(progress(9, 1), related(9));
    await new Promise((resolve) => setTimeout(resolve, GAP_MS + 5));
    const sent = performance.now();
    await spacer.send(response(9));
    expect(writes[1]!.at - sent).toBeLessThan(GAP_MS / 2);
  });

  it('keeps the order of messages sent while a response waits', async () => {
    const { spacer, writes } = recordWrites();
    await Promise.all([
      spacer.send(progress(3, 1), related(3)),
      spacer.send(response(3)),
      spacer.send(response(4)),
    ]);
    expect(writes.map((w) => w.message)).toEqual([progress(3, 1), response(3), response(4)]);
  });

  it('given a failed write, it rejects that send and still writes the next message', async () => {
    const written: JSONRPCMessage[] = [];
    let fail = true;
    const spacer = new ProgressResponseSpacer(async (message) => {
      if (fail) {
        fail = false;
        throw new Error('pipe closed');
      }
      written.push(message);
    }, GAP_MS);
    await expect(spacer.send(response(1))).rejects.toThrow('pipe closed');
    await spacer.send(response(2));
    expect(written).toEqual([response(2)]);
  });
});
