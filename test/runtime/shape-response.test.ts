/** Pure response policy helpers: error envelopes, redaction, list caps, Retry-After. */
import { describe, expect, it } from 'vitest';
import { capListItems } from '../../runtime/mcp/cap-items.js';
import {
  describeNoAnswer,
  describeUpstreamError,
  extractPlatformError,
} from '../../runtime/mcp/describe-upstream-error.js';
import {
  compileRedactions,
  isSecretKey,
  redactSecretKeys,
  removeSelectedNodes,
} from '../../runtime/mcp/redact-response.js';
import { parseRetryAfterSeconds } from '../../runtime/upstream/send-request.js';

describe('extractPlatformError', () => {
  it.each([
    {
      given: '{error: {message}}',
      body: { error: { message: 'Workflow not found' } },
      want: 'Workflow not found',
      fields: [],
    },
    { given: '{message}', body: { message: 'Bad cursor' }, want: 'Bad cursor', fields: [] },
    {
      given: '{error: string, error_description}',
      body: { error: 'invalid_token', error_description: 'expired' },
      want: 'invalid_token: expired',
      fields: [],
    },
    { given: '{detail} string', body: { detail: 'Not allowed' }, want: 'Not allowed', fields: [] },
    {
      given: 'RFC 7807 title + detail',
      body: { type: 'about:blank', title: 'Conflict', detail: 'Version 3 is stale' },
      want: 'Conflict: Version 3 is stale',
      fields: [],
    },
    {
      given: '{errors: [{message, field}]}',
      body: {
        errors: [
          { message: 'must be positive', field: 'amount' },
          { message: 'is required', field: 'currency' },
        ],
      },
      want: 'amount: must be positive; currency: is required',
      fields: ['amount', 'currency'],
    },
    {
      given: 'JSON:API errors with source.pointer',
      body: {
        errors: [
          { title: 'Invalid', detail: 'title is too long', source: { pointer: '/data/attributes/title' } },
        ],
      },
      want: 'title is too long',
      fields: ['title'],
    },
    {
      given: 'FastAPI detail array',
      body: { detail: [{ loc: ['body', 'limit'], msg: 'value is not a valid integer' }] },
      want: 'limit: value is not a valid integer',
      fields: ['limit'],
    },
    { given: 'a bare JSON string', body: 'nope', want: 'nope', fields: [] },
  ])('$given', ({ body, want, fields }) => {
    const extracted = extractPlatformError(Buffer.from(JSON.stringify(body)), 'application/json');
    expect(extracted).toEqual({ message: want, fields });
  });

  it('keeps a short plain-text body, drops HTML error pages', () => {
    expect(extractPlatformError(Buffer.from('upstream connect error'), 'text/plain').message).toBe(
      'upstream connect error',
    );
    expect(
      extractPlatformError(Buffer.from('<html><body>502</body></html>'), 'text/html').message,
    ).toBeUndefined();
  });
});

describe('describeUpstreamError: what to do next, by status', () => {
  const base = { toolName: 'execute_workflow', headers: {}, retrySafe: false };
  it.each([
    {
      status: 400,
      body: { errors: [{ field: 'log_tail_lines', message: 'too big' }] },
      want: 'Fix the arguments the platform named (log_tail_lines) and call execute_workflow again.',
    },
    { status: 401, body: {}, want: "The MCP server's own credential for the platform was rejected" },
    {
      status: 403,
      body: { message: 'Forbidden workspace' },
      want: 'This account or workspace is not permitted to do this.',
    },
    { status: 404, body: {}, want: 'Check the id you passed. List the items first to find a valid one.' },
    { status: 409, body: {}, want: 're-read its current state' },
    {
      status: 422,
      body: { message: 'Invalid' },
      want: 'Fix the arguments the platform named and call execute_workflow again.',
    },
    { status: 429, body: {}, want: 'Rate limited: wait a little before retrying' },
    { status: 502, body: {}, want: 'may or may not have been applied' },
  ])('HTTP $status', ({ status, body, want }) => {
    const text = describeUpstreamError({ ...base, status, body: Buffer.from(JSON.stringify(body)) });
    expect(text).toContain(`execute_workflow failed: the platform answered HTTP ${status}`);
    expect(text).toContain(want);
  });

  it('5xx on a retry-safe call says retrying is safe', () => {
    const text = describeUpstreamError({ ...base, retrySafe: true, status: 503, body: Buffer.alloc(0) });
    expect(text).toBe(
      'execute_workflow failed: the platform answered HTTP 503 Service Unavailable. ' +
        'The platform had an internal problem. Retry later; retrying this call is safe.',
    );
  });

  it('no answer: retry advice follows idempotency', () => {
    expect(
      describeNoAnswer({
        toolName: 'create_note',
        kind: 'unreachable',
        code: 'ECONNREFUSED',
        timeoutMs: 1,
        retrySafe: true,
        idempotencyKeySent: true,
      }),
    ).toBe(
      'create_note failed: the platform could not be reached (ECONNREFUSED). It is safe to retry (it carries an idempotency key); wait a moment first.',
    );
    expect(
      describeNoAnswer({
        toolName: 'create_note',
        kind: 'timeout',
        timeoutMs: 30000,
        retrySafe: false,
        idempotencyKeySent: false,
      }),
    ).toContain('did not answer within 30000 ms. It is not safe to simply retry');
  });
});

describe('redaction', () => {
  it('removes every JSONPath match, array items included, without shifting pending removals', () => {
    const value = { items: [{ a: 1, token: 'x' }, { a: 2 }, { a: 3 }], meta: { internal: true } };
    const removed = removeSelectedNodes(
      value,
      compileRedactions('t', ['$.items[0,2]', '$.meta.internal', '$.nothing']),
    );
    expect(removed).toBe(3);
    expect(value).toEqual({ items: [{ a: 2 }], meta: {} });
  });

  it.each([
    ['password', true],
    ['db_password', true],
    ['clientSecret', true],
    ['API-Key', true],
    ['stripe_api_key', true],
    ['accessToken', true],
    ['refresh_token', true],
    ['privateKey', true],
    ['token', true],
    ['next_page_token', false],
    ['max_tokens', false],
    ['token_count', false],
    ['author', false],
  ])('isSecretKey(%s) = %s', (key, want) => {
    expect(isSecretKey(key)).toBe(want);
  });

  it('replaces secret values at any depth, leaves null and empty values', () => {
    const value = { list: [{ secret: 's1' }], nested: { deep: { password: 'p' } }, token: null, apiKey: '' };
    expect(redactSecretKeys(value)).toBe(2);
    expect(value).toEqual({
      list: [{ secret: '[REDACTED]' }],
      nested: { deep: { password: '[REDACTED]' } },
      token: null,
      apiKey: '',
    });
  });

  it('keeps the type a schema expects: a boolean flag stays, a number is removed (Keycloak `secret: true`)', () => {
    // Given a boolean and a numeric value under secret-looking keys, beside a string one.
    const value = { secret: true, pin_password: 1234, clientSecret: 'abc', name: 'n' };
    // Want: the string replaced, the number gone, the flag (no credential in one bit) kept.
    expect(redactSecretKeys(value)).toBe(2);
    expect(value).toEqual({ secret: true, clientSecret: '[REDACTED]', name: 'n' });
  });
});

describe('capListItems', () => {
  const many = Array.from({ length: 5 }, (_, index) => index);
  it.each([
    { given: 'top-level array', value: many, want: [0, 1, 2], paths: ['$'] },
    {
      given: 'under data',
      value: { data: many, total: 5 },
      want: { data: [0, 1, 2], total: 5 },
      paths: ['$.data'],
    },
    {
      given: 'two levels down',
      value: { page: { results: many } },
      want: { page: { results: [0, 1, 2] } },
      paths: ['$.page.results'],
    },
    { given: 'not a list key', value: { tags: many }, want: { tags: many }, paths: [] },
    {
      given: 'too deep',
      value: { a: { b: { items: many } } },
      want: { a: { b: { items: many } } },
      paths: [],
    },
    { given: 'short enough', value: { items: [1] }, want: { items: [1] }, paths: [] },
  ])('$given', ({ value, want, paths }) => {
    const { value: capped, capped: report } = capListItems(structuredClone(value), 3);
    expect(capped).toEqual(want);
    expect(report.map((list) => list.path)).toEqual(paths);
  });
});

describe('parseRetryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    { given: '120', want: 120 },
    { given: 'Thu, 01 Jan 2026 00:00:30 GMT', want: 30 },
    { given: 'soon', want: undefined },
    { given: undefined, want: undefined },
  ])('$given -> $want', ({ given, want }) => {
    expect(parseRetryAfterSeconds(given, now)).toBe(want);
  });
});
