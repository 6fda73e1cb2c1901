/**
 * Graceful shutdown: given a signal while a tool call is in flight, want the call to finish, new
 * connections refused (or 503), and exit 0; a deadline that exits 1; a second signal that exits at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeConfigError } from '../../runtime/read-runtime-config.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
  handleShutdownSignals,
  readShutdownTimeoutMs,
} from '../../runtime/start-server.js';
import { connectClient } from './connect-client.js';
import { NOTES } from './notes-upstream.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = fileURLToPath(new URL('../fixtures/runtime/notes', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Outcome of one request for `/readyz` on a connection of its own. */
function probeOnNewConnection(baseUrl: string): Promise<number | string> {
  return new Promise((resolve) => {
    const probe = request(new URL('/readyz', baseUrl), { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.end();
  });
}

describe('runtime/main.ts on SIGTERM with a tool call in flight', () => {
  /** A notes platform whose list answer waits until the test releases it. */
  async function startHeldUpstream() {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server: Server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
      incoming.resume();
      arrived();
      void released.then(() => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(NOTES));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      release();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/v1`, requestArrived, release };
  }

  function startMain(upstreamUrl: string): {
    child: ChildProcess;
    lines: Record<string, unknown>[];
    url: Promise<string>;
  } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/main.ts', fixtureDir], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        SPEC2MCP_UPSTREAM_URL: upstreamUrl,
        SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS: '10',
        SPEC2MCP_AUTH: 'none',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const lines: Record<string, unknown>[] = [];
    const url = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        lines.push(record);
        if (typeof record['url'] === 'string') resolve(record['url']);
      });
      child.once('exit', (code) => reject(new Error(`main exited early with code ${code}`)));
    });
    return { child, lines, url };
  }

  it('finishes the call, refuses new connections, and exits 0', async () => {
    const upstream = await startHeldUpstream();
    const main = startMain(upstream.url);
    const mcpUrl = await main.url;
    const connected = await connectClient(mcpUrl, '2026-07-28');
    cleanups.push(() => connected.close().catch(() => {}));
    // 'close', not 'exit': after stdout has been read to its end, so every log line is in.
    const exited = new Promise<number | null>((resolve) => main.child.once('close', resolve));

    const call = connected.client.callTool({ name: 'list_notes', arguments: {} });
    await upstream.requestArrived;
    const signalledAt = Date.now();
    main.child.kill('SIGTERM');

    // The signal takes a moment to arrive; until then the probe may still be answered 200.
    let probe: number | string = 200;
    while (probe === 200 && Date.now() - signalledAt < 5_000) {
      probe = await probeOnNewConnection(mcpUrl);
      if (probe === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect([503, 'ECONNREFUSED']).toContain(probe);

    // Hold the platform's answer about a second in all, then let the call finish.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - signalledAt))));
    upstream.release();
    const result = await call;
    expect(result.isError).toBeFalsy();
    // The fixture caps list answers at five items.
    expect(result.structuredContent).toEqual(NOTES.slice(0, 5));

    expect(await exited).toBe(0);
    const messages = main.lines.map((line) => line['msg']);
    expect(messages).toContain('shutting down: refusing new connections, waiting for in-flight requests');
    expect(main.lines.at(-1)).toMatchObject({ level: 'info', msg: 'shutdown complete' });
  });
});

describe('handleShutdownSignals', () => {
  /** A listening app with `/slow` (answers after `?ms=`) and `/hang` (never answers), logs captured. */
  async function startApp() {
    let raw = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw += chunk.toString();
        done();
      },
    });
    const app: FastifyInstance = Fastify({ logger: { level: 'info', stream } });
    app.get('/slow', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, Number((request.query as { ms: string }).ms)));
      return { ok: true };
    });
    app.get('/hang', (_request, reply) => {
      reply.hijack();
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const signals = new EventEmitter();
    const exits: number[] = [];
    const exited = new Promise<number>((resolve) => {
      signals.once('exit', resolve);
    });
    const remove = (timeoutMs: number) =>
      handleShutdownSignals(app, {
        timeoutMs,
        signals,
        exit: (code) => {
          exits.push(code);
          signals.emit('exit', code);
        },
      });
    cleanups.push(async () => {
      app.server.closeAllConnections();
      await app.close();
    });
    // A keep-alive client, as MCP clients are: the connection outlives each request.
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    cleanups.push(() => agent.destroy());
    return {
      app,
      address,
      signals,
      exits,
      exited,
      install: remove,
      get: (path: string) => fetch(new URL(path, address), { dispatcher: agent }),
      logs: () =>
        raw
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
    };
  }

  it('exits 0 soon after the last in-flight request ends, though its client keeps the connection', async () => {
    const served = await startApp();
    served.install(10_000);
    const inFlight = served.get('/slow?ms=300');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const signalledAt = Date.now();
    served.signals.emit('SIGTERM', 'SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(await served.exited).toBe(0);
    // Well under Node's 72 s keep-alive idle timeout that an unreaped socket would wait for.
    expect(Date.now() - signalledAt).toBeLessThan(2_000);
    expect(served.exits).toEqual([0]);
  });

  it('exits 1 with a log line when requests outlive the deadline', async () => {
    const served = await startApp();
    served.install(300);
    void served.get('/hang').catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    served.signals.emit('SIGTERM', 'SIGTERM');

    expect(await served.exited).toBe(1);
    expect(served.logs().find((line) => line['level'] === 50)).toMatchObject({
      msg: 'shutdown deadline exceeded: exiting with requests still in flight',
      timeoutSeconds: 0.3,
      openConnections: 1,
    });
  });

  it('exits at once on a second signal', async () => {
    const served = await startApp();
    served.install(10_000);
    void served.get('/hang').catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    served.signals.emit('SIGTERM', 'SIGTERM');
    served.signals.emit('SIGINT', 'SIGINT');

    expect(await served.exited).toBe(130);
    expect(served.exits).toEqual([130]);
    expect(served.logs().map((line) => line['msg'])).toContain(
      'second signal: exiting without waiting for in-flight requests',
    );
  });

  it('removes its handlers when asked', async () => {
    const served = await startApp();
    const remove = served.install(10_000);
    remove();
    expect(served.signals.listenerCount('SIGTERM')).toBe(0);
    expect(served.signals.listenerCount('SIGINT')).toBe(0);
  });
});

describe('readShutdownTimeoutMs', () => {
  it.each([
    { given: undefined, want: DEFAULT_SHUTDOWN_TIMEOUT_SECONDS * 1000 },
    { given: '', want: DEFAULT_SHUTDOWN_TIMEOUT_SECONDS * 1000 },
    { given: '5', want: 5_000 },
    { given: '0.5', want: 500 },
  ])('reads $given as $want ms', ({ given, want }) => {
    expect(readShutdownTimeoutMs({ SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS: given })).toBe(want);
  });

  it.each(['0', '-3', 'soon', 'Infinity'])('refuses %j', (given) => {
    expect(() => readShutdownTimeoutMs({ SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS: given })).toThrow(
      new RuntimeConfigError(
        `SPEC2MCP_SHUTDOWN_TIMEOUT_SECONDS must be a positive number of seconds, got "${given}".`,
      ),
    );
  });
});
