/**
 * x-mcp `whoami`, `tokens`, `tenancy` through generate(), on test/fixtures/tenancy (an API whose
 * account-scoped paths start with /accounts/{account_id}, with `tenancy.pathParam: account_id`):
 * the account parameter's binding is `fromTenant` with no argument, the argument is gone from the
 * tool's inputSchema, required and Input type, and index.ts carries the typed `access`. The output
 * type-checks against runtime/define-tool.ts. Per-rule checks are in test/ir/access-settings.test.ts.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../generator/diagnostics/diagnostic.js';
import { type GenerateResult, generate } from '../../generator/generate.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { typecheckFiles } from '../corpus/typecheck-files.js';
import { repoRoot } from '../load/helpers.js';

const fixture = path.join(repoRoot, 'test/fixtures/tenancy');
/** Two folders below the repo root, so `../../runtime/define-tool.js` resolves (.tmp-corpus is ignored). */
const outDir = path.join(repoRoot, '.tmp-corpus', 'access-settings');

let result: GenerateResult;
let tmp: string;
const file = (name: string) => result.files!.get(name)!;

beforeAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  // cwd: the fixture folder, which has no node_modules: no disk cache, every stage runs.
  result = await generate({ specPath: fixture, outDir, cwd: fixture });
  tmp = await mkdtemp(path.join(tmpdir(), 'spec2mcp-access-gen-'));
}, 60_000);
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
});

/** The fixture's openapi.yaml with another (or no) overlay, generated without writing. */
async function generateWith(overlay: string | undefined, name: string) {
  const dir = path.join(tmp, name);
  await mkdir(path.join(dir, 'overlays'), { recursive: true });
  await copyFile(path.join(fixture, 'openapi.yaml'), path.join(dir, 'openapi.yaml'));
  if (overlay !== undefined) await writeFile(path.join(dir, 'overlays/10-access.yaml'), overlay);
  const out = path.join(tmp, `${name}-out`);
  return { out, result: await generate({ specPath: dir, outDir: out, cwd: dir, cache: false }) };
}

describe('tenancy.pathParam end to end', () => {
  it('generates with no diagnostics', () => {
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('binds the account parameter fromTenant, with no argument, in every tool that has it', () => {
    const binding = `      {
        name: "account_id",
        in: "path",
        style: "simple",
        explode: false,
        required: true,
        fromTenant: true,
      },`;
    for (const tool of ['get_invoice', 'list_invoices', 'create_invoice']) {
      const text = file(`tools/${tool}.ts`);
      expect(text, tool).toContain(binding);
      expect(text, tool).not.toContain('argument: "account_id"');
      expect(text, tool).not.toContain('account_id:');
    }
    // The other path parameter of get_invoice stays an argument.
    expect(file('tools/get_invoice.ts')).toContain(`        required: true,
        argument: "invoice_id",
      },`);
  });

  it('removes the argument from inputSchema, required and the Input interface', () => {
    const get = file('tools/get_invoice.ts');
    expect(get).toContain(`export interface GetInvoiceInput {
  invoice_id: string;
}`);
    expect(get).toContain(`  inputSchema: {
    type: "object",
    properties: {
      invoice_id: {
        type: "string",
      },
    },
    required: ["invoice_id"],
    additionalProperties: false,
  },`);
    // Its only other argument is optional: no `required` is left at all.
    const list = file('tools/list_invoices.ts');
    expect(list).not.toContain('required: [');
    expect(list).toMatch(/export interface ListInvoicesInput \{\n {2}status\?: [^\n]+\n\}/);
    expect(file('tools/create_invoice.ts')).toContain('required: ["amount", "idempotency_key"],');

    const manifest = JSON.parse(file('manifest.json')) as {
      tools: { name: string; inputSchema: { properties: object; required?: string[] } }[];
    };
    for (const tool of manifest.tools) {
      expect(tool.inputSchema.properties, tool.name).not.toHaveProperty('account_id');
      expect(tool.inputSchema.required ?? [], tool.name).not.toContain('account_id');
    }
    expect(file('catalog.md')).not.toContain('account_id`');
  });

  it('emits access on the ApiDefinition, and nothing of it in extensions', () => {
    expect(file('index.ts')).toContain(`  access: {
    whoamiTool: "get_me",
    tokenPrefix: "ldg_",
    allowQueryToken: true,
    tenantPathParam: "account_id",
    tenantListTool: "list_accounts",
  },
  extensions: {},
`);
  });

  it('written, the module loads with the typed access and bindings', async () => {
    const module = (await import(pathToFileURL(path.join(outDir, 'index.ts')).href)) as {
      api: ApiDefinition;
    };
    expect(module.api.access).toEqual({
      whoamiTool: 'get_me',
      tokenPrefix: 'ldg_',
      allowQueryToken: true,
      tenantPathParam: 'account_id',
      tenantListTool: 'list_accounts',
    });
    const get = module.api.tools.find((t) => t.name === 'get_invoice')!;
    expect(get.http.params.find((p) => p.name === 'account_id')).toEqual({
      name: 'account_id',
      in: 'path',
      style: 'simple',
      explode: false,
      required: true,
      fromTenant: true,
    });
    expect(await readFile(path.join(outDir, 'tools/get_invoice.ts'), 'utf8')).toBe(
      file('tools/get_invoice.ts'),
    );
  });

  it('type-checks against the runtime contract', () => {
    const files = [...result.files!.keys()].filter((f) => f.endsWith('.ts')).map((f) => path.join(outDir, f));
    const report = typecheckFiles(files);
    expect(report.problems.map((p) => `${path.relative(outDir, p.file)}:${p.line} ${p.message}`)).toEqual([]);
  }, 60_000);
});

describe('without the settings, and with a bad one', () => {
  it('no overlay: no access, and account_id is an ordinary required argument', async () => {
    const { result: plain } = await generateWith(undefined, 'plain');
    expect(plain.ok).toBe(true);
    expect(plain.files!.get('index.ts')).not.toContain('access');
    const get = plain.files!.get('tools/get_invoice.ts')!;
    expect(get).toContain('argument: "account_id"');
    expect(get).toContain('required: ["account_id", "invoice_id"],');
    expect(get).not.toContain('fromTenant');
  });

  it('a path parameter no operation has fails the run at its overlay position and writes nothing', async () => {
    const overlay = `overlay: 1.1.0
info: {title: Access, version: 1.0.0}
actions:
  - target: $
    update:
      x-mcp:
        tenancy: {pathParam: accountId}
`;
    const { result: bad, out } = await generateWith(overlay, 'bad');
    expect(bad.ok).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual([
      'overlays/10-access.yaml:7:19  MCPGEN_TENANCY_PATH_PARAM_UNKNOWN  tenancy.pathParam `accountId` is not a path parameter of any generated operation (at /x-mcp/tenancy/pathParam)\n' +
        '    fix: Did you mean `account_id`? Name a path parameter as the document spells it: `account_id`, `invoice_id`.',
    ]);
  });
});
