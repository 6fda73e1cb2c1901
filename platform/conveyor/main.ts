/** Serves the Conveyor reference platform on 127.0.0.1:PLATFORM_PORT (default 4010). */
import { buildPlatform, DEMO_API_KEY, DEMO_IDS, DEMO_READ_ONLY_API_KEY } from './build-platform.js';

const port = Number(process.env['PLATFORM_PORT'] ?? 4010);
const tickMs =
  process.env['PLATFORM_TICK_MS'] === undefined ? undefined : Number(process.env['PLATFORM_TICK_MS']);
// PLATFORM_RATE_LIMIT (requests per minute per key), PLATFORM_LATENCY_MS and PLATFORM_LOG=off are for benchmarks.
const rateLimit = process.env['PLATFORM_RATE_LIMIT'];
const app = await buildPlatform({
  logger: process.env['PLATFORM_LOG'] !== 'off',
  ...(tickMs === undefined ? {} : { tickMs }),
  ...(rateLimit ? { rateLimit: { max: Number(rateLimit), windowMs: 60_000 } } : {}),
  ...(process.env['PLATFORM_LATENCY_MS'] ? { latencyMs: Number(process.env['PLATFORM_LATENCY_MS']) } : {}),
});
await app.listen({ port, host: '127.0.0.1' });

const baseUrl = `http://127.0.0.1:${port}/v1`;
process.stdout.write(
  [
    '',
    `Conveyor reference platform: ${baseUrl}`,
    `  demo API key (read/write): ${DEMO_API_KEY}`,
    `  demo API key (read-only):  ${DEMO_READ_ONLY_API_KEY}`,
    `  try: curl -H 'X-Conveyor-Api-Key: ${DEMO_API_KEY}' ${baseUrl}/workspaces/${DEMO_IDS.workspaces.acme}/workflows`,
    '',
  ].join('\n'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
