/**
 * The metrics plugin on its own: given tool-call events and requests to a stand-in MCP route, want
 * exact series in the `/metrics` exposition; per-app registries; nothing left running after close.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolCallEvent } from '../../runtime/mcp/tool-call-events.js';
import metrics, { type MetricsOptions } from '../../runtime/plugins/metrics.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app with the metrics plugin and a stand-in MCP route answering the status in `?status=`. */
async function buildApp(options: MetricsOptions = {}, mcpRoute = '/mcp'): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(metrics, options);
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: mcpRoute,
    handler: async (request, reply) => {
      const status = Number((request.query as { status?: string }).status ?? 200);
      return reply.code(status).send({ ok: status < 400 });
    },
  });
  app.get('/other', async () => ({ ok: true }));
  await app.ready();
  return app;
}

async function scrape(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return response.body;
}

/** The exposition lines of one metric family, without HELP/TYPE comments. */
function series(exposition: string, name: string): string[] {
  return exposition.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

function event(overrides: Partial<ToolCallEvent>): ToolCallEvent {
  return {
    tool: 'list_notes',
    outcome: 'succeeded',
    isError: false,
    durationMs: 10,
    principal: 'u1',
    ...overrides,
  };
}

describe('GET /metrics', () => {
  it('serves the Prometheus text format with the process metrics', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain('# TYPE spec2mcp_tool_calls_total counter');
    expect(response.body).toContain('# TYPE spec2mcp_tool_call_duration_seconds histogram');
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(response.body.match(new RegExp(`^# TYPE ${name} `, 'gm')), name).toHaveLength(1);
    }
  });

  it('serves at a configured path', async () => {
    const app = await buildApp({ path: '/internal/metrics' });
    expect((await app.inject({ method: 'GET', url: '/internal/metrics' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });
});

describe('tool call events', () => {
  it('count calls by tool and outcome, errors by tool, and durations in seconds by tool', async () => {
    const app = await buildApp();
    const given: ToolCallEvent[] = [
      event({ durationMs: 3 }),
      event({ durationMs: 40 }),
      event({ durationMs: 1500, outcome: 'failed', isError: true, upstreamStatus: 502 }),
      event({ tool: 'create_note', outcome: 'replayed', durationMs: 2 }),
      event({ tool: 'create_note', outcome: 'rate_limited', isError: true, durationMs: 1 }),
    ];
    for (const e of given) app.metrics.observeToolCall(e);
    const text = await scrape(app);

    expect(series(text, 'spec2mcp_tool_calls_total')).toEqual([
      'spec2mcp_tool_calls_total{tool="list_notes",outcome="succeeded"} 2',
      'spec2mcp_tool_calls_total{tool="list_notes",outcome="failed"} 1',
      'spec2mcp_tool_calls_total{tool="create_note",outcome="replayed"} 1',
      'spec2mcp_tool_calls_total{tool="create_note",outcome="rate_limited"} 1',
    ]);
    expect(series(text, 'spec2mcp_tool_call_errors_total')).toEqual([
      'spec2mcp_tool_call_errors_total{tool="list_notes"} 1',
      'spec2mcp_tool_call_errors_total{tool="create_note"} 1',
    ]);
    expect(series(text, 'spec2mcp_tool_call_duration_seconds_bucket').slice(0, 14)).toEqual([
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.005",tool="list_notes"} 1',
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.01",tool="list_notes"} 1',
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.025",tool="list_notes"} 1',
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.05",tool="list_notes"} 2',
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.1",tool="list_notes"} 2',
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.25",tool="list_notes"} 2',
      'spec2mcp_tool_call_duration_seconds_bucket{le="0.5",tool="list_notes"} 2',
      'spec2mcp_tool_call_duration_seconds_bucket{le="1",tool="list_notes"} 2',
      'spec2mcp_tool_call_duration_seconds_bucket{le="2.5",tool="list_notes"} 3',
      'spec2mcp_tool_call_duration_seconds_bucket{le="5",tool="list_notes"} 3',
      'spec2mcp_tool_call_duration_seconds_bucket{le="10",tool="list_notes"} 3',
      'spec2mcp_tool_call_duration_seconds_bucket{le="30",tool="list_notes"} 3',
      'spec2mcp_tool_call_duration_seconds_bucket{le="60",tool="list_notes"} 3',
      'spec2mcp_tool_call_duration_seconds_bucket{le="+Inf",tool="list_notes"} 3',
    ]);
    expect(series(text, 'spec2mcp_tool_call_duration_seconds_sum')).toEqual([
      'spec2mcp_tool_call_duration_seconds_sum{tool="list_notes"} 1.543',
      'spec2mcp_tool_call_duration_seconds_sum{tool="create_note"} 0.003',
    ]);
    expect(series(text, 'spec2mcp_tool_call_duration_seconds_count')).toEqual([
      'spec2mcp_tool_call_duration_seconds_count{tool="list_notes"} 3',
      'spec2mcp_tool_call_duration_seconds_count{tool="create_note"} 2',
    ]);
  });

  it('still counts a call whose duration is unusable, and never throws', async () => {
    const app = await buildApp();
    expect(() => app.metrics.observeToolCall(event({ durationMs: Number.NaN }))).not.toThrow();
    const text = await scrape(app);
    expect(series(text, 'spec2mcp_tool_calls_total')).toEqual([
      'spec2mcp_tool_calls_total{tool="list_notes",outcome="succeeded"} 1',
    ]);
    expect(series(text, 'spec2mcp_tool_call_duration_seconds_count')).toEqual([]);
  });

  it('keeps each app in its own registry', async () => {
    const first = await buildApp();
    const second = await buildApp();
    first.metrics.observeToolCall(event({}));
    first.metrics.observeToolCall(event({}));
    second.metrics.observeToolCall(event({}));
    expect(series(await scrape(first), 'spec2mcp_tool_calls_total')).toEqual([
      'spec2mcp_tool_calls_total{tool="list_notes",outcome="succeeded"} 2',
    ]);
    expect(series(await scrape(second), 'spec2mcp_tool_calls_total')).toEqual([
      'spec2mcp_tool_calls_total{tool="list_notes",outcome="succeeded"} 1',
    ]);
  });
});

describe('MCP endpoint requests', () => {
  it('count and time requests to the MCP route only, by method and status code', async () => {
    const app = await buildApp();
    for (const [method, url] of [
      ['POST', '/mcp'],
      ['POST', '/mcp'],
      ['POST', '/mcp?status=400'],
      ['GET', '/mcp?status=405'],
      ['DELETE', '/mcp?status=204'],
      ['GET', '/other'],
      ['GET', '/missing'],
    ] as const) {
      await app.inject({ method, url });
    }
    const text = await scrape(app);
    expect(series(text, 'spec2mcp_mcp_requests_total')).toEqual([
      'spec2mcp_mcp_requests_total{method="POST",status_code="200"} 2',
      'spec2mcp_mcp_requests_total{method="POST",status_code="400"} 1',
      'spec2mcp_mcp_requests_total{method="GET",status_code="405"} 1',
      'spec2mcp_mcp_requests_total{method="DELETE",status_code="204"} 1',
    ]);
    expect(series(text, 'spec2mcp_mcp_request_duration_seconds_count')).toEqual([
      'spec2mcp_mcp_request_duration_seconds_count{method="POST",status_code="200"} 2',
      'spec2mcp_mcp_request_duration_seconds_count{method="POST",status_code="400"} 1',
      'spec2mcp_mcp_request_duration_seconds_count{method="GET",status_code="405"} 1',
      'spec2mcp_mcp_request_duration_seconds_count{method="DELETE",status_code="204"} 1',
    ]);
  });

  it('label a tenant route by its pattern, not one series per tenant', async () => {
    const app = await buildApp({ mcpPath: '/:account_id/mcp' }, '/:account_id/mcp');
    await app.inject({ method: 'POST', url: '/acme/mcp' });
    await app.inject({ method: 'POST', url: '/globex/mcp' });
    expect(series(await scrape(app), 'spec2mcp_mcp_requests_total')).toEqual([
      'spec2mcp_mcp_requests_total{method="POST",status_code="200"} 2',
    ]);
  });

  it('follow the path of the MCP endpoint plugin when it is registered', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(metrics);
    app.decorate('mcpEndpoint', { path: '/rpc' } as FastifyInstance['mcpEndpoint']);
    app.post('/rpc', async () => ({ ok: true }));
    app.post('/mcp', async () => ({ ok: true }));
    await app.ready();
    await app.inject({ method: 'POST', url: '/rpc' });
    await app.inject({ method: 'POST', url: '/mcp' });
    expect(series(await scrape(app), 'spec2mcp_mcp_requests_total')).toEqual([
      'spec2mcp_mcp_requests_total{method="POST",status_code="200"} 1',
    ]);
  });
});

describe('closing', () => {
  it('leaves nothing that keeps the process alive', async () => {
    // Given a process that builds two apps, scrapes and closes them, want it to end by itself.
    const script = `
      import Fastify from 'fastify';
      import metrics from './runtime/plugins/metrics.ts';
      for (let i = 0; i < 2; i++) {
        const app = Fastify();
        await app.register(metrics);
        app.metrics.observeToolCall({ tool: 't', outcome: 'succeeded', isError: false, durationMs: 5, principal: 'p' });
        const response = await app.inject({ method: 'GET', url: '/metrics' });
        if (!response.body.includes('spec2mcp_tool_calls_total{tool="t",outcome="succeeded"} 1')) process.exit(3);
        await app.close();
      }
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('closed');
  });
});
