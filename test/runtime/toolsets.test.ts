/**
 * Toolset filters (SPEC2MCP_TOOLSETS / buildServer `toolsets`): which tools are served, and an
 * unknown toolset name failing the startup with the available ones listed.
 */
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition, ToolDefinition } from '../../runtime/define-tool.js';
import { buildToolRegistry, listToolsets, UnknownToolsetError } from '../../runtime/mcp/tool-registry.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

function makeTool(name: string, toolsets: readonly string[]): ToolDefinition {
  const [template] = notesApi.tools;
  if (template === undefined) throw new Error('fixture has tools');
  return { ...template, name, toolsets };
}

/** billing and support overlap on `refund_order`; `ping` belongs to no toolset. */
const shopApi: ApiDefinition = {
  ...notesApi,
  id: 'shop',
  tools: [
    makeTool('create_invoice', ['billing']),
    makeTool('get_ticket', ['support']),
    makeTool('ping', []),
    makeTool('refund_order', ['billing', 'support']),
  ],
};

function servedNames(toolsets: readonly string[] | undefined): string[] {
  return [...buildToolRegistry(shopApi, toolsets === undefined ? {} : { toolsets }).entries.keys()];
}

describe('toolset filter', () => {
  it.each([
    {
      given: 'no filter',
      toolsets: undefined,
      want: ['create_invoice', 'get_ticket', 'ping', 'refund_order'],
    },
    {
      given: 'an empty filter',
      toolsets: [],
      want: ['create_invoice', 'get_ticket', 'ping', 'refund_order'],
    },
    { given: 'one toolset', toolsets: ['billing'], want: ['create_invoice', 'refund_order'] },
    { given: 'the other toolset', toolsets: ['support'], want: ['get_ticket', 'refund_order'] },
    {
      given: 'both toolsets (a tool in both is served once; a tool in none is not)',
      toolsets: ['support', 'billing'],
      want: ['create_invoice', 'get_ticket', 'refund_order'],
    },
    {
      given: 'a repeated name and blanks',
      toolsets: ['billing', ' billing ', ''],
      want: ['create_invoice', 'refund_order'],
    },
  ])('$given', ({ toolsets, want }) => {
    expect(servedNames(toolsets)).toEqual(want);
  });

  it('lists the toolsets the tools declare, sorted', () => {
    expect(listToolsets(shopApi)).toEqual(['billing', 'support']);
    expect(listToolsets({ tools: [makeTool('ping', [])] })).toEqual([]);
  });
});

describe('an unknown toolset fails at startup', () => {
  it.each([
    {
      given: 'a typo',
      toolsets: ['biling'],
      unknown: ['biling'],
      message:
        'Unknown toolset(s) biling; known: billing, support. Set SPEC2MCP_TOOLSETS (--toolsets) to some of ' +
        'the known ones, or leave it unset to serve every tool.',
    },
    {
      given: 'a known and two unknown names',
      toolsets: ['billing', 'x', 'y'],
      unknown: ['x', 'y'],
      message: /^Unknown toolset\(s\) x, y; known: billing, support\./,
    },
    {
      given: 'the wrong case',
      toolsets: ['Support'],
      unknown: ['Support'],
      message: /known: billing, support\. .* e\.g\. "Support" -> "support"/,
    },
  ])('$given', ({ toolsets, unknown, message }) => {
    let thrown: unknown;
    try {
      buildToolRegistry(shopApi, { toolsets });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnknownToolsetError);
    const error = thrown as UnknownToolsetError;
    expect(error.unknown).toEqual(unknown);
    expect(error.available).toEqual(['billing', 'support']);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('an API without toolsets says so', () => {
    const api = { ...shopApi, tools: [makeTool('ping', [])] };
    expect(() => buildToolRegistry(api, { toolsets: ['billing'] })).toThrow(
      'Unknown toolset(s) billing; known: none. This API defines no toolsets (x-mcp.toolsets on operations); ' +
        'serve it without a toolset filter.',
    );
  });

  it('buildServer rejects before serving anything', async () => {
    await expect(
      buildServer({ api: shopApi, upstreamUrl: 'http://127.0.0.1:9/v1', toolsets: ['nope'] }),
    ).rejects.toBeInstanceOf(UnknownToolsetError);
  });
});

describe('toolsets with dynamic mode', () => {
  it('the search covers only the served toolsets', () => {
    const registry = buildToolRegistry(shopApi, { toolsets: ['support'], mode: 'dynamic' });
    const search = registry.dynamic?.search;
    expect(search?.size).toBe(2);
    expect(search?.suggestNames('create_invoice', 5)).not.toContain('create_invoice');
    expect(search?.suggestNames('refund_order', 5)[0]).toBe('refund_order');
  });

  it.each([
    {
      given: 'a read-only toolset',
      toolsets: ['search'],
      want: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    {
      given: 'a toolset with a destructive tool',
      toolsets: ['notes'],
      want: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
  ])('call_tool carries the widest hints of $given', ({ toolsets, want }) => {
    const registry = buildToolRegistry(notesApi, { toolsets, mode: 'dynamic' });
    const callTool = registry.dynamic?.listResult.tools.find((tool) => tool.name === 'call_tool');
    expect(callTool?.annotations).toEqual({ title: 'Call a tool', ...want });
  });
});
