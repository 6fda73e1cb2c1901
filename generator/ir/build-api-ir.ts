/**
 * The loaded document -> ApiIR: every operation that is not excluded becomes a
 * tool; root x-mcp becomes settings and prompts. Pure: no disk, no clock.
 */
import Handlebars from 'handlebars';
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { buildToolIR, type OperationInput } from './build-tool-ir.js';
import { escapePointer, isObject } from './json-schema.js';
import { toSnakeCase } from './naming.js';
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
  const version = typeof info['version'] === 'string' ? info['version'] : '0.0.0';

  const tools: ToolIR[] = [];
  for (const op of collectOperations(doc, spec, sink)) {
    if (op.xmcp.excluded) continue;
    const build = () =>
      buildToolIR(op, { root, dialect, resolveRef: (r) => spec.resolveRef(r), sink, locate });
    tools.push(options.memoizeTool ? options.memoizeTool(op, build) : build());
  }
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
      extensions: root.extensions,
    },
    prompts: buildPrompts(root, sink, locate),
    tools: selected,
  };
  validateIR(api, sink);
  return api;
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
      Handlebars.precompile(template, { strict: false });
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
