/**
 * Prometheus metrics at `GET /metrics`: tool calls (count by outcome, errors, duration), requests to
 * the MCP endpoint (count and duration by method and status), and the process's default metrics.
 * Each app has its own registry, so apps built side by side (tests) never share or clash.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ToolCallEvent, ToolCallObserver } from '../mcp/tool-call-events.js';

export interface Metrics {
  /** This app's registry, for concerns that add their own series. */
  readonly registry: Registry;
  /** Records one finished tool call; never throws into the call path. */
  readonly observeToolCall: ToolCallObserver;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export interface MetricsOptions {
  /** Where the exposition is served. Default `/metrics`. */
  readonly path?: string;
  /** Route of the MCP endpoint whose requests are counted. Default: `app.mcpEndpoint.path`, else `/mcp`. */
  readonly mcpPath?: string;
}

/** 5 ms to 60 s: fast cached reads up to slow platform calls near the usual upstream timeouts. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

let processRegistry: Registry | undefined;

/**
 * Default metrics describe the process, not an app, and prom-client cannot stop the event-loop
 * monitor and GC observer it installs for them. So they are collected once per process into a
 * private registry (not prom-client's global one) that every app's exposition merges in; neither
 * keeps the event loop alive.
 */
function getProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const metrics: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  const registry = new Registry();
  const registers = [registry];
  const toolCalls = new Counter({
    name: 'spec2mcp_tool_calls_total',
    help: 'Finished API tool calls by tool and outcome.',
    labelNames: ['tool', 'outcome'] as const,
    registers,
  });
  const toolErrors = new Counter({
    name: 'spec2mcp_tool_call_errors_total',
    help: 'API tool calls whose result carried isError: true, by tool.',
    labelNames: ['tool'] as const,
    registers,
  });
  const toolDuration = new Histogram({
    name: 'spec2mcp_tool_call_duration_seconds',
    help: 'Wall time of API tool calls from start to result, by tool.',
    labelNames: ['tool'] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  const mcpRequests = new Counter({
    name: 'spec2mcp_mcp_requests_total',
    help: 'HTTP requests to the MCP endpoint by method and status code.',
    labelNames: ['method', 'status_code'] as const,
    registers,
  });
  const mcpRequestDuration = new Histogram({
    name: 'spec2mcp_mcp_request_duration_seconds',
    help: 'Time to answer HTTP requests to the MCP endpoint (streams: until they end), by method and status code.',
    labelNames: ['method', 'status_code'] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  const processMetrics = getProcessRegistry();

  const observeToolCall = (event: ToolCallEvent): void => {
    try {
      toolCalls.inc({ tool: event.tool, outcome: event.outcome });
      if (event.isError) toolErrors.inc({ tool: event.tool });
      // Counted even without a usable duration, so the call count stays true.
      if (Number.isFinite(event.durationMs) && event.durationMs >= 0) {
        toolDuration.observe({ tool: event.tool }, event.durationMs / 1000);
      } else {
        app.log.warn(
          { tool: event.tool, durationMs: event.durationMs },
          'tool call event without a duration',
        );
      }
    } catch (error) {
      // A metrics bug must not fail the call that was already answered.
      app.log.warn({ err: error, tool: event.tool }, 'could not record tool call metrics');
    }
  };
  app.decorate('metrics', { registry, observeToolCall } satisfies Metrics);

  // Resolved once every plugin has loaded: the MCP endpoint may be registered after this plugin.
  let mcpPath = options.mcpPath ?? '/mcp';
  app.addHook('onReady', async () => {
    if (options.mcpPath === undefined && app.hasDecorator('mcpEndpoint')) mcpPath = app.mcpEndpoint.path;
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: tenant paths must not become one series per tenant.
    if (request.routeOptions.url !== mcpPath) return;
    const labels = { method: request.method, status_code: String(reply.statusCode) };
    mcpRequests.inc(labels);
    mcpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', async () => {
    registry.clear();
  });

  app.get(
    options.path ?? '/metrics',
    // Scrapers poll every few seconds; two info lines per scrape would drown the log.
    { logLevel: 'warn' },
    async (_request, reply) => {
      const exposition = Registry.merge([processMetrics, registry]);
      return reply.type(exposition.contentType).send(await exposition.metrics());
    },
  );
};

export default fp(metrics, { name: 'metrics', fastify: '5.x' });
