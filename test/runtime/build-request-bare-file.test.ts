/**
 * A multipart body whose schema is not an object (Jira's add_attachment: a bare binary string) is
 * one file sent as the part `file`. Given a definition that binds it as a whole-body value (as
 * generated before such bodies became one `file` argument), want that part, not a refusal.
 */
import { describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../../runtime/define-tool.js';
import { BuildRequestError, buildUpstreamRequest } from '../../runtime/upstream/build-request.js';

const tool: ToolDefinition = {
  name: 'add_attachment',
  title: 'Add attachment',
  description: 'Adds an attachment.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: [],
  idempotency: 'none',
  toolsets: [],
  http: {
    method: 'post',
    path: '/issue/{key}/attachments',
    params: [{ name: 'key', in: 'path', style: 'simple', explode: false, required: true, argument: 'key' }],
    body: { mediaType: 'multipart/form-data', required: true, mode: 'value', argument: 'body' },
  },
  inputSchema: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      body: {
        type: 'object',
        properties: { url: { type: 'string' }, content_base64: { type: 'string' } },
        oneOf: [{ required: ['url'] }, { required: ['content_base64'] }],
      },
    },
  },
  response: { redact: [], maxBytes: 1000, maxItems: 10 },
};

const build = (body: unknown) =>
  buildUpstreamRequest({ tool, args: { key: 'A-1', body }, baseUrl: 'http://api.test', boundary: 'B' });

describe('buildUpstreamRequest: a multipart body that is one bare file', () => {
  it.each([
    {
      given: 'base64 text',
      body: Buffer.from('PDF').toString('base64'),
      filename: 'file',
      type: 'application/octet-stream',
    },
    {
      given: 'a file argument',
      body: {
        content_base64: Buffer.from('PDF').toString('base64'),
        filename: 'a.pdf',
        content_type: 'application/pdf',
      },
      filename: 'a.pdf',
      type: 'application/pdf',
    },
  ])('$given -> one part named `file`', ({ body, filename, type }) => {
    const request = build(body);
    expect(request.headers['content-type']).toBe('multipart/form-data; boundary=B');
    expect(Buffer.from(request.body as Uint8Array).toString()).toBe(
      [
        '--B',
        `Content-Disposition: form-data; name="file"; filename="${filename}"`,
        `Content-Type: ${type}`,
        '',
        'PDF',
        '--B--',
        '',
      ].join('\r\n'),
    );
  });

  it('a URL nobody downloaded is refused with what to pass', () => {
    expect(() => build({ url: 'https://files.test/a.pdf' })).toThrow(BuildRequestError);
    expect(() => build({ url: 'https://files.test/a.pdf' })).toThrow(
      /must be a file: \{url\} or \{content_base64\}/,
    );
  });
});
