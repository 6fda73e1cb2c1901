/**
 * A hostile document end to end (test/fixtures/hostile/openapi.yaml): quotes, backticks, `*\/`,
 * `${}`, newlines, U+2028/U+2029 and `</script>` in every string an author controls. Generated,
 * the output type-checks, parses into exactly the statements a generated file may have, keeps
 * every payload inside string literals and comments, and hands each string back unchanged as
 * data, through the module and through a real MCP client.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type GenerateResult, generate } from '../../generator/generate.js';
import { TOOL_NAME_PATTERN } from '../../generator/ir/naming.js';
import { buildServer } from '../../runtime/build-server.js';
import type { ApiDefinition, ToolDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';
import { typecheckFiles } from '../corpus/typecheck-files.js';
import { repoRoot } from '../load/helpers.js';
import { connectClient } from '../runtime/connect-client.js';

const fixture = path.join(repoRoot, 'test/fixtures/hostile');
/** One folder below the repo root, so `../../../runtime/define-tool.js` resolves (.tmp-corpus is ignored). */
const outDir = path.join(repoRoot, '.tmp-corpus', 'hostile');
const MARKER = 'PWNED';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile prompt argument, as text
const HOSTILE_ARGUMENT = '`${PWNED}`';

// biome-ignore lint/suspicious/noExplicitAny: the fixture, read back as plain YAML, is walked by key
type Json = Record<string, any>;
const doc = parse(readFileSync(path.join(fixture, 'openapi.yaml'), 'utf8')) as Json;
const [itemPath, item] = Object.entries(doc['paths'] as Json).find(
  ([p]) => p.includes(MARKER) || p.includes('${'),
)!;

let result: GenerateResult;
let api: ApiDefinition;
let files: { name: string; text: string }[];
beforeAll(async () => {
  // cwd: the fixture folder, which has no node_modules: no disk cache, every stage runs.
  result = await generate({ specPath: fixture, outDir, cwd: fixture });
  files = [...(result.files ?? new Map<string, string>())]
    .filter(([name]) => name.endsWith('.ts'))
    .map(([name, text]) => ({ name, text }));
  api = await loadApi(outDir);
}, 60_000);

const toolFor = (method: string): ToolDefinition => {
  const found = api.tools.find((t) => t.http.method === method && t.http.path === itemPath);
  if (!found) throw new Error(`no tool for ${method.toUpperCase()} ${itemPath}`);
  return found;
};
/** Spec text as the IR keeps descriptions: line endings normalized, trimmed. */
const asText = (text: string) => text.replace(/\r\n?/g, '\n').trim();

describe('a hostile document generates', () => {
  it('with no errors, valid tool names, and export names that bind nothing the modules use', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
    for (const tool of api.tools) expect(tool.name).toMatch(TOOL_NAME_PATTERN);
    const exports = result.api!.tools.map((t) => t.exportName).sort();
    expect(exports).toEqual([
      'apiTool',
      'constructorTool',
      'createPwnedScript',
      'defaultTool',
      'defineApiTool',
      'defineToolTool',
      'getItemQDBCOTPwnedSScriptLP',
      'promptsTool',
      'proto',
    ]);
  });

  it('type-checks in one program with the repository settings', () => {
    const report = typecheckFiles(files.map((f) => path.join(outDir, f.name)));
    expect(report.problems.map((p) => `${path.relative(outDir, p.file)}:${p.line} ${p.message}`)).toEqual([]);
  });
});

function kindName(node: ts.Node): string {
  if (ts.isImportDeclaration(node)) return 'ImportDeclaration';
  if (ts.isVariableStatement(node)) return 'VariableStatement';
  if (ts.isInterfaceDeclaration(node)) return 'InterfaceDeclaration';
  if (ts.isTypeAliasDeclaration(node)) return 'TypeAliasDeclaration';
  if (ts.isExportAssignment(node)) return 'ExportAssignment';
  // (ts.SyntaxKind has aliases: VariableStatement reads as FirstStatement.)
  return `other(${ts.SyntaxKind[node.kind]})`;
}

/** Top-level statements as `kind name`, the shape a generated file may have. */
function describeStatements(source: ts.SourceFile): string[] {
  return source.statements.map((statement) => {
    const exported = ts.canHaveModifiers(statement)
      ? (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      : false;
    const kind = `${exported ? 'export ' : ''}${kindName(statement)}`;
    if (ts.isImportDeclaration(statement)) {
      return `${kind} ${(statement.moduleSpecifier as ts.StringLiteral).text}`;
    }
    if (ts.isVariableStatement(statement)) {
      const [declaration, ...more] = statement.declarationList.declarations;
      const init = declaration?.initializer;
      const call =
        init && ts.isCallExpression(init)
          ? init.expression.getText(source)
          : init && ts.isArrayLiteralExpression(init)
            ? 'ArrayLiteralExpression'
            : 'other';
      return `${kind} ${declaration?.name.getText(source)} = ${call}${more.length > 0 ? ' and more' : ''}`;
    }
    if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) return `${kind} type`;
    if (ts.isExportAssignment(statement)) return `${kind} ${statement.expression.getText(source)}`;
    return kind;
  });
}

/** Tokens that mean a payload left its literal or comment: a call of the marker, a template literal. */
function findLeaks(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  const leaks: string[] = [];
  let previous = '';
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    const tokenText = scanner.getTokenText();
    // Template literals would evaluate `${...}`; generated code has no reason to hold one.
    if (token === ts.SyntaxKind.TemplateHead || token === ts.SyntaxKind.NoSubstitutionTemplateLiteral)
      leaks.push(`template ${tokenText.slice(0, 3)}`);
    // (A name made from a payload may read `PWNED`; a payload broken out of its literal calls it.)
    if (token === ts.SyntaxKind.OpenParenToken && previous === MARKER)
      leaks.push(`call at ${scanner.getTokenStart()}`);
    if (token !== ts.SyntaxKind.WhitespaceTrivia && token !== ts.SyntaxKind.NewLineTrivia)
      previous = tokenText;
  }
  return leaks;
}

describe('every generated file is only the statements it should be', () => {
  it.each([
    [
      'index.ts',
      (shape: string[]) => {
        expect(shape.slice(0, 2)).toEqual([
          'ImportDeclaration ../../runtime/define-tool.js',
          'ImportDeclaration ./prompts.js',
        ]);
        expect(shape.slice(2, -2).every((s) => /^ImportDeclaration \.\/tools\/[a-z0-9_]+\.js$/.test(s))).toBe(
          true,
        );
        expect(shape.slice(-2)).toEqual(['export VariableStatement api = defineApi', 'ExportAssignment api']);
      },
    ],
    [
      'prompts.ts',
      (shape: string[]) =>
        expect(shape).toEqual([
          'ImportDeclaration ../../runtime/define-tool.js',
          'export VariableStatement prompts = ArrayLiteralExpression',
        ]),
    ],
  ])('%s', (name, check) => {
    const file = files.find((f) => f.name === name)!;
    check(describeStatements(ts.createSourceFile(name, file.text, ts.ScriptTarget.ES2022, true)));
  });

  it('tools/*.ts: one import, exported types, one exported defineTool call', () => {
    const tools = files.filter((f) => f.name.startsWith('tools/'));
    expect(tools).toHaveLength(9);
    for (const file of tools) {
      const shape = describeStatements(
        ts.createSourceFile(file.name, file.text, ts.ScriptTarget.ES2022, true),
      );
      const exportName = result.api!.tools.find((t) => `tools/${t.fileName}.ts` === file.name)!.exportName;
      expect(shape[0], file.name).toBe('ImportDeclaration ../../../runtime/define-tool.js');
      expect(
        shape.slice(1, -1).every((s) => /^export (InterfaceDeclaration|TypeAliasDeclaration) type$/.test(s)),
      ).toBe(true);
      expect(shape.at(-1), file.name).toBe(`export VariableStatement ${exportName} = defineTool`);
    }
  });

  it.each([
    // given a breakout -> want the leak it shows as (so the silence below means something)
    ['a comment closed early', '/** a */ PWNED() */', 'call at 14'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal, as text
    ['a template substitution', 'const x = `${PWNED()}`;', 'template `${'],
    ['a line comment cut by U+2028', '// a\u2028PWNED()', 'call at 10'],
  ])('the leak check finds %s', (_, given, want) => {
    expect(findLeaks(given)).toContain(want);
  });

  it('no payload escapes its string literal or comment: `PWNED(` is never code', () => {
    for (const file of files) expect(findLeaks(file.text), file.name).toEqual([]);
  });

  it('manifest.json is JSON that keeps the payloads', () => {
    const manifest = JSON.parse(result.files!.get('manifest.json')!) as Json;
    expect(manifest['tools'].map((t: Json) => t['path'])).toContain(itemPath);
  });
});

describe('every hostile string comes back as data', () => {
  it('API: title, server URL, instructions, prompt', () => {
    expect(api.title).toBe(doc['info']['title']);
    expect(api.servers).toEqual([doc['servers'][0]['url']]);
    expect(api.server.instructions).toBe(doc['x-mcp']['server']['instructions'].trim());
    const [prompt] = api.prompts;
    const given = doc['x-mcp']['prompts'][0];
    expect(prompt).toEqual({
      name: 'hostile_prompt',
      title: given['title'],
      description: given['description'].trim(),
      arguments: [{ name: 'topic', description: given['arguments'][0]['description'], required: true }],
      template: given['template'],
    });
  });

  it('GET: title, description, path, parameter names, enum values, property names', () => {
    const tool = toolFor('get');
    const operation = item['get'];
    expect(tool.title).toBe(operation['summary']);
    expect(tool.description).toBe(`${operation['summary']}.\n\n${asText(operation['description'])}`);
    expect(tool.http.path).toBe(itemPath);
    expect(tool.http.params.map((p) => p.name).sort()).toEqual(
      operation['parameters'].map((p: Json) => p['name']).sort(),
    );
    const query = operation['parameters'][1];
    const input = tool.inputSchema as Json;
    const queryArgument = tool.http.params.find((p) => p.name === query['name'])!.argument!;
    expect(input['properties'][queryArgument]).toMatchObject({
      description: asText(query['description']),
      enum: query['schema']['enum'],
    });
    const responseSchema = operation['responses']['200']['content']['application/json']['schema'];
    const output = tool.outputSchema as Json;
    expect(Object.keys(output['properties'])).toEqual(Object.keys(responseSchema['properties']));
    expect(output['required']).toEqual(responseSchema['required']);
    expect(output['properties']['kind']['enum']).toEqual(responseSchema['properties']['kind']['enum']);
  });

  it('POST: body property names and enum values', () => {
    const tool = toolFor('post');
    const schema = item['post']['requestBody']['content']['application/json']['schema'];
    expect(tool.http.body?.properties?.map((p) => p.property).sort()).toEqual(
      Object.keys(schema['properties']).sort(),
    );
    const bodyProperty = Object.keys(schema['properties'])[0]!;
    const argument = tool.http.body!.properties!.find((p) => p.property === bodyProperty)!.argument;
    expect((tool.inputSchema as Json)['properties'][argument]['enum']).toEqual(
      schema['properties'][bodyProperty]['enum'],
    );
  });

  describe('through a real MCP client', () => {
    let close: () => Promise<void>;
    let listed: { tools: Json[]; prompts: Json[]; rendered: string };
    beforeAll(async () => {
      const app = await buildServer({ api, upstreamUrl: 'http://127.0.0.1:9/v1' });
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const connected = await connectClient(`${address}/mcp`, '2025-11-25');
      close = async () => {
        await connected.close();
        await app.close();
      };
      const prompt = await connected.client.getPrompt({
        name: 'hostile_prompt',
        arguments: { topic: HOSTILE_ARGUMENT },
      });
      listed = {
        tools: (await connected.client.listTools()).tools as Json[],
        prompts: (await connected.client.listPrompts()).prompts as Json[],
        rendered: (prompt.messages[0]?.content as { text?: string } | undefined)?.text ?? '',
      };
    });
    afterAll(async () => {
      await close?.();
    });

    it('tools/list carries the descriptions and schemas unchanged', () => {
      const tool = toolFor('get');
      const shown = listed.tools.find((t) => t['name'] === tool.name)!;
      expect(shown['description']).toBe(tool.description);
      expect(shown['inputSchema']).toEqual(tool.inputSchema);
    });

    it('prompts/get renders the hostile template as text', () => {
      const template = doc['x-mcp']['prompts'][0]['template'] as string;
      expect(listed.rendered).toBe(template.replace('{{topic}}', HOSTILE_ARGUMENT));
      expect(listed.prompts[0]?.['description']).toBe(doc['x-mcp']['prompts'][0]['description'].trim());
    });
  });
});
