import { describe, expect, it } from 'vitest';
import { applyOverlay } from '../../generator/load/apply-overlays.js';
import { applyOverlayTexts, createTestLoad, parseText, summarize } from './helpers.js';

// Line numbers in the want columns refer to these texts.
const spec = `openapi: 3.1.0
info:
  title: Items
  version: 1.0.0
  x-logo: {url: logo.png}
tags:
  - name: items
paths:
  /items:
    get:
      operationId: listItems
      summary: List items
      parameters:
        - name: limit
          in: query
        - name: dummy
          in: query
      responses:
        '200':
          description: OK
    post:
      operationId: createItem
      responses:
        '201':
          description: Created
`;

const tools = `overlay: 1.1.0
info:
  title: Tools
  version: 1.0.0
actions:
  - target: $.paths['/items'].get
    update:
      x-mcp:
        name: list_items
        hints: {readOnly: true}
      summary: List all items
  - target: $.tags
    update:
      - name: extra
  - target: $.paths['/items'].get.parameters[?@.name == 'dummy']
    remove: true
  - target: $.paths['/items'].post.responses
    copy: $.paths['/items'].get.responses
`;

/** An overlay with one action; the target is on line 6, column 5. */
function overlayWith(action: string, version = '1.1.0'): string {
  return `overlay: ${version}\ninfo:\n  title: Test\n  version: 1.0.0\nactions:\n${action}`;
}

describe('update, remove and copy', () => {
  const result = applyOverlayTexts(spec, [['overlays/10-tools.yaml', tools]]);
  const get = (result.document['paths'] as Record<string, Record<string, Record<string, unknown>>>)[
    '/items'
  ]!;

  it('applies without diagnostics', () => {
    expect(summarize(result.sink.diagnostics)).toEqual([]);
  });

  it('update merges objects: new keys inserted, primitives replaced, the rest kept', () => {
    expect(get['get']).toMatchObject({
      operationId: 'listItems',
      summary: 'List all items',
      'x-mcp': { name: 'list_items', hints: { readOnly: true } },
    });
  });

  it('update on an array appends the update array', () => {
    expect(result.document['tags']).toEqual([{ name: 'items' }, { name: 'extra' }]);
  });

  it('remove deletes the nodes a filter selects', () => {
    expect(get['get']!['parameters']).toEqual([{ name: 'limit', in: 'query' }]);
  });

  it('copy merges the copy source into the target', () => {
    expect(get['post']!['responses']).toEqual({
      '201': { description: 'Created' },
      '200': { description: 'OK' },
    });
  });

  it('copies are independent of their source', () => {
    const post = get['post']!['responses'] as Record<string, Record<string, unknown>>;
    expect(post['200']).not.toBe((get['get']!['responses'] as Record<string, unknown>)['200']);
  });

  const action = (n: number) => `overlays/10-tools.yaml#/actions/${n}`;
  it.each([
    // given pointer -> want file:line:col, want overlay actions
    ['/paths/~1items/get/x-mcp', 'overlays/10-tools.yaml:8:7', [action(0)]],
    ['/paths/~1items/get/x-mcp/hints/readOnly', 'overlays/10-tools.yaml:10:17', [action(0)]],
    ['/paths/~1items/get/summary', 'overlays/10-tools.yaml:11:7', [action(0)]],
    ['/paths/~1items/get/operationId', 'openapi.yaml:11:7', [action(0)]],
    ['/paths/~1items/get', 'openapi.yaml:10:5', [action(0)]],
    // The array was touched, not the item.
    ['/tags/0', 'openapi.yaml:7:5', []],
    ['/tags/1', 'overlays/10-tools.yaml:14:9', [action(1)]],
    ['/paths/~1items/get/parameters/0/in', 'openapi.yaml:15:11', []],
    ['/paths/~1items/post/responses/200', 'openapi.yaml:19:9', [action(3)]],
    ['/paths/~1items/post/responses/201', 'openapi.yaml:24:9', []],
    ['/paths/~1items/post/operationId', 'openapi.yaml:22:7', []],
    // A pointer that does not resolve falls back to the nearest located ancestor.
    ['/paths/~1items/get/nope/deeper', 'openapi.yaml:10:5', [action(0)]],
    ['', 'openapi.yaml:1:1', []],
  ])('locate(%s) -> %s', (pointer, where, actions) => {
    const ref = result.locate(pointer);
    expect(`${ref.file}:${ref.line}:${ref.column}`).toBe(where);
    expect(ref.overlayActions ?? []).toEqual(actions);
    expect(ref.pointer).toBe(pointer);
  });
});

describe('problems are reported at the overlay line, and the other actions still apply', () => {
  it.each([
    // given action -> want diagnostics
    [
      'an unmatched target is an error at the target',
      "  - target: $.paths['/itemz'].get\n    update: {summary: x}",
      ['MCPGEN_OVERLAY_TARGET_NO_MATCH o.yaml:6:5'],
    ],
    [
      'an invalid JSONPath is an error at the target',
      "  - target: $.paths['/items'\n    update: {summary: x}",
      ['MCPGEN_OVERLAY_TARGET_INVALID o.yaml:6:5'],
    ],
    [
      'a legacy filter without @ is invalid',
      '  - target: $.paths[?(.get)]\n    remove: true',
      ['MCPGEN_OVERLAY_TARGET_INVALID o.yaml:6:5'],
    ],
    [
      'dash shorthand is a warning',
      '  - target: $.info.x-logo\n    update: {alt: Logo}',
      ['MCPGEN_OVERLAY_TARGET_NONSTANDARD (warning) o.yaml:6:5'],
    ],
    [
      'an object update of a primitive is a type error',
      '  - target: $.info.title\n    update: {text: x}',
      ['MCPGEN_OVERLAY_UPDATE_TYPE o.yaml:7:5'],
    ],
    [
      'a primitive update of an object is a type error',
      '  - target: $.info\n    update: New title',
      ['MCPGEN_OVERLAY_UPDATE_TYPE o.yaml:7:5'],
    ],
    [
      'a nested type change is a type error',
      '  - target: $.info\n    update:\n      title: {text: x}',
      ['MCPGEN_OVERLAY_UPDATE_TYPE o.yaml:7:5'],
    ],
    [
      'a target selecting objects and primitives at once is a type error',
      "  - target: $.paths['/items'].get.*\n    update: x",
      ['MCPGEN_OVERLAY_UPDATE_TYPE o.yaml:7:5'],
    ],
    [
      'an action without a modifier does nothing',
      '  - target: $.info',
      ['MCPGEN_OVERLAY_ACTION_INVALID o.yaml:6:5'],
    ],
    [
      'update and remove together',
      '  - target: $.tags\n    remove: true\n    update: [x]',
      ['MCPGEN_OVERLAY_ACTION_INVALID o.yaml:6:5'],
    ],
    [
      'the root cannot be removed',
      '  - target: $\n    remove: true',
      ['MCPGEN_OVERLAY_ACTION_INVALID o.yaml:6:5'],
    ],
    [
      'a copy source must select one node',
      "  - target: $.info\n    copy: $.paths['/items'].*",
      ['MCPGEN_OVERLAY_COPY_SOURCE o.yaml:7:5'],
    ],
    [
      'an invalid copy source',
      '  - target: $.info\n    copy: $.[',
      ['MCPGEN_OVERLAY_TARGET_INVALID o.yaml:7:5'],
    ],
  ])('%s', (_, action, want) => {
    const result = applyOverlayTexts(spec, [['o.yaml', overlayWith(action)]]);
    expect(summarize(result.sink.diagnostics)).toEqual(want);
  });

  it('a 1.0 overlay cannot copy (the 1.0 schema has no copy)', () => {
    const result = applyOverlayTexts(spec, [
      ['o.yaml', overlayWith('  - target: $.info\n    copy: $.tags[0]', '1.0.0')],
    ]);
    expect(summarize(result.sink.diagnostics)).toEqual(['MCPGEN_OVERLAY_ACTION_INVALID o.yaml:7:5']);
    expect(result.sink.diagnostics[0]?.message).toMatch(/Unknown field 'copy'.*overlay: 1\.1\.0/);
  });

  it('an invalid overlay document is reported at the offending field', () => {
    const text = 'overlay: 2\ninfo:\n  title: T\nactions:\n  - target: $.info\n    update: {x-a: 1}\n';
    const result = applyOverlayTexts(spec, [['o.yaml', text]]);
    expect(summarize(result.sink.diagnostics)).toEqual([
      'MCPGEN_OVERLAY_INVALID o.yaml:1:1',
      'MCPGEN_OVERLAY_INVALID o.yaml:2:1',
    ]);
    // The actions still apply, so one run shows every problem.
    expect(result.document['info']).toMatchObject({ 'x-a': 1 });
  });

  it('the unmatched-target error names the target and the fix says what to do', () => {
    const result = applyOverlayTexts(spec, [
      ['o.yaml', overlayWith("  - target: $.paths['/itemz'].get\n    remove: true")],
    ]);
    expect(result.sink.diagnostics[0]).toMatchObject({
      severity: 'error',
      message: expect.stringContaining("$.paths['/itemz'].get"),
      fix: expect.stringMatching(/\S/),
    });
  });

  it('a later action still applies after a failing one', () => {
    const result = applyOverlayTexts(spec, [
      [
        'o.yaml',
        overlayWith('  - target: $.nope\n    remove: true\n  - target: $.info\n    update: {x-b: 2}'),
      ],
    ]);
    expect(summarize(result.sink.diagnostics)).toEqual(['MCPGEN_OVERLAY_TARGET_NO_MATCH o.yaml:6:5']);
    expect(result.document['info']).toMatchObject({ 'x-b': 2 });
  });
});

describe("dash shorthand: `$.info.x-logo` is read as `$.info['x-logo']`", () => {
  const action = '  - target: $.info.x-logo\n    update: {alt: Logo}';

  it('applies, with a warning whose fix is the exact bracket form', () => {
    const result = applyOverlayTexts(spec, [['o.yaml', overlayWith(action)]]);
    expect(result.sink.diagnostics[0]).toMatchObject({
      code: 'MCPGEN_OVERLAY_TARGET_NONSTANDARD',
      severity: 'warning',
      fix: "Write it as $.info['x-logo']",
    });
    expect(result.document['info']).toMatchObject({ 'x-logo': { url: 'logo.png', alt: 'Logo' } });
  });

  it('is an error with strict', () => {
    const result = applyOverlayTexts(spec, [['o.yaml', overlayWith(action)]], { strict: true });
    expect(summarize(result.sink.diagnostics)).toEqual(['MCPGEN_OVERLAY_TARGET_NONSTANDARD o.yaml:6:5']);
  });

  it('inside a filter too', () => {
    const result = applyOverlayTexts(spec, [
      ['o.yaml', overlayWith('  - target: $.info[?@.x-logo]\n    update: {x-seen: true}')],
    ]);
    expect(result.sink.diagnostics[0]?.fix).toBe("Write it as $.info[?@['x-logo']]");
  });
});

describe('filters and primitives', () => {
  it.each([
    // given action -> want value at path
    [
      "  - target: $.paths.*[?@.operationId == 'createItem']\n    update: {x-mcp: {name: create_item}}",
      ['paths', '/items', 'post', 'x-mcp'],
      { name: 'create_item' },
    ],
    [
      "  - target: $.paths..parameters[?@.in == 'query' && @.name == 'limit']\n    update: {schema: {maximum: 50}}",
      ['paths', '/items', 'get', 'parameters', '0', 'schema'],
      { maximum: 50 },
    ],
    [
      '  - target: $.paths..responses[?length(@.description) > 2]\n    update: {x-long: true}',
      ['paths', '/items', 'post', 'responses', '201', 'x-long'],
      true,
    ],
    // Overlay 1.1: a primitive target is replaced by a primitive update.
    ['  - target: $.info.title\n    update: Things', ['info', 'title'], 'Things'],
    // An array target gets a non-array update appended.
    ['  - target: $.tags\n    update: {name: more}', ['tags', '1'], { name: 'more' }],
  ])('%s', (action, at, want) => {
    const result = applyOverlayTexts(spec, [['o.yaml', overlayWith(action)]]);
    expect(summarize(result.sink.diagnostics)).toEqual([]);
    let value: unknown = result.document;
    for (const key of at) value = (value as Record<string, unknown>)[key];
    expect(value).toEqual(want);
  });

  it('a replaced primitive is located at the overlay update', () => {
    const result = applyOverlayTexts(spec, [
      ['o.yaml', overlayWith('  - target: $.info.title\n    update: Things')],
    ]);
    const ref = result.locate('/info/title');
    expect(`${ref.file}:${ref.line}:${ref.column}`).toBe('o.yaml:7:5');
    expect(ref.overlayActions).toEqual(['o.yaml#/actions/0']);
  });
});

describe('order: actions in order, overlays in the order given', () => {
  const first = overlayWith("  - target: $.paths['/items'].get\n    update: {x-mcp: {name: first}}");
  const second = overlayWith("  - target: $.paths['/items'].get.x-mcp\n    update: {name: second}");
  const secondStandard = second.replace('.x-mcp', "['x-mcp']");

  it('a later overlay sees and overrides what an earlier one inserted', () => {
    const result = applyOverlayTexts(spec, [
      ['10-first.yaml', first],
      ['20-second.yaml', secondStandard],
    ]);
    expect(summarize(result.sink.diagnostics)).toEqual([]);
    const ref = result.locate('/paths/~1items/get/x-mcp/name');
    expect(`${ref.file}:${ref.line}`).toBe('20-second.yaml:7');
    expect(ref.overlayActions).toEqual(['10-first.yaml#/actions/0', '20-second.yaml#/actions/0']);
  });

  it('the other way round the second target does not exist yet', () => {
    const result = applyOverlayTexts(spec, [
      ['20-second.yaml', secondStandard],
      ['10-first.yaml', first],
    ]);
    expect(summarize(result.sink.diagnostics)).toEqual(['MCPGEN_OVERLAY_TARGET_NO_MATCH 20-second.yaml:6:5']);
  });

  it('actions of one overlay apply in order (remove, then re-create)', () => {
    const result = applyOverlayTexts(spec, [
      [
        'o.yaml',
        overlayWith(
          '  - target: $.tags\n    remove: true\n  - target: $\n    update: {tags: [{name: only}]}',
        ),
      ],
    ]);
    expect(result.document['tags']).toEqual([{ name: 'only' }]);
    const ref = result.locate('/tags/0');
    expect(`${ref.file}:${ref.line}`).toBe('o.yaml:9');
  });
});

describe('extends', () => {
  it.each([
    // given extends, overlay path -> want diagnostics
    ['../openapi.yaml', '/api/overlays/o.yaml', []],
    ['/openapi.yaml', '/api/overlays/o.yaml', []],
    ['https://example.com/specs/openapi.yaml', '/api/overlays/o.yaml', []],
    ['./other.yaml', '/api/overlays/o.yaml', ['MCPGEN_OVERLAY_EXTENDS_MISMATCH (warning) o.yaml:5:1']],
  ])('%s', (value, overlayPath, want) => {
    const load = createTestLoad();
    const document = parseText(load, 'openapi.yaml', spec) as Record<string, unknown>;
    const text = `overlay: 1.1.0\ninfo:\n  title: T\n  version: 1.0.0\nextends: '${value}'\nactions:\n  - target: $.info\n    update: {x-a: 1}\n`;
    applyOverlay(
      { document, specPath: '/api/openapi.yaml' },
      { file: 'o.yaml', absolutePath: overlayPath, value: parseText(load, 'o.yaml', text) },
      load.context,
    );
    expect(summarize(load.sink.diagnostics)).toEqual(want);
  });
});
