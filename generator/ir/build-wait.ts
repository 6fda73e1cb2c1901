/**
 * x-mcp `wait` on an operation: "start + poll" as one tool call that waits (docs/long-running.md).
 * Three pure steps, each where its inputs exist:
 * - readWaitDeclaration (from read-x-mcp.ts): the shape of the mapping and the syntax of its
 *   runtime expressions;
 * - buildWait (from build-tool-ir.ts, one operation): `$request...` expressions -> this tool's
 *   arguments, the `wait` / `wait_seconds` arguments added to the input schema;
 * - resolveWaits (from build-api-ir.ts, once every tool is named): `poll` -> the generated GET
 *   tool, and `arguments` checked against that tool's arguments.
 * Every diagnostic points at the node of the `wait` mapping that is wrong.
 */
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { rankCandidates } from '../load/rank-candidates.js';
import type { OperationInput } from './build-tool-ir.js';
import { escapePointer, isObject } from './json-schema.js';
import type { BodyIR, JsonSchema, ParamIR, ToolIR, WaitIR, WaitValueIR } from './types.js';

type Locate = (pointer: string) => SourceRef;

/** A runtime expression or literal as written, parsed but not yet tied to this tool's arguments. */
export type WaitExpression =
  | { readonly kind: 'response'; readonly pointer: string }
  | { readonly kind: 'parameter'; readonly in: 'path' | 'query' | 'header'; readonly name: string }
  | { readonly kind: 'body'; readonly pointer: string }
  | { readonly kind: 'argument'; readonly name: string }
  | { readonly kind: 'value'; readonly value: unknown };

/** `wait` with every field of the right type and every expression well-formed. */
export interface RawWait {
  readonly poll: string;
  readonly arguments: readonly {
    readonly name: string;
    readonly expression: WaitExpression;
    readonly pointer: string;
  }[];
  readonly status: string;
  readonly until: readonly string[];
  readonly progressMessage?: string;
  readonly intervalSeconds: number;
  readonly maxIntervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxTimeoutSeconds: number;
  readonly argument: string;
  readonly secondsArgument: string;
  readonly default: boolean;
  /** The `wait` mapping's pointer, e.g. `/paths/~1runs/post/x-mcp/wait`. */
  readonly pointer: string;
}

const WAIT_KEYS = new Set([
  'poll',
  'arguments',
  'status',
  'until',
  'progress',
  'intervalSeconds',
  'maxIntervalSeconds',
  'timeoutSeconds',
  'maxTimeoutSeconds',
  'argument',
  'secondsArgument',
  'default',
]);
const PROGRESS_KEYS = new Set(['message']);
export const DEFAULT_WAIT = {
  intervalSeconds: 1,
  maxIntervalSeconds: 10,
  // Below the 60 s request timeout of common clients (the TypeScript SDK's default), which a
  // progress notification resets only when the client opts in.
  timeoutSeconds: 50,
  maxTimeoutSeconds: 600,
  argument: 'wait',
  secondsArgument: 'wait_seconds',
} as const;
const ARGUMENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const EXAMPLE =
  '`wait: {poll: getRunStatus, arguments: {run_id: $response.body#/id}, status: $response.body#/status, until: [DONE, FAILED]}`';

/** The shape of `wait`; undefined (after reporting) when a field the runtime needs is unusable. */
export function readWaitDeclaration(
  raw: unknown,
  pointer: string,
  sink: DiagnosticSink,
  locate: Locate,
): RawWait | undefined {
  if (raw === undefined) return undefined;
  let usable = true;
  const invalid = (at: string, message: string, fix?: string) => {
    usable = false;
    sink.report({ code: 'MCPGEN_WAIT_INVALID', message, source: locate(at), ...(fix ? { fix } : {}) });
  };
  const badExpression = (at: string, message: string) => {
    usable = false;
    sink.report({ code: 'MCPGEN_WAIT_BAD_EXPRESSION', message, source: locate(at) });
  };
  if (!isObject(raw)) {
    invalid(pointer, `x-mcp.wait must be a mapping, found ${describe(raw)}`, `Write e.g. ${EXAMPLE}.`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!WAIT_KEYS.has(key)) {
      sink.report({
        code: 'MCPGEN_XMCP_UNKNOWN_KEY',
        message: `unknown key \`${key}\` in x-mcp.wait (known: ${[...WAIT_KEYS].sort().join(', ')})`,
        source: locate(`${pointer}/${escapePointer(key)}`),
      });
    }
  }

  const poll = raw['poll'];
  if (typeof poll !== 'string' || poll.trim() === '') {
    invalid(
      poll === undefined ? pointer : `${pointer}/poll`,
      poll === undefined
        ? 'x-mcp.wait has no `poll`'
        : `wait.poll must be an operationId, found ${describe(poll)}`,
      'Set `poll` to the operationId of the GET operation that returns the state, e.g. `poll: getExecutionStatus`.',
    );
  }

  const args: { name: string; expression: WaitExpression; pointer: string }[] = [];
  const rawArgs = raw['arguments'];
  if (rawArgs !== undefined && !isObject(rawArgs)) {
    invalid(
      `${pointer}/arguments`,
      `wait.arguments must be a mapping of the poll tool's arguments, found ${describe(rawArgs)}`,
      'Write e.g. `arguments: {execution_id: $response.body#/id, workspace_id: $request.path.workspaceId}`.',
    );
  } else if (rawArgs !== undefined) {
    for (const name of Object.keys(rawArgs).sort()) {
      const at = `${pointer}/arguments/${escapePointer(name)}`;
      const parsed = parseWaitExpression(rawArgs[name], ['request', 'response']);
      if (typeof parsed === 'string') badExpression(at, `wait.arguments.${name}: ${parsed}`);
      else args.push({ name, expression: parsed, pointer: at });
    }
  }

  const status = readResponsePointer(raw['status'], `${pointer}/status`, 'wait.status', {
    required: true,
    invalid,
    badExpression,
  });
  let progressMessage: string | undefined;
  const progress = raw['progress'];
  if (progress !== undefined) {
    if (!isObject(progress)) {
      invalid(
        `${pointer}/progress`,
        `wait.progress must be a mapping, found ${describe(progress)}`,
        'Write e.g. `progress: {message: $response.body#/currentStep}`.',
      );
    } else {
      for (const key of Object.keys(progress)) {
        if (!PROGRESS_KEYS.has(key)) {
          sink.report({
            code: 'MCPGEN_XMCP_UNKNOWN_KEY',
            message: `unknown key \`${key}\` in x-mcp.wait.progress (known: message)`,
            source: locate(`${pointer}/progress/${escapePointer(key)}`),
          });
        }
      }
      progressMessage = readResponsePointer(
        progress['message'],
        `${pointer}/progress/message`,
        'wait.progress.message',
        { required: false, invalid, badExpression },
      );
    }
  }

  const until: string[] = [];
  const rawUntil = raw['until'];
  if (rawUntil === undefined || (Array.isArray(rawUntil) && rawUntil.length === 0)) {
    usable = false;
    sink.report({
      code: 'MCPGEN_WAIT_EMPTY_UNTIL',
      message:
        rawUntil === undefined
          ? 'x-mcp.wait has no `until`: waiting would never end before its timeout'
          : 'wait.until is an empty list: waiting would never end before its timeout',
      source: locate(rawUntil === undefined ? pointer : `${pointer}/until`),
    });
  } else if (!Array.isArray(rawUntil)) {
    invalid(
      `${pointer}/until`,
      `wait.until must be a list of states, found ${describe(rawUntil)}`,
      'Write e.g. `until: [SUCCEEDED, FAILED, CANCELLED]`.',
    );
  } else {
    rawUntil.forEach((state, index) => {
      // YAML reads `until: [200, DONE]` or `[true]` as numbers and booleans; states compare as text.
      if (typeof state === 'string' || typeof state === 'number' || typeof state === 'boolean') {
        until.push(String(state));
      } else {
        invalid(
          `${pointer}/until/${index}`,
          `wait.until[${index}] must be a state, found ${describe(state)}`,
          'Write each state as the poll result spells it, e.g. `SUCCEEDED`.',
        );
      }
    });
  }

  const seconds = (key: string, fallback: number): number => {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    invalid(
      `${pointer}/${key}`,
      `wait.${key} must be a positive number of seconds, found ${describe(value)}`,
      `Set \`${key}\` to a number of seconds greater than 0 (default ${fallback}).`,
    );
    return fallback;
  };
  const intervalSeconds = seconds('intervalSeconds', DEFAULT_WAIT.intervalSeconds);
  const maxIntervalSeconds = seconds(
    'maxIntervalSeconds',
    Math.max(DEFAULT_WAIT.maxIntervalSeconds, intervalSeconds),
  );
  const timeoutSeconds = seconds('timeoutSeconds', DEFAULT_WAIT.timeoutSeconds);
  const maxTimeoutSeconds = seconds(
    'maxTimeoutSeconds',
    Math.max(DEFAULT_WAIT.maxTimeoutSeconds, timeoutSeconds),
  );
  if (maxIntervalSeconds < intervalSeconds) {
    invalid(
      `${pointer}/maxIntervalSeconds`,
      `wait.maxIntervalSeconds (${maxIntervalSeconds}) is below intervalSeconds (${intervalSeconds})`,
      'The interval grows from `intervalSeconds` up to `maxIntervalSeconds`: make the maximum at least the start.',
    );
  }
  if (maxTimeoutSeconds < timeoutSeconds) {
    invalid(
      `${pointer}/maxTimeoutSeconds`,
      `wait.maxTimeoutSeconds (${maxTimeoutSeconds}) is below timeoutSeconds (${timeoutSeconds})`,
      '`timeoutSeconds` is the default wait and `maxTimeoutSeconds` the most a call may ask for: make the maximum at least the default.',
    );
  }
  const name = (key: 'argument' | 'secondsArgument', fallback: string): string => {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (typeof value === 'string' && ARGUMENT_NAME.test(value)) return value;
    invalid(
      `${pointer}/${key}`,
      `wait.${key} must be an argument name matching ^[A-Za-z0-9_.-]{1,64}$, found ${describe(value)}`,
      `Set \`${key}\` to a name such as \`${fallback}\`.`,
    );
    return fallback;
  };
  const argument = name('argument', DEFAULT_WAIT.argument);
  const secondsArgument = name('secondsArgument', DEFAULT_WAIT.secondsArgument);
  if (argument === secondsArgument) {
    invalid(
      `${pointer}/secondsArgument`,
      `wait.argument and wait.secondsArgument are both \`${argument}\``,
      'Give the two arguments different names, e.g. `wait` and `wait_seconds`.',
    );
  }
  const rawDefault = raw['default'];
  if (rawDefault !== undefined && typeof rawDefault !== 'boolean') {
    invalid(
      `${pointer}/default`,
      `wait.default must be true or false, found ${describe(rawDefault)}`,
      'Set `default: true` to wait unless the call says `wait: false`; the default is false.',
    );
  }
  if (!usable || typeof poll !== 'string' || status === undefined) return undefined;
  return {
    poll: poll.trim(),
    arguments: args,
    status,
    until,
    ...(progressMessage !== undefined && { progressMessage }),
    intervalSeconds,
    maxIntervalSeconds,
    timeoutSeconds,
    maxTimeoutSeconds,
    argument,
    secondsArgument,
    default: rawDefault === true,
    pointer,
  };
}

/**
 * Parses an OpenAPI runtime expression (the subset that names a value of this call) or returns the
 * literal. A string result is the problem, for the message.
 */
export function parseWaitExpression(
  raw: unknown,
  allowed: readonly ('request' | 'response')[],
): WaitExpression | string {
  if (typeof raw !== 'string' || !raw.startsWith('$')) return { kind: 'value', value: raw };
  const response = /^\$response\.body(#.*)?$/.exec(raw);
  if (response) {
    if (!allowed.includes('response')) return `\`${raw}\` cannot be used here`;
    const pointer = readFragment(response[1]);
    return pointer === undefined ? `\`${raw}\`: ${FRAGMENT_RULE}` : { kind: 'response', pointer };
  }
  if (raw.startsWith('$request.')) {
    if (!allowed.includes('request'))
      return `\`${raw}\` names the start call's arguments; here only the poll result ($response.body#/...) is known`;
    const body = /^\$request\.body(#.*)?$/.exec(raw);
    if (body) {
      const pointer = readFragment(body[1]);
      return pointer === undefined ? `\`${raw}\`: ${FRAGMENT_RULE}` : { kind: 'body', pointer };
    }
    const parameter = /^\$request\.(path|query|header)\.(.+)$/.exec(raw);
    if (parameter) return { kind: 'parameter', in: parameter[1] as 'path', name: parameter[2]! };
    const argument = /^\$request\.([A-Za-z0-9_-]{1,64})$/.exec(raw);
    if (argument) return { kind: 'argument', name: argument[1]! };
  }
  return `\`${raw}\` is not a runtime expression spec2mcp knows (strings starting with \`$\` are expressions)`;
}

const FRAGMENT_RULE = 'after `#` comes a JSON pointer such as `/id` (RFC 6901: `~0` for `~`, `~1` for `/`)';

/** `#/a/b` -> `/a/b`, no fragment -> `` (the whole body); undefined when the pointer is malformed. */
function readFragment(fragment: string | undefined): string | undefined {
  if (fragment === undefined || fragment === '#') return '';
  const pointer = fragment.slice(1);
  return /^(\/([^~]|~[01])*)+$/.test(pointer) ? pointer : undefined;
}

function readResponsePointer(
  raw: unknown,
  at: string,
  what: string,
  options: {
    required: boolean;
    invalid: (at: string, message: string, fix?: string) => void;
    badExpression: (at: string, message: string) => void;
  },
): string | undefined {
  if (raw === undefined) {
    if (options.required) {
      options.invalid(
        at.slice(0, at.lastIndexOf('/')),
        `x-mcp.wait has no \`${at.slice(at.lastIndexOf('/') + 1)}\``,
        'Add `status: $response.body#/status` (where the state is in the poll result).',
      );
    }
    return undefined;
  }
  const parsed = parseWaitExpression(raw, ['response']);
  if (typeof parsed === 'string') {
    options.badExpression(at, `${what}: ${parsed}`);
    return undefined;
  }
  if (parsed.kind !== 'response') {
    options.badExpression(
      at,
      `${what} must be a runtime expression into the poll result such as \`$response.body#/status\`, found ${describe(raw)}`,
    );
    return undefined;
  }
  return parsed.pointer;
}

export interface BuildWaitInput {
  readonly raw: RawWait;
  readonly toolName: string;
  readonly params: readonly ParamIR[];
  readonly body?: BodyIR;
  readonly inputSchema: JsonSchema;
  readonly sink: DiagnosticSink;
  readonly locate: Locate;
}

/**
 * One operation's `wait` -> WaitIR (poll not yet resolved) and the input schema with the wait
 * arguments; undefined (after reporting) when an expression names nothing this tool has.
 */
export function buildWait(input: BuildWaitInput): { wait: WaitIR; inputSchema: JsonSchema } | undefined {
  const { raw, sink, locate } = input;
  const properties = readProperties(input.inputSchema);
  let usable = true;
  const values: Record<string, WaitValueIR> = {};
  for (const { name, expression, pointer } of raw.arguments) {
    const value = toWaitValue(expression, input);
    if (typeof value === 'string') {
      usable = false;
      sink.report({
        code: 'MCPGEN_WAIT_BAD_EXPRESSION',
        message: `wait.arguments.${name}: ${value}`,
        source: locate(pointer),
      });
    } else values[name] = value;
  }
  for (const [key, name] of [
    ['argument', raw.argument],
    ['secondsArgument', raw.secondsArgument],
  ] as const) {
    if (name in properties) {
      usable = false;
      sink.report({
        code: 'MCPGEN_WAIT_ARGUMENT_COLLISION',
        message: `${input.toolName} already has an argument \`${name}\`, which the wait ${key === 'argument' ? 'flag' : 'duration'} would replace`,
        fix: `Set \`wait.${key}\` to another name, e.g. \`${key === 'argument' ? 'wait_for_result' : 'wait_timeout_seconds'}\`.`,
        // The nearest written node: `wait.<key>` when set, else the `wait` mapping.
        source: locate(`${raw.pointer}/${key}`),
      });
    }
  }
  if (!usable || typeof input.inputSchema !== 'object') return undefined;
  const states = raw.until.join(', ');
  const added: Record<string, JsonSchema> = {
    [raw.argument]: {
      type: 'boolean',
      default: raw.default,
      description: `true: wait until it ends (${states}), reporting progress, and return its final state; at most ${raw.timeoutSeconds} s (see ${raw.secondsArgument}), after which you get its id and how to check on it. false: return at once.`,
    },
    [raw.secondsArgument]: {
      type: 'integer',
      minimum: 1,
      maximum: Math.floor(raw.maxTimeoutSeconds),
      description: `With ${raw.argument}: true, how many seconds to wait at most (default ${raw.timeoutSeconds}).`,
    },
  };
  const merged = { ...properties, ...added };
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((key) => [key, merged[key]]),
  );
  return {
    wait: {
      pollReference: raw.poll,
      arguments: values,
      status: raw.status,
      until: raw.until,
      ...(raw.progressMessage !== undefined && { progressMessage: raw.progressMessage }),
      intervalSeconds: raw.intervalSeconds,
      maxIntervalSeconds: raw.maxIntervalSeconds,
      timeoutSeconds: raw.timeoutSeconds,
      maxTimeoutSeconds: raw.maxTimeoutSeconds,
      argument: raw.argument,
      secondsArgument: raw.secondsArgument,
      default: raw.default,
      pointer: raw.pointer,
    },
    inputSchema: { ...input.inputSchema, properties: sorted },
  };
}

/** A `$request...` expression -> a pointer into this tool's arguments; a string is the problem. */
function toWaitValue(expression: WaitExpression, input: BuildWaitInput): WaitValueIR | string {
  const argumentsOf = Object.keys(readProperties(input.inputSchema)).sort();
  const known = () => (argumentsOf.length > 0 ? argumentsOf.map((a) => `\`${a}\``).join(', ') : 'none');
  switch (expression.kind) {
    case 'value':
      return { value: expression.value };
    case 'response':
      return { from: 'response', pointer: expression.pointer };
    case 'argument': {
      if (argumentsOf.includes(expression.name))
        return { from: 'arguments', pointer: `/${escapePointer(expression.name)}` };
      const near = rankCandidates(expression.name, argumentsOf);
      const guess =
        near.length > 0 ? ` Did you mean ${near.map((n) => `\`$request.${n}\``).join(' or ')}?` : '';
      return `\`$request.${expression.name}\` names no argument of ${input.toolName} (arguments: ${known()}).${guess}`;
    }
    case 'parameter': {
      const param = input.params.find(
        (p) => p.in === expression.in && p.name.toLowerCase() === expression.name.toLowerCase(),
      );
      if (param === undefined)
        return `\`$request.${expression.in}.${expression.name}\` names no ${expression.in} parameter of ${input.toolName}`;
      if (param.argument === undefined)
        return `\`$request.${expression.in}.${expression.name}\` is a hidden or tenant parameter with no argument; write its value instead`;
      return { from: 'arguments', pointer: `/${escapePointer(param.argument)}` };
    }
    case 'body': {
      const body = input.body;
      if (body === undefined) return `\`$request.body\`: ${input.toolName} sends no body`;
      if (body.mode === 'value' && body.argument !== undefined)
        return { from: 'arguments', pointer: `/${escapePointer(body.argument)}${expression.pointer}` };
      const [first = '', ...rest] = expression.pointer.split('/').slice(1);
      const property = first.replace(/~1/g, '/').replace(/~0/g, '~');
      const bound = body.properties?.find((p) => p.property === property && !p.hidden);
      if (bound === undefined)
        return `\`$request.body#${expression.pointer}\` names no body property of ${input.toolName} that is an argument`;
      return {
        from: 'arguments',
        pointer: [`/${escapePointer(bound.argument)}`, ...rest.map((segment) => `/${segment}`)].join(''),
      };
    }
  }
}

export interface WaitOperation {
  readonly op: OperationInput;
  /** Its generated, named tool; absent when the operation is excluded with `x-mcp: false`. */
  readonly tool?: ToolIR;
}

/**
 * Resolves `wait.poll` of every tool to the generated GET tool it names and checks `wait.arguments`
 * against that tool's arguments. Tools whose wait cannot be resolved lose it (the run fails anyway).
 * Returns `tools` in the same order, a tool with a wait replaced by one with `pollTool` set.
 * `operations` are all of them, excluded ones too, so a `poll` naming one can say so.
 */
export function resolveWaits(
  tools: readonly ToolIR[],
  operations: readonly WaitOperation[],
  sink: DiagnosticSink,
  locate: Locate,
): ToolIR[] {
  if (!tools.some((tool) => tool.wait !== undefined)) return [...tools];
  return tools.map((tool) => {
    if (tool.wait === undefined) return tool;
    const pollTool = resolvePoll(tool, tool.wait, operations, sink, locate);
    if (pollTool === undefined || !checkPollArguments(tool, tool.wait, pollTool, sink, locate)) {
      const { wait: _unresolved, ...rest } = tool;
      return rest;
    }
    return { ...tool, wait: { ...tool.wait, pollTool: pollTool.name } };
  });
}

function resolvePoll(
  tool: ToolIR,
  wait: WaitIR,
  operations: readonly WaitOperation[],
  sink: DiagnosticSink,
  locate: Locate,
): ToolIR | undefined {
  const reference = wait.pollReference;
  const source = locate(`${wait.pointer}/poll`);
  const matches = operations.filter(
    (o) => o.op.operation['operationId'] === reference || o.tool?.name === reference,
  );
  const best = matches.find((o) => o.op.method === 'get' && o.tool) ?? matches[0];
  const generatedGets = operations
    .filter((o) => o.op.method === 'get' && o.tool)
    .map((o) =>
      typeof o.op.operation['operationId'] === 'string' ? o.op.operation['operationId'] : o.tool!.name,
    )
    .sort();
  if (best === undefined) {
    const near = rankCandidates(reference, generatedGets);
    sink.report({
      code: 'MCPGEN_WAIT_UNKNOWN_POLL',
      message: `${tool.name}: wait.poll \`${reference}\` is neither an operationId nor a generated tool name`,
      fix:
        near.length > 0
          ? `Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? \`poll\` takes the operationId of the GET operation that returns the state.`
          : `Set \`poll\` to the operationId of the GET operation that returns the state${generatedGets.length > 0 ? ` (generated GET operations: ${generatedGets.slice(0, 12).join(', ')}${generatedGets.length > 12 ? ', ...' : ''})` : ''}.`,
      source,
    });
    return undefined;
  }
  const where = `${best.op.method.toUpperCase()} ${best.op.path}`;
  if (best.op.method !== 'get' || best.tool === undefined) {
    sink.report({
      code: 'MCPGEN_WAIT_POLL_UNUSABLE',
      message:
        best.op.method !== 'get'
          ? `${tool.name}: wait.poll \`${reference}\` is ${where}, not a GET; polling must only read`
          : `${tool.name}: wait.poll \`${reference}\` (${where}) is excluded with \`x-mcp: false\`, so it is no tool the runtime can call`,
      source,
    });
    return undefined;
  }
  return best.tool;
}

function checkPollArguments(
  tool: ToolIR,
  wait: WaitIR,
  pollTool: ToolIR,
  sink: DiagnosticSink,
  locate: Locate,
): boolean {
  const pollArguments = Object.keys(readProperties(pollTool.inputSchema)).sort();
  const required = readRequired(pollTool.inputSchema);
  let ok = true;
  for (const name of Object.keys(wait.arguments)) {
    if (pollArguments.includes(name)) continue;
    ok = false;
    const near = rankCandidates(name, pollArguments);
    sink.report({
      code: 'MCPGEN_WAIT_POLL_ARGUMENTS',
      message: `${tool.name}: wait.arguments.${name} is not an argument of ${pollTool.name} (its arguments: ${pollArguments.join(', ') || 'none'})`,
      fix: `${near.length > 0 ? `Did you mean \`${near[0]}\`? ` : ''}Name the poll tool's arguments as the model sends them (see catalog.md).`,
      source: locate(`${wait.pointer}/arguments/${escapePointer(name)}`),
    });
  }
  const missing = required.filter((name) => !(name in wait.arguments));
  if (missing.length > 0) {
    ok = false;
    sink.report({
      code: 'MCPGEN_WAIT_POLL_ARGUMENTS',
      message: `${tool.name}: wait.arguments gives no value for ${missing.map((m) => `\`${m}\``).join(', ')}, which ${pollTool.name} requires`,
      fix: `Add ${missing.map((m) => `\`${m}: <$response.body#/... | $request.<argument> | value>\``).join(', ')} to \`wait.arguments\`.`,
      source: locate(`${wait.pointer}${Object.keys(wait.arguments).length > 0 ? '/arguments' : ''}`),
    });
  }
  return ok;
}

function readProperties(schema: JsonSchema): Record<string, JsonSchema> {
  if (typeof schema !== 'object') return {};
  const properties = schema['properties'];
  return isObject(properties) ? (properties as Record<string, JsonSchema>) : {};
}

function readRequired(schema: JsonSchema): string[] {
  if (typeof schema !== 'object' || !Array.isArray(schema['required'])) return [];
  return schema['required'].filter((name): name is string => typeof name === 'string');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
