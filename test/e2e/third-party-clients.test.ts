/**
 * Third-party MCP clients against `npm start`: mcp-remote (the stdio bridge Claude Desktop and Cursor
 * use) and the MCP Inspector CLI discover the embedded authorization server, register, open the
 * sign-in page in a "browser" (BROWSER=test/e2e/fake-browser.sh, which signs in with the demo key
 * and consents), redeem the code, list the tools and call one through the platform.
 *
 * The clients and the Node.js 22 they need are installed by scripts/install-mcp-clients.sh into
 * .tmp/ (about 20 s the first time, instant after). Every client gets its own HOME and config
 * directories under a temporary directory, so no OAuth state carries over between runs.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest';
import { loadApi } from '../../runtime/load-api.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLIENTS = join(ROOT, '.tmp/mcp-clients/node_modules');
const MCP_REMOTE = join(CLIENTS, 'mcp-remote/dist/proxy.js');
const INSPECTOR = join(CLIENTS, '@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const FAKE_BROWSER = join(ROOT, 'test/e2e/fake-browser.sh');
const run = promisify(execFile);

/** Output of a child process, kept for the failure report. */
class Output {
  text = '';
  constructor(readonly name: string) {}
  append(chunk: Buffer | string): void {
    this.text += chunk.toString();
  }
  tail(chars = 6_000): string {
    return `--- ${this.name} ---\n${this.text.slice(-chars)}`;
  }
}

let node22 = '';
let workDir = '';
let mcpUrl = '';
let expectedTools: string[] = [];
let failed = false;
const children = new Set<ChildProcess>();
const transports = new Set<StdioClientTransport>();
const outputs: Output[] = [];
const browserLogs: string[] = [];

function output(name: string): Output {
  const collected = new Output(name);
  outputs.push(collected);
  return collected;
}

function report(): string {
  const browsers = browserLogs.map(
    (log) =>
      `--- ${log} ---\n${existsSync(log) ? readFileSync(log, 'utf8') : '(the browser was not opened)'}`,
  );
  return [...outputs.map((collected) => collected.tail()), ...browsers].join('\n');
}

/** Prints what the server, the clients and the browser said when a test fails. */
function reportOnFailure(): void {
  onTestFailed(() => {
    failed = true;
    console.error(report());
  });
}

/** The environment of `npm start` and the clients: the test runner's own settings left out. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TINYPOOL') continue;
    env[key] = value;
  }
  return env;
}

/** A client's HOME, and what its browser needs: the fake browser, the Node.js that runs it, its log. */
async function clientEnv(
  name: string,
): Promise<{ env: Record<string, string>; home: string; browserLog: string }> {
  const home = join(workDir, `${name}-home`);
  await mkdir(home, { recursive: true });
  const browserLog = join(workDir, `${name}-browser.log`);
  browserLogs.push(browserLog);
  const env = {
    ...baseEnv(),
    HOME: home,
    BROWSER: FAKE_BROWSER,
    FAKE_BROWSER_NODE: process.execPath,
    FAKE_BROWSER_LOG: browserLog,
  };
  return { env, home, browserLog };
}

/**
 * Rejects as soon as the fake browser logs a failure (a page it could not get past), so a test ends
 * then instead of when the client's own sign-in timeout runs out. `stop` ends the watch.
 */
function watchBrowser(log: string): { failure: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_, fail) => {
    timer = setInterval(() => {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      const reason = /\] failed: (.*)/.exec(text)?.[1];
      if (reason !== undefined) fail(new Error(`the browser could not complete the sign-in: ${reason}`));
    }, 250);
  });
  failure.catch(() => {});
  return { failure, stop: () => clearInterval(timer) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function waitFor(child: ChildProcess, collected: Output, text: string, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      cleanup();
      fail(new Error(`"${text}" not printed within ${timeoutMs} ms\n${collected.tail()}`));
    }, timeoutMs);
    const check = () => {
      if (collected.text.includes(text)) {
        cleanup();
        done();
      }
    };
    const exited = (code: number | null) => {
      cleanup();
      fail(new Error(`exited (${code}) before printing "${text}"\n${collected.tail()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', exited);
    };
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface InspectorResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One Inspector CLI invocation under Node 22, its output kept for the failure report. */
function inspector(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<InspectorResult> {
  const collected = output(`inspector ${name} (stderr)`);
  const child = spawn(
    node22,
    [INSPECTOR, '--cli', mcpUrl, '--transport', 'http', '--format', 'json', ...args],
    {
      cwd: workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => collected.append(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      done({ code, stdout, stderr: collected.text });
    });
  });
}

beforeAll(async () => {
  const installed = await run('bash', [join(ROOT, 'scripts/install-mcp-clients.sh')], {
    cwd: ROOT,
    timeout: 540_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  node22 = installed.stdout.trim().split('\n').at(-1) ?? '';
  if (!existsSync(node22))
    throw new Error(`install-mcp-clients.sh printed no Node.js 22:\n${installed.stderr}`);

  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  workDir = await mkdtemp(join(ROOT, '.tmp/third-party-clients-'));
  expectedTools = (await loadApi(join(ROOT, 'generated/conveyor'))).tools.map((tool) => tool.name).sort();

  // `npm start`'s program, on free ports, with a data directory of its own.
  const [port, platformPort] = [await freePort(), await freePort()];
  const collected = output('npm start (stdout and stderr)');
  const server = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...baseEnv(),
      HOST: '127.0.0.1',
      PORT: String(port),
      PLATFORM_PORT: String(platformPort),
      SPEC2MCP_DATA_DIR: join(workDir, 'data'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(server);
  server.stdout.on('data', (chunk: Buffer) => collected.append(chunk));
  server.stderr.on('data', (chunk: Buffer) => collected.append(chunk));
  await waitFor(server, collected, 'spec2mcp is running', 90_000);
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
}, 600_000);

afterAll(async () => {
  await Promise.all([...[...transports].map((transport) => transport.close()), ...[...children].map(stop)]);
  if (workDir === '') return;
  // Kept when a test failed, or on request (SPEC2MCP_E2E_KEEP=1): logs, client state, the data directory.
  if (failed || process.env['SPEC2MCP_E2E_KEEP'] === '1') {
    await writeFile(join(workDir, 'outputs.log'), report());
    console.error(`kept ${workDir} for inspection`);
  } else await rm(workDir, { recursive: true, force: true });
}, 30_000);

describe('third-party MCP clients against npm start', () => {
  test('mcp-remote signs in through the browser, lists the tools and calls one; restarted, it reuses the grant', async () => {
    reportOnFailure();
    const { env, home, browserLog } = await clientEnv('mcp-remote');
    // As Claude Desktop runs it: `mcp-remote <url>`, here with the callback port chosen (the default
    // is derived from the URL) and its state under the test's HOME. The redirect URI is
    // http://localhost:<port>/oauth/callback, mcp-remote's default host.
    const callbackPort = await freePort();
    const session = async (name: string) => {
      const collected = output(`mcp-remote ${name} (stderr)`);
      const transport = new StdioClientTransport({
        command: node22,
        args: [MCP_REMOTE, mcpUrl, String(callbackPort), '--auth-timeout', '60'],
        env: { ...env, MCP_REMOTE_CONFIG_DIR: join(home, '.mcp-auth') },
        cwd: workDir,
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => collected.append(chunk));
      transports.add(transport);
      const client = new Client({ name: 'spec2mcp-e2e', version: '1.0.0' });
      const browser = watchBrowser(browserLog);
      try {
        await Promise.race([client.connect(transport, { timeout: 90_000 }), browser.failure]);
        const { tools } = await client.listTools();
        const result = await client.callTool({ name: 'list_workspaces', arguments: {} });
        return { tools, result };
      } finally {
        browser.stop();
        await client.close();
        transports.delete(transport);
      }
    };

    const first = await session('first run');
    expect(first.tools.map((tool) => tool.name).sort()).toEqual(expectedTools);
    expect(first.tools).toHaveLength(28);
    // The call reaches the platform with the API key the user signed in with.
    expect(first.result.isError ?? false, JSON.stringify(first.result)).toBe(false);
    expect(JSON.stringify(first.result.structuredContent ?? first.result.content)).toContain('wsp_acme');
    // The browser really ran: signed in, consented, reached mcp-remote's callback.
    const browser = readFileSync(browserLog, 'utf8');
    expect(browser).toContain('consent: access=write');
    expect(browser).toMatch(/GET http:\/\/(localhost|127\.0\.0\.1):\d+\/oauth\/callback\?code=/);
    expect(browser).toMatch(/\] done$/m);

    // Started again (a new Claude Desktop session): the stored tokens serve, no browser opens.
    const second = await session('second run');
    expect(second.tools).toHaveLength(first.tools.length);
    expect(second.result.isError ?? false, JSON.stringify(second.result)).toBe(false);
    expect(readFileSync(browserLog, 'utf8').match(/\] open /g)).toHaveLength(1);
  }, 120_000);

  test('the MCP Inspector CLI signs in through the browser, lists the tools, then calls one with the stored grant', async () => {
    reportOnFailure();
    const { env: base, browserLog } = await clientEnv('inspector');
    const env = {
      ...base,
      // Its CLI opens the browser only for a TTY unless told to; the tokens go to a file under HOME.
      MCP_AUTO_OPEN_ENABLED: 'true',
      MCP_INSPECTOR_SECRET_STORE: 'file',
    };
    const callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;

    const browser = watchBrowser(browserLog);
    const listed = await Promise.race([
      inspector('tools/list', ['--method', 'tools/list', '--callback-url', callbackUrl], env),
      browser.failure,
    ]).finally(browser.stop);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain('Authorization complete.');
    const tools = (JSON.parse(listed.stdout) as { result: { tools: { name: string }[] } }).result.tools;
    expect(tools.map((tool) => tool.name).sort()).toEqual(expectedTools);
    expect(readFileSync(browserLog, 'utf8')).toMatch(/\] done$/m);

    // No browser this time: the token it stored is reused, and it reaches the platform.
    const called = await inspector(
      'tools/call',
      ['--method', 'tools/call', '--tool-name', 'list_workspaces', '--stored-auth-only'],
      env,
    );
    expect(called.code, called.stderr).toBe(0);
    const result = (
      JSON.parse(called.stdout) as { result: { isError?: boolean; structuredContent?: unknown } }
    ).result;
    expect(result.isError ?? false).toBe(false);
    expect(JSON.stringify(result.structuredContent)).toContain('wsp_acme');
    expect(readFileSync(browserLog, 'utf8').match(/\] open /g)).toHaveLength(1);
  }, 120_000);
});
