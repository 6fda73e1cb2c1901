import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiffCommand } from '../../cli/diff-command.js';
import { compareManifests, type SurfaceChange } from '../../generator/diff/compare-manifests.js';
import { formatDiff } from '../../generator/diff/format-diff.js';
import type { Manifest, ManifestTool } from '../../generator/diff/parse-manifest.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/** A small read tool: list_runs(workspace_id, status?, limit?) returning {items, next_cursor?}. */
function baseTool(): ManifestTool {
  return {
    name: 'list_runs',
    title: 'List runs',
    description: 'Lists runs.',
    operationId: 'listRuns',
    method: 'GET',
    path: '/workspaces/{workspaceId}/runs',
    argumentSources: { limit: 'query:limit', status: 'query:status', workspace_id: 'path:workspaceId' },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    scopes: ['mcp:read'],
    idempotency: 'none',
    toolsets: ['runs'],
    deprecated: false,
    inputSchema: {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 100, description: 'Page size.' },
        status: { type: 'string', enum: ['queued', 'running', 'failed'] },
        workspace_id: { type: 'string', pattern: '^wsp_[a-z]+$', maxLength: 64 },
      },
      required: ['workspace_id'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      required: ['items'],
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
        next_cursor: { type: 'string' },
      },
    },
  };
}

function manifest(...tools: ManifestTool[]): Manifest {
  return { api: { id: 'demo' }, tools, prompts: [] };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type Edit = (tool: Mutable<ManifestTool> & Record<string, unknown>) => void;
// biome-ignore lint/suspicious/noExplicitAny: the table edits schemas freely.
type AnyRecord = Record<string, any>;

function edited(edit: Edit): ManifestTool {
  const tool = structuredClone(baseTool()) as Mutable<ManifestTool> & Record<string, unknown>;
  edit(tool);
  return tool as ManifestTool;
}
const input = (t: AnyRecord) => t['inputSchema'] as AnyRecord;
const output = (t: AnyRecord) => t['outputSchema'] as AnyRecord;

interface Case {
  readonly given: string;
  /** Default: manifest(baseTool()). */
  readonly before?: Manifest;
  readonly after: Manifest;
  /** [severity, kind, subject?] every one of which must be reported (and nothing of another severity). */
  readonly want: readonly (readonly [SurfaceChange['severity'], string, string?])[];
  readonly breaking: boolean;
}

const cases: readonly Case[] = [
  // Breaking
  { given: 'a tool removed', after: manifest(), want: [['breaking', 'tool-removed']], breaking: true },
  {
    given: 'a tool renamed (same operationId)',
    after: manifest(
      edited((t) => {
        t.name = 'list_workflow_runs';
        t.path = '/v2/workspaces/{workspaceId}/runs';
      }),
    ),
    want: [
      ['breaking', 'tool-renamed'],
      ['compatible', 'binding-changed'],
    ],
    breaking: true,
  },
  {
    given: 'a tool renamed (same method + path, no operationId)',
    after: manifest(
      edited((t) => {
        t.name = 'runs_list';
        delete t['operationId'];
      }),
    ),
    want: [['breaking', 'tool-renamed']],
    breaking: true,
  },
  {
    given: 'an argument removed',
    after: manifest(
      edited((t) => {
        delete input(t)['properties'].status;
        delete t['argumentSources'];
      }),
    ),
    want: [['breaking', 'argument-removed', 'status']],
    breaking: true,
  },
  {
    given: 'a new required argument',
    after: manifest(
      edited((t) => {
        input(t)['properties'].since = { type: 'string', format: 'date-time' };
        input(t)['required'].push('since');
      }),
    ),
    want: [['breaking', 'argument-added-required', 'since']],
    breaking: true,
  },
  {
    given: 'an optional argument becomes required',
    after: manifest(edited((t) => void input(t)['required'].push('status'))),
    want: [['breaking', 'argument-now-required', 'status']],
    breaking: true,
  },
  {
    given: 'a widened type (integer -> integer|string)',
    after: manifest(
      edited((t) => {
        input(t)['properties'].limit.type = ['integer', 'string'];
      }),
    ),
    want: [['compatible', 'type-widened', 'limit']],
    breaking: false,
  },
  {
    given: 'a changed type (integer -> string)',
    after: manifest(
      edited((t) => {
        input(t)['properties'].limit = { type: 'string' };
      }),
    ),
    want: [
      ['breaking', 'type-changed', 'limit'],
      ['compatible', 'bound-loosened', 'limit'],
    ],
    breaking: true,
  },
  {
    given: 'a narrowed enum (value removed)',
    after: manifest(edited((t) => void input(t)['properties'].status.enum.pop())),
    want: [['breaking', 'enum-narrowed', 'status']],
    breaking: true,
  },
  {
    given: 'maximum lowered',
    after: manifest(
      edited((t) => {
        input(t)['properties'].limit.maximum = 50;
      }),
    ),
    want: [['breaking', 'bound-tightened', 'limit']],
    breaking: true,
  },
  {
    given: 'minimum raised',
    after: manifest(
      edited((t) => {
        input(t)['properties'].limit.minimum = 10;
      }),
    ),
    want: [['breaking', 'bound-tightened', 'limit']],
    breaking: true,
  },
  {
    given: 'maxLength lowered',
    after: manifest(
      edited((t) => {
        input(t)['properties'].workspace_id.maxLength = 32;
      }),
    ),
    want: [['breaking', 'bound-tightened', 'workspace_id']],
    breaking: true,
  },
  {
    given: 'a pattern added',
    after: manifest(
      edited((t) => {
        input(t)['properties'].status.pattern = '^[a-z]+$';
      }),
    ),
    want: [['breaking', 'pattern-added', 'status']],
    breaking: true,
  },
  {
    given: 'a pattern changed',
    after: manifest(
      edited((t) => {
        input(t)['properties'].workspace_id.pattern = '^ws_[a-z]+$';
      }),
    ),
    want: [['breaking', 'pattern-changed', 'workspace_id']],
    breaking: true,
  },
  {
    given: 'an argument renamed (same source)',
    after: manifest(
      edited((t) => {
        const props = input(t)['properties'];
        props.run_status = props.status;
        delete props.status;
        (t.argumentSources as AnyRecord) = {
          limit: 'query:limit',
          run_status: 'query:status',
          workspace_id: 'path:workspaceId',
        };
      }),
    ),
    want: [['breaking', 'argument-renamed', 'status']],
    breaking: true,
  },
  {
    given: 'an output property removed',
    after: manifest(edited((t) => void delete output(t)['properties'].next_cursor)),
    want: [['breaking', 'output-property-removed', 'next_cursor']],
    breaking: true,
  },
  {
    given: 'an output property no longer required',
    after: manifest(
      edited((t) => {
        output(t)['required'] = [];
      }),
    ),
    want: [['breaking', 'output-property-now-optional', 'items']],
    breaking: true,
  },
  {
    given: 'the output schema removed',
    after: manifest(edited((t) => void delete t['outputSchema'])),
    want: [['breaking', 'output-schema-removed']],
    breaking: true,
  },
  // Security-relevant
  {
    given: 'a read-only tool becomes a write tool',
    after: manifest(
      edited((t) => {
        t.annotations.readOnlyHint = false;
      }),
    ),
    want: [['security', 'became-write', 'readOnlyHint']],
    breaking: false,
  },
  {
    given: 'a tool becomes destructive',
    after: manifest(
      edited((t) => {
        t.annotations.destructiveHint = true;
      }),
    ),
    want: [['security', 'became-destructive', 'destructiveHint']],
    breaking: false,
  },
  {
    given: 'idempotentHint true -> false',
    after: manifest(
      edited((t) => {
        t.annotations.idempotentHint = false;
      }),
    ),
    want: [['security', 'no-longer-idempotent', 'idempotentHint']],
    breaking: false,
  },
  {
    given: 'a scope added (tokens without it are refused: also breaking)',
    after: manifest(edited((t) => void t.scopes.push('mcp:write'))),
    want: [['security', 'scope-added', 'mcp:write']],
    breaking: true,
  },
  {
    given: 'a scope removed',
    after: manifest(
      edited((t) => {
        t.scopes = [];
      }),
    ),
    want: [['security', 'scope-removed', 'mcp:read']],
    breaking: false,
  },
  {
    given: 'a narrowed type (number -> integer)',
    before: manifest(
      edited((t) => {
        input(t)['properties'].limit.type = 'number';
      }),
    ),
    after: manifest(baseTool()),
    want: [['breaking', 'type-narrowed', 'limit']],
    breaking: true,
  },
  // Compatible
  {
    given: 'a new tool',
    after: manifest(
      baseTool(),
      edited((t) => void Object.assign(t, { name: 'get_run', path: '/runs/{id}', operationId: 'getRun' })),
    ),
    want: [['compatible', 'tool-added']],
    breaking: false,
  },
  {
    given: 'a new optional argument',
    after: manifest(
      edited((t) => {
        input(t)['properties'].cursor = { type: 'string' };
      }),
    ),
    want: [['compatible', 'argument-added-optional', 'cursor']],
    breaking: false,
  },
  {
    given: 'a widened enum',
    after: manifest(edited((t) => void input(t)['properties'].status.enum.push('cancelled'))),
    want: [['compatible', 'enum-widened', 'status']],
    breaking: false,
  },
  {
    given: 'looser bounds (maximum raised, minimum lowered, maxLength removed, pattern removed)',
    after: manifest(
      edited((t) => {
        const props = input(t)['properties'];
        props.limit.maximum = 500;
        props.limit.minimum = 0;
        delete props.workspace_id.maxLength;
        delete props.workspace_id.pattern;
      }),
    ),
    want: [
      ['compatible', 'bound-loosened', 'limit'],
      ['compatible', 'bound-loosened', 'workspace_id'],
      ['compatible', 'pattern-removed', 'workspace_id'],
    ],
    breaking: false,
  },
  {
    given: 'description changes (tool and argument)',
    after: manifest(
      edited((t) => {
        t.description = 'Lists the runs of a workspace, newest first.';
        input(t)['properties'].limit.description = 'How many runs per page.';
      }),
    ),
    want: [
      ['compatible', 'description-changed'],
      ['compatible', 'description-changed', 'limit'],
    ],
    breaking: false,
  },
  {
    given: 'a required argument becomes optional',
    after: manifest(
      edited((t) => {
        input(t)['required'] = [];
      }),
    ),
    want: [['compatible', 'argument-now-optional', 'workspace_id']],
    breaking: false,
  },
  {
    given: 'a new output property',
    after: manifest(
      edited((t) => {
        output(t)['properties'].total = { type: 'integer' };
      }),
    ),
    want: [['compatible', 'output-property-added-optional', 'total']],
    breaking: false,
  },
];

describe('compareManifests: given a change, want its classification', () => {
  it.each(cases)('$given', ({ before, after, want, breaking }) => {
    const diff = compareManifests(before ?? manifest(baseTool()), after);
    const got = diff.changes.map((c) => [c.severity, c.kind, c.subject]);
    for (const [severity, kind, subject] of want)
      expect(got).toContainEqual(
        subject === undefined ? [severity, kind, undefined] : [severity, kind, subject],
      );
    // Nothing in a section the case did not expect.
    const severities = new Set(want.map(([s]) => s));
    for (const c of diff.changes)
      expect(severities, `unexpected ${c.severity} ${c.kind}`).toContain(c.severity);
    expect(diff.summary.breaking > 0).toBe(breaking);
  });

  it('reports nothing for identical manifests', () => {
    const diff = compareManifests(manifest(baseTool()), manifest(baseTool()));
    expect(diff.changes).toEqual([]);
    expect(diff.summary.tools.unchanged).toBe(1);
  });

  it('reads a schema moved into $defs (or wrapped in a one-entry allOf) as unchanged', () => {
    const moved = edited((t) => {
      const props = input(t)['properties'];
      input(t)['$defs'] = { Status: props.status };
      props.status = { allOf: [{ $ref: '#/$defs/Status' }] };
    });
    expect(compareManifests(manifest(baseTool()), manifest(moved)).changes).toEqual([]);
    const narrowed = structuredClone(moved) as AnyRecord;
    narrowed['inputSchema'].$defs.Status.enum.pop();
    expect(
      compareManifests(manifest(baseTool()), manifest(narrowed as ManifestTool)).changes.map((c) => c.kind),
    ).toEqual(['enum-narrowed']);
  });

  it('compares the renamed tool with its old self', () => {
    const diff = compareManifests(
      manifest(baseTool()),
      manifest(
        edited((t) => {
          t.name = 'list_workflow_runs';
          t.annotations.readOnlyHint = false;
        }),
      ),
    );
    expect(diff.changes.map((c) => [c.tool, c.kind])).toEqual([
      ['list_workflow_runs', 'tool-renamed'],
      ['list_workflow_runs', 'became-write'],
    ]);
    expect(diff.summary.tools).toMatchObject({ renamed: 1, removed: 0, added: 0 });
  });
});

describe('formatDiff', () => {
  const diff = compareManifests(
    manifest(baseTool()),
    manifest(
      edited((t) => {
        delete input(t)['properties'].status;
        t.annotations.readOnlyHint = false;
        input(t)['properties'].cursor = { type: 'string' };
      }),
    ),
  );
  const labels = { before: 'origin/main', after: 'HEAD' };

  it('text: a summary line, then one section per severity', () => {
    expect(formatDiff(diff, 'text', labels)).toBe(
      [
        'spec2mcp diff origin/main -> HEAD: 1 breaking, 1 security-relevant, 1 compatible (tools: 0 added, 0 removed, 0 renamed, 1 changed, 0 unchanged)',
        '',
        'Breaking (1):',
        '  list_runs: argument status removed',
        '',
        'Security-relevant (1):',
        '  list_runs is no longer read-only: it can change data (readOnlyHint true -> false)',
        '',
        'Compatible (1):',
        '  list_runs: optional argument cursor added',
        '',
      ].join('\n'),
    );
  });

  it('markdown: a pull-request comment with a summary and three tables', () => {
    const md = formatDiff(diff, 'markdown', labels);
    expect(md).toContain('**1 breaking**, **1 security-relevant**, 1 compatible');
    expect(md.indexOf('#### Breaking (1)')).toBeLessThan(md.indexOf('#### Security-relevant (1)'));
    expect(md.indexOf('#### Security-relevant (1)')).toBeLessThan(md.indexOf('#### Compatible (1)'));
    expect(md).toContain('| `list_runs` | argument removed | argument `status` removed |');
    expect(md).toContain('| Tool | Change | Details |');
  });

  it('json: the documented shape', () => {
    const json = JSON.parse(formatDiff(diff, 'json', labels));
    expect(Object.keys(json)).toEqual(['format', 'before', 'after', 'apis', 'summary', 'changes']);
    expect(json.format).toBe(1);
    expect(json.summary).toMatchObject({ breaking: 1, security: 1, compatible: 1 });
    expect(json.changes[0]).toEqual({
      api: 'demo',
      tool: 'list_runs',
      area: 'argument',
      kind: 'argument-removed',
      severity: 'breaking',
      breaking: true,
      subject: 'status',
      message: '`list_runs`: argument `status` removed',
    });
  });
});

describe('spec2mcp diff (command)', () => {
  let dir: string;
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { cwd: dir, out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
  };
  const writeManifest = async (name: string, m: Manifest) => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'manifest.json'), JSON.stringify({ format: 1, ...m }));
  };

  beforeAll(async () => {
    await mkdir(join(ROOT, '.tmp'), { recursive: true });
    dir = await mkdtemp(join(ROOT, '.tmp', 'diff-test-'));
    await writeManifest('old', manifest(baseTool()));
    await writeManifest('same', manifest(baseTool()));
    await writeManifest('breaking', manifest());
    await writeManifest(
      'compatible',
      manifest(
        edited((t) => {
          t.description = 'New words.';
        }),
      ),
    );
    await mkdir(join(dir, 'empty'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 without breaking changes, 1 with, 0 with --allow-breaking', async () => {
    expect(await runDiffCommand(['old', 'same'], io().io)).toBe(0);
    expect(await runDiffCommand(['old', 'compatible'], io().io)).toBe(0);
    const broken = io();
    expect(await runDiffCommand(['old', 'breaking'], broken.io)).toBe(1);
    expect(broken.out.join('')).toContain('tool list_runs removed');
    expect(await runDiffCommand(['old', 'breaking', '--allow-breaking'], io().io)).toBe(0);
  });

  it('exits 2 with usage on usage errors', async () => {
    for (const args of [
      ['old'],
      ['old', 'same', 'third'],
      ['old', 'same', '--format', 'yaml'],
      ['--bogus', 'a', 'b'],
    ]) {
      const r = io();
      expect(await runDiffCommand(args, r.io), args.join(' ')).toBe(2);
      expect(r.err.join('')).toContain('Usage: spec2mcp diff');
    }
  });

  it('explains a directory without a manifest and an unknown ref', async () => {
    const empty = io();
    expect(await runDiffCommand(['empty', 'old'], empty.io)).toBe(2);
    expect(empty.err.join('')).toContain('`empty` has no manifest.json. Expected generated output');
    const bad = io();
    expect(await runDiffCommand(['no-such-ref-xyz', 'old'], bad.io)).toBe(2);
    expect(bad.err.join('')).toContain('is neither a directory nor a git ref');
  });

  it('reads a generated/ root with several APIs', async () => {
    const root = join(dir, 'root');
    await cp(join(dir, 'old'), join(root, 'demo'), { recursive: true });
    await mkdir(join(root, 'other'), { recursive: true });
    await writeFile(
      join(root, 'other', 'manifest.json'),
      JSON.stringify({ ...manifest(baseTool()), api: { id: 'other' } }),
    );
    const r = io();
    expect(await runDiffCommand(['old', 'root', '--format', 'json'], r.io)).toBe(0);
    const json = JSON.parse(r.out.join(''));
    expect(json.apis).toEqual(['demo', 'other']);
    expect(json.summary.tools.added).toBe(1);
  });
});

describe('spec2mcp diff with spec folders (generated in memory)', () => {
  it('generates both sides and classifies a rename, a tighter bound and output changes', async () => {
    const out: string[] = [];
    const code = await runDiffCommand(
      ['test/fixtures/diff/v1/shop', 'test/fixtures/diff/v2/shop', '--format', 'json'],
      { cwd: ROOT, out: (t) => out.push(t), err: (t) => out.push(t) },
    );
    expect(code).toBe(1);
    const json = JSON.parse(out.join(''));
    expect(json.changes.map((c: SurfaceChange) => [c.severity, c.kind, c.subject ?? null])).toEqual([
      ['breaking', 'tool-renamed', null],
      ['breaking', 'bound-tightened', 'limit'],
      ['breaking', 'output-property-removed', 'next'],
      ['compatible', 'enum-widened', 'status'],
      ['compatible', 'output-property-added-optional', 'total'],
    ]);
    expect(json.summary.tools).toEqual({ added: 0, removed: 0, renamed: 1, changed: 0, unchanged: 1 });
  }, 60_000);

  it('compares a spec folder with its committed output: the repository is current', async () => {
    const out: string[] = [];
    const code = await runDiffCommand(['specs/conveyor', 'generated/conveyor'], {
      cwd: ROOT,
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(out.join('')).toMatch(/no tool-surface changes \(\d+ tools unchanged\)/);
    expect(code).toBe(0);
  }, 60_000);
});

describe('node bin/spec2mcp.js diff', () => {
  const cli = (...args: string[]) =>
    run('node', ['bin/spec2mcp.js', 'diff', ...args], { cwd: ROOT, encoding: 'utf8' }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  it('compares two git refs of this repository: HEAD with itself has no changes', async () => {
    const r = await cli('HEAD', 'HEAD', '--format', 'markdown');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No tool-surface changes');
  }, 60_000);

  it('compares two directories and fails on a breaking change', async () => {
    const dir = await mkdtemp(join(ROOT, '.tmp', 'diff-cli-'));
    try {
      const current = JSON.parse(await readFile(join(ROOT, 'generated/conveyor/manifest.json'), 'utf8'));
      const [first, ...rest] = current.tools as { name: string }[];
      await mkdir(join(dir, 'old'));
      await mkdir(join(dir, 'new'));
      await writeFile(join(dir, 'old', 'manifest.json'), JSON.stringify(current));
      await writeFile(join(dir, 'new', 'manifest.json'), JSON.stringify({ ...current, tools: rest }));
      const r = await cli(join(dir, 'old'), join(dir, 'new'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`tool ${first!.name} removed`);
      const same = await cli(join(dir, 'old'), 'generated/conveyor');
      expect(same.code).toBe(0);
      expect(same.stdout).toContain('no tool-surface changes');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
