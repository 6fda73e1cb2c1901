/** Where a request's token is read from, and the malformed presentations refused with 400. */
import { describe, expect, it } from 'vitest';
import { formatBearerChallenge } from '../../runtime/auth/bearer-challenge.js';
import { readPresentedToken } from '../../runtime/auth/read-bearer-token.js';

describe('readPresentedToken', () => {
  it.each([
    { given: 'no header', header: undefined, query: undefined, want: undefined },
    {
      given: 'a bearer header',
      header: 'Bearer abc.def-_~+/=',
      query: undefined,
      want: { token: 'abc.def-_~+/=', via: 'header' },
    },
    {
      given: 'the scheme in lower case',
      header: 'bearer abc',
      query: undefined,
      want: { token: 'abc', via: 'header' },
    },
    {
      given: 'a query token (allowed)',
      header: undefined,
      query: ['abc'],
      want: { token: 'abc', via: 'query' },
    },
  ])('$given', ({ header, query, want }) => {
    expect(readPresentedToken(header, query, true)).toEqual(want);
  });

  it.each([
    { given: 'a token with a quote', header: 'Bearer ab"c', query: undefined, allow: true },
    { given: 'a header of 4097 bytes', header: `Bearer ${'a'.repeat(4090)}`, query: undefined, allow: true },
    { given: 'a query token (not allowed)', header: undefined, query: ['abc'], allow: false },
    { given: 'two query tokens', header: undefined, query: ['a', 'b'], allow: true },
  ])('$given is invalid_request (400)', ({ header, query, allow }) => {
    expect(() => readPresentedToken(header, query, allow)).toThrow(
      expect.objectContaining({ status: 400, error: 'invalid_request' }),
    );
  });
});

describe('formatBearerChallenge', () => {
  it('quotes values: quotes and backslashes escaped, control characters dropped', () => {
    expect(
      formatBearerChallenge({
        error: 'invalid_token',
        description: 'a "quoted" \\ value\r\nX-Injected: 1',
        resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
      }),
    ).toBe(
      'Bearer error="invalid_token", error_description="a \\"quoted\\" \\\\ value  X-Injected: 1", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
  });
});
