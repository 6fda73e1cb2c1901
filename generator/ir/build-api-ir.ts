/**
 * The loaded document -> ApiIR: every operation that is not excluded becomes a
 * tool; root x-mcp becomes settings and prompts. Pure: no disk, no clock.
 */
import { createRequire } from 'node:module';
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { buildAccess } from './build-access.js';
import { buildRateLimits } from './build-rate-limits.js';
import { buildToolIR, type OperationInput } from './build-tool-ir.js';
import { resolveWaits } from './build-wait.js';
import { escapePointer, isObject } from './json-schema.js';
import { type AssignedName, assignToolNames, deriveModuleNames, toSnakeCase } from './naming.js';
import { type RootXMcp, readOperationXMcp, readRootXMcp } from './read-x-mcp.js';
import type { ApiIR, HttpMethod, PromptIR, SecuritySchemeIR, ToolIR } from './types.js';
import { validateIR } from './validate-ir.js';

export interface SpecInput {
  readonly document: Record<string, unknown>;
  readonly version: '2.0' | '3.0' | '3.1';
  readonly specName: string;
  readonly specSha256: string;
  readonly overlays: readonly { readonly file: string; readonly sha256: string }[];
  locate(pointer: string): SourceRef;
  resolveRef(ref: string): unknown;
}

export interface BuildApiOptions {
  readonly id: string;
  readonly generatorVersion: string;
  /** Only tools tagged with one of these toolsets (all when absent). */
  readonly toolsets?: readonly string[];
  /**
   * Wraps each buildToolIR call (generate.ts's cache reuses the ToolIR of an unchanged
   * operation), so buildToolIR must stay a function of the operation and the document.
   */
  readonly memoizeTool?: (op: OperationInput, build: () => ToolIR) => ToolIR;
  /**
   * The name lock: `METHOD path` -> tool name from the previous generation's manifest.json
   * (load/read-previous-manifest.ts). An operation keeps its name unless x-mcp.name renames it
   * or an x-mcp.name now takes it; new operations yield to locked names.
   */
  readonly previousNames?: ReadonlyMap<string, string>;
  /** --strict: an empty tool surface is an error instead of a warning. */
  readonly strict?: boolean;
}

const METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function buildApiIR(spec: SpecInput, options: BuildApiOptions, sink: DiagnosticSink): ApiIR {
  const doc = spec.document;
  const locate = (pointer: string) => spec.locate(pointer);
  const root = readRootXMcp(doc['x-mcp'], sink, locate);
  // Swagger 2.0 documents arrive converted to the 3.0 shape.
  const dialect = spec.version === '3.1' ? '3.1' : '3.0';
  const info = isObject(doc['info']) ? doc['info'] : {};
  const title = typeof info['title'] === 'string' ? info['title'] : options.id;
  const version = readVersion(info, root, sink, locate);

  const operations = collectOperations(doc, spec, sink);
  const built: { op: OperationInput; tool: ToolIR }[] = [];
  // One resolver for all tools: schema conversion caches what depends only on the document by it.
  const resolveRef = (ref: string) => spec.resolveRef(ref);
  for (const op of operations) {
    if (op.xmcp.excluded) continue;
    const build = () => buildToolIR(op, { root, dialect, resolveRef, sink, locate });
    built.push({ op, tool: options.memoizeTool ? options.memoizeTool(op, build) : build() });
  }
  // Names are settled over all tools at once, outside buildToolIR: a name depends on the
  // other operations and on the lock, and buildToolIR must stay a function of its operation.
  const tools = nameTools(built, {
    prefix: root.naming.prefix,
    ...(options.previousNames ? { previousNames: options.previousNames } : {}),
    sink,
    locate,
  });
  // nameTools keeps the order of `built`; excluded operations are kept too, so `whoami` naming one
  // can say so rather than that the operationId does not exist.
  const toolOf = new Map(built.map(({ op }, index) => [op, tools[index]!]));
  // x-mcp `wait` names another operation's tool, so it is resolved once every tool is named.
  const withTool = operations.map((op) => ({ op, ...(toolOf.has(op) ? { tool: toolOf.get(op)! } : {}) }));
  tools.splice(0, tools.length, ...resolveWaits(tools, withTool, sink, locate));
  const access = buildAccess(root.access, withTool, tools, sink, locate);
  tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const selected = options.toolsets
    ? tools.filter((t) => t.toolsets.some((s) => options.toolsets?.includes(s)))
    : tools;

  const servers = readServers(doc);
  if (servers.length === 0 && !root.upstream.baseUrl) {
    sink.report({
      code: 'MCPGEN_SERVER_URL_MISSING',
      message: 'the document names no server URL',
      source: locate('/servers'),
    });
  }
  const api: ApiIR = {
    id: options.id,
    title,
    version,
    server: {
      name: root.server.name ?? (toSnakeCase(options.id) || 'api'),
      title: root.server.title ?? title,
      version: root.server.version ?? version,
      ...(root.server.instructions ? { instructions: root.server.instructions.trim() } : {}),
    },
    servers,
    provenance: {
      specFile: spec.specName,
      specSha256: spec.specSha256,
      overlays: spec.overlays.map((o) => ({ file: o.file, sha256: o.sha256 })),
      generatorVersion: options.generatorVersion,
    },
    securitySchemes: readSecuritySchemes(doc),
    settings: {
      naming: root.naming,
      scopes: root.scopes,
      upstream: root.upstream,
      limits: root.limits,
      // Against every named tool, not only the selected toolsets: the rules describe the whole API.
      rateLimits: buildRateLimits(root.rateLimits, tools, sink, locate),
      access,
      extensions: root.extensions,
    },
    prompts: buildPrompts(root, sink, locate),
    tools: selected,
  };
  validateIR(api, sink, { strict: options.strict ?? false });
  return api;
}

function nameTools(
  built: readonly { op: OperationInput; tool: ToolIR }[],
  options: {
    prefix: string;
    previousNames?: ReadonlyMap<string, string>;
    sink: DiagnosticSink;
    locate: (pointer: string) => SourceRef;
  },
): ToolIR[] {
  const keyOf = (op: OperationInput) => `${op.method.toUpperCase()} ${op.path}`;
  const names = assignToolNames(
    built.map(({ op, tool }) => ({
      key: keyOf(op),
      method: op.method,
      path: op.path,
      operationId: tool.operationId,
      tags: readTags(op.operation),
      explicitName: op.xmcp.name,
    })),
    { prefix: options.prefix, ...(options.previousNames ? { previousNames: options.previousNames } : {}) },
  );
  const byKey = new Map(built.map(({ op }, index) => [keyOf(op), { op, name: names[index]! }]));
  const operationIds = new Map<string, number>();
  for (const { tool } of built) {
    if (tool.operationId !== undefined)
      operationIds.set(tool.operationId, (operationIds.get(tool.operationId) ?? 0) + 1);
  }
  const modules = deriveModuleNames(names.map((n) => n.name));
  return built.map(({ op, tool }, index) => {
    const assigned = names[index]!;
    if (assigned.origin === 'disambiguated') {
      reportDisambiguated(op, tool, assigned, {
        sharesOperationId: (operationIds.get(tool.operationId ?? '') ?? 0) > 1,
        describe: (key) => describeRival(key, byKey),
        ...options,
      });
    }
    const module = modules.get(assigned.name)!;
    return assigned.name === tool.name && module.exportName === tool.exportName
      ? tool
      : { ...tool, name: assigned.name, exportName: module.exportName, fileName: module.fileName };
  });
}

function reportDisambiguated(
  op: OperationInput,
  tool: ToolIR,
  assigned: AssignedName,
  context: {
    sharesOperationId: boolean;
    describe: (key: string) => string;
    sink: DiagnosticSink;
    locate: (pointer: string) => SourceRef;
  },
): void {
  const rivals = assigned.collidedWith ?? [];
  const shown = rivals.slice(0, 3).map(context.describe).join(', ');
  const more = rivals.length > 3 ? ` and ${rivals.length - 3} more` : '';
  const where = `${op.method.toUpperCase()} ${op.path}`;
  if (context.sharesOperationId) {
    context.sink.report({
      code: 'MCPGEN_DUPLICATE_OPERATION_ID',
      message: `operationId \`${tool.operationId}\` of ${where} is also the operationId of ${shown}${more}; this tool is named \`${assigned.name}\``,
      source: context.locate(`${op.pointer}/operationId`),
    });
    return;
  }
  context.sink.report({
    code: 'MCPGEN_TOOL_NAME_DISAMBIGUATED',
    message: `the tool name \`${assigned.base}\` of ${where} is also wanted by ${shown}${more}; this tool is named \`${assigned.name}\``,
    source: tool.source,
  });
}

function describeRival(
  key: string,
  byKey: ReadonlyMap<string, { op: OperationInput; name: AssignedName }>,
): string {
  const rival = byKey.get(key);
  if (rival?.name.origin === 'explicit') return `${key} (its x-mcp.name)`;
  if (rival?.name.origin === 'locked') return `${key} (its name in the previous manifest.json)`;
  return key;
}

function readTags(operation: Record<string, unknown>): string[] {
  return Array.isArray(operation['tags'])
    ? operation['tags'].filter((t): t is string => typeof t === 'string')
    : [];
}

/** Placeholders such as `VERSION` or `latest` (no digit at all) still serve; the server reports them as is. */
function readVersion(
  info: Record<string, unknown>,
  root: RootXMcp,
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): string {
  const raw = info['version'];
  // YAML reads `version: 1.0` as a number.
  const version = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  if (root.server.version === undefined && !/[0-9]/.test(version)) {
    sink.report({
      code: 'MCPGEN_VERSION_PLACEHOLDER',
      message: version
        ? `info.version ${JSON.stringify(version)} is not a version (no digit); the server reports it as is`
        : 'info.version is missing; the server reports version 0.0.0',
      source: locate('/info/version'),
    });
  }
  return version || '0.0.0';
}

function collectOperations(
  doc: Record<string, unknown>,
  spec: SpecInput,
  sink: DiagnosticSink,
): OperationInput[] {
  const paths = isObject(doc['paths']) ? doc['paths'] : {};
  const ops: OperationInput[] = [];
  for (const path of Object.keys(paths).sort()) {
    const itemPointer = `/paths/${escapePointer(path)}`;
    let item = paths[path];
    if (isObject(item) && typeof item['$ref'] === 'string') item = spec.resolveRef(item['$ref']);
    if (!isObject(item)) continue;
    const shared = readParameters(item['parameters'], `${itemPointer}/parameters`, spec);
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const pointer = `${itemPointer}/${method}`;
      const own = readParameters(operation['parameters'], `${pointer}/parameters`, spec);
      // Operation-level parameters override path-level ones with the same name and location.
      const key = (p: { value: Record<string, unknown> }) =>
        `${String(p.value['in'])}:${String(p.value['name'])}`;
      const ownKeys = new Set(own.map(key));
      const parameters = [...shared.filter((p) => !ownKeys.has(key(p))), ...own];
      let requestBody: OperationInput['requestBody'];
      let rb = operation['requestBody'];
      let rbPointer = `${pointer}/requestBody`;
      if (isObject(rb) && typeof rb['$ref'] === 'string') {
        rbPointer = rb['$ref'].slice(1);
        rb = spec.resolveRef(rb['$ref']);
      }
      if (isObject(rb)) requestBody = { value: rb, pointer: rbPointer };
      ops.push({
        method,
        path,
        operation,
        pointer,
        parameters,
        ...(requestBody ? { requestBody } : {}),
        xmcp: readOperationXMcp(operation['x-mcp'], `${pointer}/x-mcp`, sink, (p) => spec.locate(p)),
      });
    }
  }
  return ops;
}

function readParameters(
  raw: unknown,
  pointer: string,
  spec: SpecInput,
): { value: Record<string, unknown>; pointer: string }[] {
  if (!Array.isArray(raw)) return [];
  const out: { value: Record<string, unknown>; pointer: string }[] = [];
  raw.forEach((p, i) => {
    let value: unknown = p;
    let at = `${pointer}/${i}`;
    for (let depth = 0; depth < 8 && isObject(value) && typeof value['$ref'] === 'string'; depth++) {
      at = value['$ref'].startsWith('#') ? value['$ref'].slice(1) : at;
      value = spec.resolveRef(value['$ref']);
    }
    if (isObject(value)) out.push({ value, pointer: at });
  });
  return out;
}

function readServers(doc: Record<string, unknown>): string[] {
  if (!Array.isArray(doc['servers'])) return [];
  const urls: string[] = [];
  for (const server of doc['servers']) {
    if (!isObject(server) || typeof server['url'] !== 'string') continue;
    const variables = isObject(server['variables']) ? server['variables'] : {};
    const url = server['url'].replace(/\{([^}]+)\}/g, (whole, name: string) => {
      const v = variables[name];
      return isObject(v) && v['default'] !== undefined ? String(v['default']) : whole;
    });
    urls.push(url);
  }
  return urls;
}

function readSecuritySchemes(doc: Record<string, unknown>): SecuritySchemeIR[] {
  const components = isObject(doc['components']) ? doc['components'] : {};
  const schemes = isObject(components['securitySchemes']) ? components['securitySchemes'] : {};
  const out: SecuritySchemeIR[] = [];
  for (const name of Object.keys(schemes).sort()) {
    const s = schemes[name];
    if (!isObject(s) || typeof s['type'] !== 'string') continue;
    const type = s['type'] as SecuritySchemeIR['type'];
    if (!['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS'].includes(type)) continue;
    out.push({
      name,
      type,
      ...(s['in'] === 'header' || s['in'] === 'query' || s['in'] === 'cookie' ? { in: s['in'] } : {}),
      ...(typeof s['name'] === 'string' ? { paramName: s['name'] } : {}),
      ...(typeof s['scheme'] === 'string' ? { scheme: s['scheme'].toLowerCase() } : {}),
    });
  }
  return out;
}

function buildPrompts(
  root: RootXMcp,
  sink: DiagnosticSink,
  locate: (pointer: string) => SourceRef,
): PromptIR[] {
  const prompts: PromptIR[] = [];
  for (const { value, pointer } of root.prompts) {
    const source = locate(pointer);
    const name = value['name'];
    const template = value['template'];
    const description = value['description'];
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      sink.report({
        code: 'MCPGEN_PROMPT_INVALID',
        message: `prompt name ${JSON.stringify(name)} is invalid`,
        source,
      });
      continue;
    }
    if (typeof template !== 'string' || typeof description !== 'string') {
      sink.report({
        code: 'MCPGEN_PROMPT_INVALID',
        message: `prompt \`${name}\` needs a string description and template`,
        source,
      });
      continue;
    }
    try {
      loadHandlebars().precompile(template, { strict: false });
    } catch (error) {
      sink.report({
        code: 'MCPGEN_PROMPT_INVALID',
        message: `prompt \`${name}\`: template does not compile: ${(error as Error).message.split('\n')[0]}`,
        source: locate(`${pointer}/template`),
      });
      continue;
    }
    const args = Array.isArray(value['arguments']) ? value['arguments'] : [];
    prompts.push({
      name,
      ...(typeof value['title'] === 'string' ? { title: value['title'] } : {}),
      description: description.trim(),
      arguments: args
        .filter(isObject)
        .filter((a) => typeof a['name'] === 'string')
        .map((a) => ({
          name: a['name'] as string,
          ...(typeof a['description'] === 'string' ? { description: a['description'] } : {}),
          required: a['required'] === true,
        })),
      template,
      source,
    });
  }
  return prompts.sort((a, b) => a.name.localeCompare(b.name));
}

let handlebars: typeof import('handlebars') | undefined;
/** Loaded when an overlay declares prompts: most APIs have none, and it is a large module. */
function loadHandlebars(): typeof import('handlebars') {
  handlebars ??= createRequire(import.meta.url)('handlebars') as typeof import('handlebars');
  return handlebars;
}
