/**
 * The call path's grant-dependent pieces on their own: `tools/list` built once per scope set, and
 * `fromTenant` parameters filled from the endpoint's tenant, never from the model's arguments.
 */
import { describe, expect, it } from 'vitest';
import { buildToolRegistry } from '../../runtime/mcp/tool-registry.js';
import { BuildRequestError, buildUpstreamRequest } from '../../runtime/upstream/build-request.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

describe('tools/list per scope set', () => {
  it('one listing per distinct set of relevant scopes, built once and reused', () => {
    const registry = buildToolRegistry(notesApi);
    const read = registry.listResultFor(['mcp:read']);
    expect(read.tools.map((tool) => tool.name).sort()).toEqual(['get_note', 'list_notes', 'search_notes']);
    // Order and scopes no tool needs do not make another listing.
    expect(registry.listResultFor(['profile', 'mcp:read', 'mcp:read'])).toBe(read);
    expect(registry.listResultFor(['mcp:write', 'mcp:read'])).toBe(registry.listResult);
    expect(Object.isFrozen(read.tools)).toBe(true);
  });
});

describe('fromTenant parameters', () => {
  const tool = {
    ...notesApi.tools.find((candidate) => candidate.name === 'get_note')!,
    http: {
      method: 'get' as const,
      path: '/workspaces/{ws}/notes/{noteId}',
      params: [
        {
          name: 'ws',
          in: 'path' as const,
          style: 'simple' as const,
          explode: false,
          required: true,
          fromTenant: true,
        },
        {
          name: 'noteId',
          in: 'path' as const,
          style: 'simple' as const,
          explode: false,
          required: true,
          argument: 'note_id',
        },
      ],
    },
  };

  it('are filled from the tenant, never from an argument of the same name', () => {
    const request = buildUpstreamRequest({
      tool,
      args: { note_id: 'n 1', ws: 'evil' },
      baseUrl: 'https://api.example.com/v1',
      tenant: 'acme',
    });
    expect(request.url).toBe('https://api.example.com/v1/workspaces/acme/notes/n%201');
  });

  it('without a tenant the request is not built', () => {
    expect(() =>
      buildUpstreamRequest({ tool, args: { note_id: 'n1' }, baseUrl: 'https://api.example.com' }),
    ).toThrow(BuildRequestError);
  });
});
