/**
 * The runtime's log format: given objects and requests carrying secrets, want JSON lines where the
 * secrets read `[redacted]` and everything else is intact, with level names, ISO times and request ids.
 */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  buildLoggerOptions,
  buildRequestIdOptions,
  REDACTED,
  redactTokenInUrl,
} from '../../runtime/logger-options.js';

const SECRETS = ['s3cr3t-auth', 's3cr3t-cookie', 's3cr3t-key', 's3cr3t-proxy', 's3cr3t-idem', 's3cr3t-set'];

/** A stream that keeps what pino writes, one parsed object per line. */
function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      done();
    },
  });
  return {
    stream,
    raw: () => raw,
    lines: () =>
      raw
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('buildLoggerOptions with pino', () => {
  it('writes level names and ISO times, and honours the level', () => {
    const out = captureLines();
    const log = pino(buildLoggerOptions('info'), out.stream);
    log.debug('hidden');
    log.info({ api: 'notes' }, 'api loaded');
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 'info', api: 'notes', msg: 'api loaded' });
    expect(line?.['time']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it.each([
    {
      given: 'a top-level field',
      logged: { password: 'pw1', user: 'ann' },
      want: { password: REDACTED, user: 'ann' },
    },
    {
      given: 'fields one level down',
      logged: {
        body: { token: 't1', secret: 's1', apiKey: 'k1', api_key: 'k2', title: 'kept' },
        config: { credential: 'c1', credentials: 'c2', authorization: 'a1', port: 3000 },
        oauth: { access_token: 'at', refresh_token: 'rt', client_secret: 'cs', scope: 'mcp:read' },
        client: { accessToken: 'at2', refreshToken: 'rt2', clientSecret: 'cs2', id: 'c-1' },
      },
      want: {
        body: { token: REDACTED, secret: REDACTED, apiKey: REDACTED, api_key: REDACTED, title: 'kept' },
        config: { credential: REDACTED, credentials: REDACTED, authorization: REDACTED, port: 3000 },
        oauth: {
          access_token: REDACTED,
          refresh_token: REDACTED,
          client_secret: REDACTED,
          scope: 'mcp:read',
        },
        client: { accessToken: REDACTED, refreshToken: REDACTED, clientSecret: REDACTED, id: 'c-1' },
      },
    },
    {
      given: 'request headers',
      logged: {
        req: {
          method: 'POST',
          url: '/mcp',
          headers: {
            authorization: 'Bearer s3cr3t-auth',
            cookie: 's3cr3t-cookie',
            'x-api-key': 's3cr3t-key',
            'proxy-authorization': 's3cr3t-proxy',
            'idempotency-key': 's3cr3t-idem',
            'user-agent': 'claude/1.0',
          },
        },
      },
      want: {
        req: {
          method: 'POST',
          url: '/mcp',
          headers: {
            authorization: REDACTED,
            cookie: REDACTED,
            'x-api-key': REDACTED,
            'proxy-authorization': REDACTED,
            'idempotency-key': REDACTED,
            'user-agent': 'claude/1.0',
          },
        },
      },
    },
  ])('redacts secrets in $given and keeps the rest', ({ logged, want }) => {
    const out = captureLines();
    pino(buildLoggerOptions('info'), out.stream).info(logged, 'event');
    expect(out.lines()[0]).toMatchObject(want);
    for (const secret of ['pw1', 't1', 's1', 'k1', 'k2', 'c1', 'c2', 'a1', 'at', 'rt', 'cs', ...SECRETS]) {
      expect(out.raw()).not.toContain(`"${secret}"`);
    }
  });

  it('does not change the logged object', () => {
    const logged = { body: { password: 'pw' } };
    pino(buildLoggerOptions('info'), captureLines().stream).info(logged, 'event');
    expect(logged.body.password).toBe('pw');
  });
});

describe('buildLoggerOptions and buildRequestIdOptions in Fastify', () => {
  async function serveOnce(headers: Record<string, string>) {
    const out = captureLines();
    const app = Fastify({
      logger: { ...buildLoggerOptions('info'), stream: out.stream },
      ...buildRequestIdOptions(),
    });
    app.post('/mcp', async (request, reply) => {
      request.log.info({ body: { token: 'from-handler' } }, 'handled');
      return reply.header('set-cookie', 'sid=s3cr3t-set').send({ ok: true });
    });
    const response = await app.inject({ method: 'POST', url: '/mcp', headers, payload: {} });
    await app.close();
    return { response, lines: out.lines(), raw: out.raw() };
  }

  it('logs request and response headers without their secrets, every line with the request id', async () => {
    const { response, lines, raw } = await serveOnce({
      authorization: 'Bearer s3cr3t-auth',
      cookie: 's3cr3t-cookie',
      'x-api-key': 's3cr3t-key',
      'proxy-authorization': 's3cr3t-proxy',
      'idempotency-key': 's3cr3t-idem',
      'user-agent': 'claude/1.0',
      'mcp-protocol-version': '2026-07-28',
    });
    expect(response.statusCode).toBe(200);
    for (const secret of [...SECRETS, 'from-handler']) expect(raw).not.toContain(secret);

    const incoming = lines.find((line) => line['msg'] === 'incoming request');
    expect(incoming?.['req']).toMatchObject({
      method: 'POST',
      url: '/mcp',
      headers: {
        authorization: REDACTED,
        cookie: REDACTED,
        'x-api-key': REDACTED,
        'proxy-authorization': REDACTED,
        'idempotency-key': REDACTED,
        'user-agent': 'claude/1.0',
        'mcp-protocol-version': '2026-07-28',
      },
    });
    const completed = lines.find((line) => line['msg'] === 'request completed');
    expect(completed?.['res']).toMatchObject({ statusCode: 200, headers: { 'set-cookie': REDACTED } });
    const handled = lines.find((line) => line['msg'] === 'handled');
    expect(handled?.['body']).toEqual({ token: REDACTED });

    const ids = new Set(lines.map((line) => line['reqId']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    { given: 'a plain X-Request-Id', header: 'edge-7f3a:42', want: 'edge-7f3a:42' },
    { given: 'an X-Request-Id with spaces and quotes', header: 'a "b" c', want: 'uuid' },
    { given: 'an X-Request-Id of 129 characters', header: 'x'.repeat(129), want: 'uuid' },
  ])('uses $given only when it is safe', async ({ header, want }) => {
    const { lines } = await serveOnce({ 'x-request-id': header });
    const reqId = lines.find((line) => line['msg'] === 'incoming request')?.['reqId'];
    if (want === 'uuid') expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    else expect(reqId).toBe(want);
  });
});

describe('redactTokenInUrl', () => {
  it.each([
    { given: '/mcp', want: '/mcp' },
    { given: '/mcp?session=1', want: '/mcp?session=1' },
    { given: '/sse?token=s2m_secret', want: '/sse?token=[redacted]' },
    { given: '/sse?a=1&token=s2m_secret&b=2', want: '/sse?a=1&token=[redacted]&b=2' },
    { given: '/sse?access_token=at', want: '/sse?access_token=[redacted]' },
    { given: '/sse?TOKEN=a&Access_Token=b', want: '/sse?TOKEN=[redacted]&Access_Token=[redacted]' },
    { given: '/sse?%74oken=a&access%5Ftoken=b', want: '/sse?%74oken=[redacted]&access%5Ftoken=[redacted]' },
    { given: '/sse?token=a&token=b', want: '/sse?token=[redacted]&token=[redacted]' },
    { given: '/sse?token', want: '/sse?token=[redacted]' },
    { given: '/sse?token=a%ZZb', want: '/sse?token=[redacted]' },
    {
      given: 'https://mcp.example.com/sse?token=x#part',
      want: 'https://mcp.example.com/sse?token=[redacted]#part',
    },
    { given: '/sse?tokens=1&mytoken=2&token_type=3', want: '/sse?tokens=1&mytoken=2&token_type=3' },
    { given: '/sse?%E0%A4%A=1&token=x', want: '/sse?%E0%A4%A=1&token=[redacted]' },
  ])('turns $given into $want', ({ given, want }) => {
    expect(redactTokenInUrl(given)).toBe(want);
  });

  it('returns the same string when there is nothing to redact', () => {
    const url = '/mcp?session=abc';
    expect(redactTokenInUrl(url)).toBe(url);
  });
});

describe('?token= in logged request URLs', () => {
  it('never reaches the log lines of a Fastify request, other parameters kept', async () => {
    const out = captureLines();
    const app = Fastify({ logger: { ...buildLoggerOptions('info'), stream: out.stream } });
    app.get('/sse', async (request) => {
      request.log.info({ req: request }, 'handler logged the request');
      return { ok: true };
    });
    const secret = 's2m_Q2hhbmdlIG1lIGJlZm9yZSB1c2UgaW4gcHJvZHVjdGlvbg';
    const response = await app.inject({
      method: 'GET',
      url: `/sse?session=7&token=${secret}&access_token=${secret}x`,
    });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(out.raw()).not.toContain(secret);
    const urls = out
      .lines()
      .map((line) => (line['req'] as { url?: string } | undefined)?.url)
      .filter((url) => url !== undefined);
    expect(urls).toEqual([
      '/sse?session=7&token=[redacted]&access_token=[redacted]',
      '/sse?session=7&token=[redacted]&access_token=[redacted]',
    ]);
  });

  it('leaves objects logged as req without a url alone', () => {
    const out = captureLines();
    pino(buildLoggerOptions('info'), out.stream).info({ req: { method: 'GET' } }, 'event');
    expect(out.lines()[0]?.['req']).toEqual({ method: 'GET' });
  });
});
