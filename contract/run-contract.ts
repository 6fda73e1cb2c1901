/**
 * `spec2mcp contract`: generates the spec in memory, serves it with the real runtime, and drives
 * every tool through the SDK v2 client (Streamable HTTP) against a recording, validating upstream
 * (contract/mock-upstream): a mock built from the document, or a proxy in front of a staging URL.
 * Per tool: a call with the required arguments, one with all, and (mock) one the upstream answers
 * with a documented error. Each checks the request the runtime sent, the response, and the tool
 * result (outputSchema on success, `isError` with the status on error).
 */
import { randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createDiagnosticSink, type Diagnostic } from '../generator/diagnostics/diagnostic.js';
import { generate } from '../generator/generate.js';
import { findForbiddenRequired } from '../generator/ir/json-schema.js';
import { loadSpec } from '../generator/load/load-spec.js';
import { buildServer } from '../runtime/build-server.js';
import type { ApiDefinition, ToolDefinition } from '../runtime/define-tool.js';
import { buildApiDefinition } from './build-api-definition.js';
import { findMedia } from './check-request.js';
import { createSchemaCompiler, type SchemaCompiler } from './compile-schemas.js';
import { pickErrorStatus } from './mock-upstream/build-mock-response.js';
import {
  type ContractUpstream,
  type Exchange,
  startContractUpstream,
} from './mock-upstream/start-contract-upstream.js';
import {
  type ContractOperation,
  type OperationIndex,
  operationKey,
  readOperations,
} from './read-operations.js';
import { isSchema, resolveLocalRef, sampleValue } from './sample-values.js';
import {
  type ArgumentSet,
  IDEMPOTENCY_ARGUMENT,
  REQUIRED_SET,
  synthesizeArguments,
} from './synthesize-arguments.js';

export interface ContractOptions {
  /** Spec folder (openapi.* + overlays/) or a single OpenAPI file. */
  readonly specPath: string;
  readonly cwd?: string;
  /** `mock` (default) or the base URL of a staging platform. */
  readonly upstream?: string;
  /** URL mode: check only read-only tools. */
  readonly readOnly?: boolean;
  /** URL mode: call write tools too (they change the platform's data). */
  readonly allowWrites?: boolean;
  /** Only these tools. */
  readonly tools?: readonly string[];
  /** Tools checked at once; default 4. */
  readonly concurrency?: number;
  /** URL mode: the service credential (SPEC2MCP_UPSTREAM_CREDENTIAL). */
  readonly upstreamCredential?: string;
  /** Called after each tool, for progress. */
  readonly onTool?: (result: ToolContractResult) => void;
}

export type Outcome = 'passed' | 'failed' | 'warning' | 'skipped';

export interface CaseResult {
  /** `required arguments`, `all arguments`, `documented error 404`. */
  readonly label: string;
  readonly outcome: Exclude<Outcome, 'skipped'>;
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  /** What happened, for the report: `POST /workflows -> 201`. */
  readonly exchanges: readonly string[];
}

export interface ToolContractResult {
  readonly tool: string;
  /** `GET /pets/{petId}`. */
  readonly operation: string;
  /** failed: a check failed; warning: some part could not be checked (see warnings); skipped: not called. */
  readonly outcome: Outcome;
  readonly cases: readonly CaseResult[];
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  readonly ms: number;
}

export interface ContractReport {
  readonly api: string;
  readonly specPath: string;
  /** `mock` or the staging URL. */
  readonly upstream: string;
  readonly tools: readonly ToolContractResult[];
  /** Problems not tied to one tool (requests to no operation, a tool missing from tools/list). */
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  /** Generation errors: nothing was checked. */
  readonly diagnostics: readonly Diagnostic[];
  readonly ms: number;
  readonly ok: boolean;
}

/** Bad options (unknown tool, write tools against a URL): the CLI exits 2. */
export class ContractUsageError extends Error {}

export async function runContract(options: ContractOptions): Promise<ContractReport> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const upstreamMode =
    options.upstream === undefined || options.upstream === 'mock' ? 'mock' : options.upstream;
  if (upstreamMode !== 'mock') checkUrl(upstreamMode);

  const generated = await generate({ specPath: options.specPath, cwd, dryRun: true });
  const errors = generated.diagnostics.filter((d) => d.severity === 'error');
  if (!generated.ok || generated.api === undefined) {
    return {
      api: generated.api?.id ?? options.specPath,
      specPath: options.specPath,
      upstream: upstreamMode,
      tools: [],
      failures: ['the spec does not generate (diagnostics above); nothing was checked'],
      warnings: [],
      diagnostics: errors,
      ms: performance.now() - started,
      ok: false,
    };
  }
  const api = buildApiDefinition(generated.api);
  const selected = selectTools(api, options, upstreamMode);
  const spec = await loadSpec({ path: options.specPath, cwd }, createDiagnosticSink({ strict: false }));
  if (spec === undefined) throw new Error(`${options.specPath} could not be read a second time`);
  const operations = readOperations(spec);
  const contradictions = readContradictions(generated.diagnostics, spec);
  const compiler = createSchemaCompiler(operations.sharedSchemas);

  const upstream = await startContractUpstream({
    operations,
    compiler,
    ...(upstreamMode !== 'mock' && { target: upstreamMode }),
  });
  const app = await buildServer({
    api,
    upstreamUrl: upstream.url,
    ...(options.upstreamCredential !== undefined && { upstreamCredential: options.upstreamCredential }),
    retryBackoffMs: 1,
    schemaCompiler: createFastAjv(),
    // A contract run calls every tool in a burst: the API's own rate limits would only get in the way.
    enforceRateLimits: false,
  });
  const results: ToolContractResult[] = [];
  const failures: string[] = [];
  let client: Client | undefined;
  try {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    client = await connectClient(`${address}${mcpPathFor(api, operations)}`);
    await client.listTools();
    const mcpUrl = `${address}${mcpPathFor(api, operations)}`;
    const listed = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool]));
    const base = {
      upstream,
      operations,
      compiler,
      mock: upstreamMode === 'mock',
      operationIds: new Map(
        generated.api.tools.flatMap((t) =>
          t.operationId === undefined ? [] : [[t.name, t.operationId] as const],
        ),
      ),
      inputDefinitions: operations.sharedSchemas.find((s) => s.$id === 'contract:input')?.$defs ?? {},
      contradictions,
    };
    const sessions = Array.from({ length: Math.max(1, options.concurrency ?? 4) }, () =>
      createClientSession(mcpUrl),
    );
    try {
      // Reads first, then writes, destructive ones last: against a real platform, a delete must not
      // remove what a read is about to look at.
      for (const phase of orderInPhases(selected.run)) {
        // Tools of one operation (paths told apart only by a #fragment) share its recorded requests
        // and planned answers: one worker runs them one after the other.
        const queue = groupByOperation(phase);
        const worker = async (session: ReturnType<typeof createClientSession>) => {
          const context: ToolContext = { ...base, call: session.call };
          for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
            for (const tool of group) {
              const listedTool = listed.get(tool.name);
              const result =
                listedTool === undefined
                  ? finishTool(tool, [], [`${tool.name} is not in tools/list`], [], performance.now())
                  : await checkTool(tool, listedTool, context);
              results.push(result);
              options.onTool?.(result);
            }
          }
        };
        await Promise.all(sessions.map(worker));
      }
    } finally {
      await Promise.all(sessions.map((session) => session.close()));
    }
    for (const exchange of upstream.takeUnmatched()) {
      failures.push(
        `${exchange.request.method} ${exchange.request.url}: ${exchange.requestProblems.join('; ')}`,
      );
    }
  } finally {
    await client?.close().catch(() => {});
    // Idle keep-alive sockets of the clients would hold close() until they time out.
    app.server.closeAllConnections();
    await app.close();
    await upstream.close();
  }
  for (const tool of selected.skipped) {
    results.push({
      ...finishTool(tool.tool, [], [], [], performance.now()),
      outcome: 'skipped',
      warnings: [tool.reason],
    });
  }
  results.sort((a, b) => (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0));
  // The document's own contradictions: what no request (or tool) can get right, said once per report.
  const warnings = [...new Set([...contradictions.values()].map((c) => `document: ${c.text}`))];
  return {
    api: api.id,
    specPath: options.specPath,
    upstream: upstreamMode,
    tools: results,
    failures,
    warnings,
    diagnostics: [],
    ms: performance.now() - started,
    ok: failures.length === 0 && results.every((r) => r.outcome !== 'failed'),
  };
}

function orderInPhases(tools: readonly ToolDefinition[]): ToolDefinition[][] {
  const reads = tools.filter((t) => t.annotations.readOnlyHint);
  const writes = tools.filter((t) => !t.annotations.readOnlyHint && !t.annotations.destructiveHint);
  const destructive = tools.filter((t) => !t.annotations.readOnlyHint && t.annotations.destructiveHint);
  return [reads, writes, destructive].filter((phase) => phase.length > 0);
}

function groupByOperation(tools: readonly ToolDefinition[]): ToolDefinition[][] {
  const groups = new Map<string, ToolDefinition[]>();
  for (const tool of tools) {
    const key = operationKey(tool.http.method, tool.http.path);
    groups.set(key, [...(groups.get(key) ?? []), tool]);
  }
  return [...groups.values()];
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ContractUsageError(
      `--upstream must be \`mock\` or an http(s) URL of a staging platform, not "${url}".`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ContractUsageError(`--upstream ${url}: only http and https URLs can be checked.`);
  }
}

interface SelectedTools {
  readonly run: readonly ToolDefinition[];
  readonly skipped: readonly { readonly tool: ToolDefinition; readonly reason: string }[];
}

function selectTools(api: ApiDefinition, options: ContractOptions, upstream: string): SelectedTools {
  let tools = [...api.tools];
  if (options.tools !== undefined && options.tools.length > 0) {
    const known = new Set(tools.map((t) => t.name));
    const unknown = options.tools.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new ContractUsageError(
        `--tools names ${unknown.map((n) => `\`${n}\``).join(', ')}, which ${api.id} does not have. Its tools: ${[...known].sort().join(', ')}.`,
      );
    }
    const wanted = new Set(options.tools);
    tools = tools.filter((t) => wanted.has(t.name));
  }
  if (upstream === 'mock') return { run: tools, skipped: [] };
  const writes = tools.filter((t) => !t.annotations.readOnlyHint);
  if (options.readOnly) {
    return {
      run: tools.filter((t) => t.annotations.readOnlyHint),
      skipped: writes.map((tool) => ({ tool, reason: 'not called: a write tool, and --read-only is set' })),
    };
  }
  if (writes.length > 0 && !options.allowWrites) {
    throw new ContractUsageError(
      `Refusing to call ${writes.length} write tool(s) (${writes
        .slice(0, 5)
        .map((t) => t.name)
        .join(', ')}${writes.length > 5 ? ', …' : ''}) against ${upstream}: they would change its data. ` +
        'Pass --read-only to check only the read-only tools, or --allow-writes if this platform is a disposable staging copy.',
    );
  }
  return { run: tools, skipped: [] };
}

/** `/mcp`, or `/{tenant}/mcp` for an API whose tenant is a path parameter (a made-up tenant value). */
function mcpPathFor(api: ApiDefinition, operations: OperationIndex): string {
  const name = api.access?.tenantPathParam;
  if (name === undefined) return '/mcp';
  const parameter = operations.operations
    .flatMap((op) => op.parameters)
    .find((p) => p.in === 'path' && p.name === name);
  const definitions = operations.sharedSchemas.find((s) => s.$id === 'contract:input')?.$defs ?? {};
  const value = parameter === undefined ? 'contract' : sampleValue(parameter.schema, { $defs: definitions });
  return `/${encodeURIComponent(String(value))}/mcp`;
}

/**
 * Ajv for the runtime's and the client's tool validators: unoptimized code with refs kept as calls
 * compiles several times faster on large APIs and accepts exactly the same values; unknown formats
 * (`int32`, `unix-time`) are annotations, not worth a warning per schema.
 */
function createFastAjv(allErrors = true): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors,
    validateSchema: false,
    logger: false,
    code: { optimize: false },
    inlineRefs: false,
  });
  addFormats.default(ajv);
  return ajv;
}

async function connectClient(url: string): Promise<Client> {
  const client = new Client(
    { name: 'spec2mcp-contract', version: '1.0.0' },
    {
      versionNegotiation: { mode: 'legacy' },
      jsonSchemaValidator: new AjvJsonSchemaValidator(createFastAjv()),
    },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

type CallTool = (
  tool: ListedTool,
  args: Record<string, unknown>,
) => Promise<{ isError?: boolean; content?: unknown; structuredContent?: unknown }>;

/** Calls made on one client before it is replaced: the SDK client keeps an abort listener per call. */
const CALLS_PER_CLIENT = 200;

/** One worker's client, connected on first use and replaced every CALLS_PER_CLIENT calls. */
function createClientSession(url: string): { call: CallTool; close(): Promise<void> } {
  let client: Client | undefined;
  let calls = 0;
  return {
    async call(tool, args) {
      if (client === undefined || calls >= CALLS_PER_CLIENT) {
        await client?.close().catch(() => {});
        client = await connectClient(url);
        calls = 0;
      }
      calls++;
      // The listed definition: the client validates the result against its outputSchema without a tools/list.
      return (await client.callTool(
        { name: tool.name, arguments: args },
        { toolDefinition: tool as never },
      )) as Awaited<ReturnType<CallTool>>;
    },
    close: async () => {
      await client?.close().catch(() => {});
    },
  };
}

interface ToolContext {
  readonly call: CallTool;
  /** Tool name -> the operationId it was generated from. */
  readonly operationIds: ReadonlyMap<string, string>;
  /** The normalized request-side components (`contract:input` `$defs`). */
  readonly inputDefinitions: Record<string, unknown>;
  readonly upstream: ContractUpstream;
  readonly operations: OperationIndex;
  readonly compiler: SchemaCompiler;
  readonly mock: boolean;
  /** Required property name -> the schema that requires and forbids it, and the document warning. */
  readonly contradictions: ReadonlyMap<string, Contradiction>;
}

/**
 * The generator's MCPGEN_UNSATISFIABLE_SCHEMA warnings, by the names each schema requires yet
 * forbids (read again from the schema the warning points at): a request the operation refuses for
 * lacking one of them is the document's fault, not the runtime's.
 */
interface Contradiction {
  readonly pointer: string;
  readonly text: string;
}

function readContradictions(
  diagnostics: readonly Diagnostic[],
  spec: { resolveRef(ref: string): unknown },
): Map<string, Contradiction> {
  const out = new Map<string, Contradiction>();
  for (const d of diagnostics) {
    if (d.code !== 'MCPGEN_UNSATISFIABLE_SCHEMA') continue;
    const text = `${d.source.file}:${d.source.line}:${d.source.column}  ${d.code}  ${d.source.pointer}: ${d.message}`;
    const pointer = d.source.pointer;
    for (const name of findForbiddenRequired(spec.resolveRef(`#${pointer}`)))
      out.set(name, { pointer, text });
  }
  return out;
}

interface ListedTool {
  readonly name: string;
  readonly inputSchema: unknown;
  readonly outputSchema?: unknown;
}

async function checkTool(
  tool: ToolDefinition,
  listed: ListedTool,
  context: ToolContext,
): Promise<ToolContractResult> {
  const started = performance.now();
  const key = operationKey(tool.http.method, tool.http.path);
  const operation =
    context.operations.operations.find(
      (op) => op.method === tool.http.method && op.path === tool.http.path,
    ) ?? context.operations.byKey(key);
  if (operation === undefined) {
    return finishTool(tool, [], [], [`${key} is not an operation of the document: not checked`], started);
  }
  const synthesized = synthesizeArguments(listed.inputSchema, context.compiler, {
    schemas: findArgumentSchemas(tool, operation, context.inputDefinitions),
    root: { $defs: context.inputDefinitions },
  });
  const cases: CaseResult[] = [];
  context.upstream.take(key);
  const found = operation;
  context.upstream.expect(key, found.path);
  try {
    return await callCases(found);
  } finally {
    context.upstream.expect(key, undefined);
  }

  async function callCases(operation: ContractOperation): Promise<ToolContractResult> {
    for (const set of synthesized.sets) {
      cases.push(await callCase({ tool, listed, operation, set, context, expect: undefined }));
    }
    const errorStatus = context.mock ? pickErrorStatus(operation) : undefined;
    // The fullest call: the most likely to conform, so a failure says something about the error mapping.
    const first = synthesized.sets.at(-1);
    if (errorStatus !== undefined && first !== undefined) {
      context.upstream.answerWith(key, errorStatus);
      try {
        cases.push(
          await callCase({
            tool,
            listed,
            operation,
            set: { label: `documented error ${errorStatus}`, args: first.args },
            context,
            expect: errorStatus,
          }),
        );
      } finally {
        context.upstream.answerWith(key, undefined);
      }
    }
    const warnings = [...synthesized.problems];
    return finishTool(tool, cases, [], warnings, started);
  }
}

/** Tool argument -> the operation's schema for what it fills (parameter, body property, whole body). */
function findArgumentSchemas(
  tool: ToolDefinition,
  operation: ContractOperation,
  definitions: Record<string, unknown>,
): Map<string, unknown> {
  const schemas = new Map<string, unknown>();
  for (const binding of tool.http.params) {
    const parameter = operation.parameters.find((p) => p.name === binding.name && p.in === binding.in);
    if (binding.argument !== undefined && parameter !== undefined)
      schemas.set(binding.argument, parameter.schema);
  }
  const body = tool.http.body;
  const media =
    body && operation.requestBody ? findMedia(operation.requestBody.content, body.mediaType) : undefined;
  if (body === undefined || media?.schema === undefined) return schemas;
  if (body.mode === 'value') {
    if (body.argument !== undefined) schemas.set(body.argument, media.schema);
    return schemas;
  }
  const root = { $defs: definitions };
  const resolved = resolveLocalRef(media.schema, root);
  const parts = [resolved, ...(Array.isArray(resolved?.['allOf']) ? resolved['allOf'] : [])].map((part) =>
    resolveLocalRef(part, root),
  );
  // A file argument is `{url}` or `{content_base64}` in the tool, bytes in the operation: kept as the tool says.
  const files = new Set(body.files ?? []);
  for (const property of body.properties ?? []) {
    if (files.has(property.property) || files.has(property.argument)) continue;
    const schema = parts
      .map((part) => (isSchema(part?.['properties']) ? part['properties'][property.property] : undefined))
      .find((found) => found !== undefined);
    if (schema !== undefined) schemas.set(property.argument, schema);
  }
  return schemas;
}

function finishTool(
  tool: ToolDefinition,
  cases: readonly CaseResult[],
  failures: readonly string[],
  warnings: readonly string[],
  started: number,
): ToolContractResult {
  const failed = failures.length > 0 || cases.some((c) => c.outcome === 'failed');
  const warned = warnings.length > 0 || cases.some((c) => c.outcome === 'warning') || cases.length === 0;
  return {
    tool: tool.name,
    operation: `${tool.http.method.toUpperCase()} ${tool.http.path}`,
    outcome: failed ? 'failed' : warned ? 'warning' : 'passed',
    cases,
    failures,
    warnings: cases.length === 0 && warnings.length === 0 ? ['no call could be made'] : warnings,
    ms: performance.now() - started,
  };
}

let callCounter = 0;
const REDACTED_MARK = '[REDACTED]';
const EMPTY_BODY_REFUSED = /^body \(root\) must NOT have fewer than \d+ properties$/;

async function callCase(input: {
  tool: ToolDefinition;
  listed: ListedTool;
  operation: ContractOperation;
  set: ArgumentSet;
  context: ToolContext;
  /** A status the mock answers with, which the tool must turn into `isError`; undefined: a success. */
  expect: number | undefined;
}): Promise<CaseResult> {
  const { tool, listed, operation, set, context } = input;
  const failures: string[] = [];
  const warnings: string[] = [];
  const args = { ...set.args };
  if (isSchema(listed.inputSchema) && isSchema(listed.inputSchema['properties'])) {
    if (IDEMPOTENCY_ARGUMENT in listed.inputSchema['properties']) {
      args[IDEMPOTENCY_ARGUMENT] = `contract-${++callCounter}-${randomUUID()}`;
    }
  }
  let result: { isError?: boolean; content?: unknown; structuredContent?: unknown } | undefined;
  try {
    result = await context.call(listed, args);
  } catch (error) {
    failures.push(`tools/call failed: ${(error as Error).message.slice(0, 500)}`);
  }
  const exchanges = context.upstream.take(operation.key);
  const text = readText(result?.content);
  const described = exchanges.map(describeExchange);
  const finish = (): CaseResult => ({
    label: set.label,
    outcome: failures.length > 0 ? 'failed' : warnings.length > 0 ? 'warning' : 'passed',
    failures,
    warnings,
    exchanges: described,
  });
  if (result === undefined) {
    if (
      tool.http.method === 'head' &&
      failures.some((f) => f.includes('did not return structured content'))
    ) {
      // HTTP gives a HEAD answer no body, so a HEAD tool with an outputSchema can never meet it.
      failures.length = 0;
      warnings.push(
        'not checked: a HEAD response has no body, so the outputSchema the tool declares cannot be met (a generator finding: HEAD tools should declare none)',
      );
    }
    return finish();
  }
  if (
    exchanges.length === 0 &&
    result.isError === true &&
    text.startsWith(`Invalid arguments for ${tool.name}`)
  ) {
    // Arguments valid against the listed inputSchema that the runtime still refuses: a generator/runtime
    // finding (the schema promises more than the binding can send), not something the API can be checked on.
    warnings.push(`not checked: the runtime refused arguments its own inputSchema accepts: ${clip(text)}`);
    return finish();
  }
  if (exchanges.length === 0) {
    failures.push(
      `no request reached ${operation.label}; the tool answered${result.isError ? ' isError' : ''}: ${clip(text)}`,
    );
    return finish();
  }
  for (const exchange of exchanges) {
    const request = `${exchange.request.method} ${exchange.request.url.slice(0, 200)}`;
    for (const problem of exchange.requestProblems) {
      // Body-level minProperties cannot be said by a flat input schema of optional body arguments.
      const missing = /must have property '([^']+)'$/.exec(problem)?.[1];
      const contradiction = missing === undefined ? undefined : context.contradictions.get(missing);
      if (contradiction !== undefined) {
        warnings.push(
          `document contradicts itself: ${contradiction.pointer} requires '${missing}' and forbids it (MCPGEN_UNSATISFIABLE_SCHEMA, in the report's document warnings); request ${request}: ${problem}`,
        );
      } else if (EMPTY_BODY_REFUSED.test(problem)) {
        warnings.push(
          `request ${request}: ${problem} (the tool's input schema does not carry the body's minProperties, so this call is allowed by the tool but not by the operation)`,
        );
      } else failures.push(`request ${request}: ${problem}`);
    }
    for (const problem of exchange.responseProblems) failures.push(`response to ${request}: ${problem}`);
    if (exchange.error !== undefined) failures.push(exchange.error);
    if (exchange.warning !== undefined) warnings.push(`not checked: ${exchange.warning}`);
  }
  const last = exchanges.at(-1)!;
  const status = last.response?.status;
  const answeredError = input.expect ?? (status !== undefined && status >= 400 ? status : undefined);
  if (answeredError !== undefined) {
    const refused =
      input.expect === undefined && (status === 400 || status === 422) && last.requestProblems.length === 0;
    if (refused && set.label === REQUIRED_SET) {
      // Only examples and required values: a platform that refuses this needs more than the document says.
      failures.push(
        `the platform refused a request that conforms to ${operation.label} (HTTP ${status}): ${clip(text)}`,
      );
    } else {
      if (refused) {
        // Made-up optional values (an opaque cursor, a graph with a self-loop) may be refused by rules a
        // schema cannot state; the error mapping is still checked.
        warnings.push(`the platform refused made-up optional values (HTTP ${status}): ${clip(text)}`);
      }
      checkErrorResult(result, text, answeredError, failures);
    }
    return finish();
  }
  // A body the mock could not make valid says nothing about the tool: its result is not judged.
  const judged = last.warning === undefined;
  const resultProblems: string[] = [];
  if (result.isError === true) resultProblems.push(`the tool answered isError: ${clip(text)}`);
  else if (listed.outputSchema !== undefined) {
    if (!isSchema(result.structuredContent)) {
      resultProblems.push('no structuredContent although the tool declares an outputSchema');
    } else {
      const checked = context.compiler.check(listed.outputSchema, result.structuredContent);
      if (checked.ok === false) {
        resultProblems.push(
          `structuredContent does not match the outputSchema: ${checked.errors.join('; ')}`,
        );
      } else if (checked.ok === 'unchecked') warnings.push(`outputSchema not checked: ${checked.reason}`);
    }
  }
  const content = Array.isArray(result.content) ? result.content : [];
  if (result.isError !== true && content.length === 0 && status !== 204)
    resultProblems.push('the result has no content');
  if (judged && result.isError === true && text.includes(REDACTED_MARK) && text.includes('output schema')) {
    // runtime/mcp/redact-response.ts replaces any non-object value under a secret-like key (a boolean
    // `secret` flag too), which can break the declared output schema: a runtime finding, not the API's.
    warnings.push(
      `the runtime's secret redaction turned a non-string field into "${REDACTED_MARK}", so the result no longer matches the outputSchema and came back as isError: ${clip(text)}`,
    );
    return finish();
  }
  (judged ? failures : warnings).push(...resultProblems);
  return finish();
}

/** The runtime's documented mapping (runtime/mcp/describe-upstream-error.ts): isError, the status, a readable text. */
function checkErrorResult(
  result: { isError?: boolean },
  text: string,
  status: number,
  failures: string[],
): void {
  if (result.isError !== true) {
    failures.push(`the platform answered HTTP ${status}, but the tool result is not isError: ${clip(text)}`);
    return;
  }
  if (!text.includes(`HTTP ${status}`)) {
    failures.push(`the isError text does not name the platform's HTTP ${status}: ${clip(text)}`);
  }
}

function describeExchange(exchange: Exchange): string {
  const status = exchange.response?.status ?? 'no answer';
  return `${exchange.request.method} ${exchange.request.url.slice(0, 160)} -> ${status}`;
}

function readText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => (isSchema(block) && typeof block['text'] === 'string' ? block['text'] : ''))
    .join('\n')
    .trim();
}

function clip(text: string): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length > 300 ? `${single.slice(0, 300)}…` : single;
}
