/**
 * Reads and checks the `x-mcp` extension (docs/x-mcp.md) at the document root and
 * on operations. Unknown keys are warnings (typos), wrong types are errors; both
 * point at the offending node.
 */
import type { DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import type { HintOverrides } from './annotations.js';
import { type RawWait, readWaitDeclaration } from './build-wait.js';
import { escapePointer, isObject } from './json-schema.js';
import type { IdempotencyMode } from './types.js';

export type Locate = (pointer: string) => SourceRef;

export interface ArgumentOverride {
  readonly name?: string;
  readonly description?: string;
  readonly hidden?: boolean;
  readonly value?: unknown;
  /** JSON Schema keywords merged into the argument's schema. */
  readonly schema: Readonly<Record<string, unknown>>;
}

export interface OperationXMcp {
  readonly excluded: boolean;
  readonly name?: string;
  readonly title?: string;
  readonly description?: string;
  readonly hints: HintOverrides;
  readonly scopes?: readonly string[];
  readonly idempotency?: IdempotencyMode;
  readonly arguments: Readonly<Record<string, ArgumentOverride>>;
  readonly response: {
    readonly redact?: readonly string[];
    readonly maxBytes?: number;
    readonly maxItems?: number;
  };
  readonly toolsets?: readonly string[];
  /** `wait`, shape-checked; build-wait.ts ties it to the tool and its poll operation. */
  readonly wait?: RawWait;
}

export interface RootXMcp {
  readonly server: { name?: string; title?: string; version?: string; instructions?: string };
  readonly naming: { prefix: string; arguments: 'preserve' | 'snake_case' };
  readonly hints: { openWorld: boolean };
  readonly scopes: {
    definitions: { name: string; description: string }[];
    read: string[];
    write: string[];
  };
  readonly upstream: {
    baseUrl?: string;
    auth?: { scheme: string };
    timeoutMs: number;
    retries: number;
    forwardIdempotencyKey: boolean;
  };
  readonly limits: { maxBytes: number; maxItems: number };
  readonly prompts: readonly RawPrompt[];
  /** Rules whose own fields are valid; tool names and keys are checked once tools are named. */
  readonly rateLimits: readonly RawRateLimit[];
  /** `whoami`, `tokens`, `tenancy` whose own values are valid; build-access.ts checks what they name. */
  readonly access: RawAccess;
  /** Runtime settings this generator passes through untouched (toolsets). */
  readonly extensions: Record<string, unknown>;
}

/**
 * The root `whoami`, `tokens` and `tenancy` keys, each field present only when it was written and
 * well-formed. Their pointers are fixed (`/x-mcp/whoami`, `/x-mcp/tenancy/list`, ...).
 */
export interface RawAccess {
  /** operationId of the GET that returns the signed-in user. */
  readonly whoami?: string;
  readonly tokenPrefix?: string;
  readonly allowQueryToken?: boolean;
  readonly tenancy: {
    readonly pathParam?: string;
    readonly argument?: string;
    /** operationId of the GET listing the tenants a user can grant. */
    readonly list?: string;
  };
}

/** One `x-mcp.rateLimits` rule, defaults applied. */
export interface RawRateLimit {
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly window: 'fixed' | 'sliding';
  readonly tools?: readonly string[];
  /** The rule's pointer, e.g. `/x-mcp/rateLimits/0`; its fields are below it. */
  readonly pointer: string;
}

export interface RawPrompt {
  readonly value: Record<string, unknown>;
  readonly pointer: string;
}

const ARGUMENT_SCHEMA_KEYS = [
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'enum',
  'pattern',
  'examples',
  'format',
];
const OPERATION_KEYS = new Set([
  'name',
  'title',
  'description',
  'hints',
  'scopes',
  'idempotency',
  'arguments',
  'response',
  'toolsets',
  'wait',
]);
const ROOT_KEYS = new Set([
  'server',
  'naming',
  'hints',
  'scopes',
  'upstream',
  'limits',
  'prompts',
  'whoami',
  'tokens',
  'tenancy',
  'rateLimits',
  'toolsets',
]);
const PASS_THROUGH_ROOT_KEYS = ['toolsets'];
const TOKENS_KEYS = new Set(['prefix', 'queryParameter']);
const TENANCY_KEYS = new Set(['pathParam', 'argument', 'list']);
/** What API tokens start with: short, lowercase, and `_` so a token reads as `capi_3f9a...`. */
export const TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}_$/;
const RATE_LIMIT_KEYS = new Set(['key', 'limit', 'windowSeconds', 'window', 'tools']);
const RATE_LIMIT_EXAMPLE = '`- {key: principal, limit: 600, windowSeconds: 60}`';

export const DEFAULT_MAX_BYTES = 900_000;
export const DEFAULT_MAX_ITEMS = 200;

class Reader {
  constructor(
    private readonly sink: DiagnosticSink,
    private readonly locate: Locate,
  ) {}

  invalid(pointer: string, message: string, fix?: string): void {
    this.sink.report({
      code: 'MCPGEN_XMCP_INVALID',
      message,
      source: this.locate(pointer),
      ...(fix ? { fix } : {}),
    });
  }

  unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, pointer: string): void {
    for (const key of Object.keys(value)) {
      if (!known.has(key)) {
        this.sink.report({
          code: 'MCPGEN_XMCP_UNKNOWN_KEY',
          message: `unknown key \`${key}\` in x-mcp (known: ${[...known].sort().join(', ')})`,
          source: this.locate(`${pointer}/${escapePointer(key)}`),
        });
      }
    }
  }

  string(value: unknown, pointer: string, what: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    this.invalid(pointer, `${what} must be a string, found ${describe(value)}`);
    return undefined;
  }

  boolean(value: unknown, pointer: string, what: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    this.invalid(pointer, `${what} must be true or false, found ${describe(value)}`);
    return undefined;
  }

  positiveInt(value: unknown, pointer: string, what: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
    this.invalid(pointer, `${what} must be a positive integer, found ${describe(value)}`);
    return undefined;
  }

  stringList(value: unknown, pointer: string, what: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
    this.invalid(pointer, `${what} must be a list of strings, found ${describe(value)}`);
    return undefined;
  }

  object(value: unknown, pointer: string, what: string): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (isObject(value)) return value;
    this.invalid(pointer, `${what} must be a mapping, found ${describe(value)}`);
    return undefined;
  }
}

export function readOperationXMcp(
  raw: unknown,
  pointer: string,
  sink: DiagnosticSink,
  locate: Locate,
): OperationXMcp {
  const empty: OperationXMcp = { excluded: false, hints: {}, arguments: {}, response: {} };
  if (raw === undefined || raw === true) return empty;
  if (raw === false) return { ...empty, excluded: true };
  const r = new Reader(sink, locate);
  if (!isObject(raw)) {
    r.invalid(pointer, `x-mcp on an operation must be a mapping or false, found ${describe(raw)}`);
    return empty;
  }
  r.unknownKeys(raw, OPERATION_KEYS, pointer);
  const hintsRaw = r.object(raw['hints'], `${pointer}/hints`, 'x-mcp.hints') ?? {};
  r.unknownKeys(
    hintsRaw,
    new Set(['readOnly', 'destructive', 'idempotent', 'openWorld']),
    `${pointer}/hints`,
  );
  const hints: HintOverrides = {
    ...optional('readOnly', r.boolean(hintsRaw['readOnly'], `${pointer}/hints/readOnly`, 'hints.readOnly')),
    ...optional(
      'destructive',
      r.boolean(hintsRaw['destructive'], `${pointer}/hints/destructive`, 'hints.destructive'),
    ),
    ...optional(
      'idempotent',
      r.boolean(hintsRaw['idempotent'], `${pointer}/hints/idempotent`, 'hints.idempotent'),
    ),
    ...optional(
      'openWorld',
      r.boolean(hintsRaw['openWorld'], `${pointer}/hints/openWorld`, 'hints.openWorld'),
    ),
  };
  let idempotency: IdempotencyMode | undefined;
  if (raw['idempotency'] !== undefined) {
    if (
      raw['idempotency'] === 'required' ||
      raw['idempotency'] === 'optional' ||
      raw['idempotency'] === 'none'
    ) {
      idempotency = raw['idempotency'];
    } else {
      r.invalid(
        `${pointer}/idempotency`,
        `x-mcp.idempotency must be required, optional or none, found ${describe(raw['idempotency'])}`,
      );
    }
  }
  const argsRaw = r.object(raw['arguments'], `${pointer}/arguments`, 'x-mcp.arguments') ?? {};
  const args: Record<string, ArgumentOverride> = {};
  for (const [key, value] of Object.entries(argsRaw)) {
    const at = `${pointer}/arguments/${escapePointer(key)}`;
    const obj = r.object(value, at, `x-mcp.arguments.${key}`);
    if (!obj) continue;
    r.unknownKeys(obj, new Set(['name', 'description', 'hidden', 'value', ...ARGUMENT_SCHEMA_KEYS]), at);
    const schema: Record<string, unknown> = {};
    for (const k of ARGUMENT_SCHEMA_KEYS) if (obj[k] !== undefined) schema[k] = obj[k];
    const hidden = r.boolean(obj['hidden'], `${at}/hidden`, 'hidden');
    if (hidden && !('value' in obj) && !('default' in obj)) {
      r.invalid(
        at,
        `hidden argument \`${key}\` needs a \`value\` to send`,
        'Add `value: <fixed value>` next to `hidden: true`.',
      );
    }
    args[key] = {
      ...optional('name', r.string(obj['name'], `${at}/name`, 'name')),
      ...optional('description', r.string(obj['description'], `${at}/description`, 'description')),
      ...optional('hidden', hidden),
      ...('value' in obj ? { value: obj['value'] } : {}),
      schema,
    };
  }
  const responseRaw = r.object(raw['response'], `${pointer}/response`, 'x-mcp.response') ?? {};
  r.unknownKeys(responseRaw, new Set(['redact', 'maxBytes', 'maxItems']), `${pointer}/response`);
  return {
    excluded: false,
    ...optional('name', r.string(raw['name'], `${pointer}/name`, 'x-mcp.name')),
    ...optional('title', r.string(raw['title'], `${pointer}/title`, 'x-mcp.title')),
    ...optional('description', r.string(raw['description'], `${pointer}/description`, 'x-mcp.description')),
    hints,
    ...optional('scopes', r.stringList(raw['scopes'], `${pointer}/scopes`, 'x-mcp.scopes')),
    ...optional('idempotency', idempotency),
    arguments: args,
    response: {
      ...optional(
        'redact',
        r.stringList(responseRaw['redact'], `${pointer}/response/redact`, 'response.redact'),
      ),
      ...optional(
        'maxBytes',
        r.positiveInt(responseRaw['maxBytes'], `${pointer}/response/maxBytes`, 'response.maxBytes'),
      ),
      ...optional(
        'maxItems',
        r.positiveInt(responseRaw['maxItems'], `${pointer}/response/maxItems`, 'response.maxItems'),
      ),
    },
    ...optional('toolsets', r.stringList(raw['toolsets'], `${pointer}/toolsets`, 'x-mcp.toolsets')),
    ...optional('wait', readWaitDeclaration(raw['wait'], `${pointer}/wait`, sink, locate)),
  };
}

export function readRootXMcp(raw: unknown, sink: DiagnosticSink, locate: Locate): RootXMcp {
  const pointer = '/x-mcp';
  const r = new Reader(sink, locate);
  const root = raw === undefined ? {} : (r.object(raw, pointer, 'x-mcp') ?? {});
  r.unknownKeys(root, ROOT_KEYS, pointer);

  const server = r.object(root['server'], `${pointer}/server`, 'x-mcp.server') ?? {};
  r.unknownKeys(server, new Set(['name', 'title', 'version', 'instructions']), `${pointer}/server`);
  const naming = r.object(root['naming'], `${pointer}/naming`, 'x-mcp.naming') ?? {};
  r.unknownKeys(naming, new Set(['prefix', 'arguments']), `${pointer}/naming`);
  let argumentStyle: 'preserve' | 'snake_case' = 'preserve';
  if (naming['arguments'] !== undefined) {
    if (naming['arguments'] === 'preserve' || naming['arguments'] === 'snake_case')
      argumentStyle = naming['arguments'];
    else r.invalid(`${pointer}/naming/arguments`, 'x-mcp.naming.arguments must be preserve or snake_case');
  }
  const prefix = r.string(naming['prefix'], `${pointer}/naming/prefix`, 'naming.prefix') ?? '';
  if (prefix && !/^[A-Za-z0-9_.-]{1,20}$/.test(prefix)) {
    r.invalid(`${pointer}/naming/prefix`, `naming.prefix \`${prefix}\` must match ^[A-Za-z0-9_.-]{1,20}$`);
  }
  const hints = r.object(root['hints'], `${pointer}/hints`, 'x-mcp.hints') ?? {};
  const scopes = r.object(root['scopes'], `${pointer}/scopes`, 'x-mcp.scopes') ?? {};
  r.unknownKeys(scopes, new Set(['definitions', 'defaults']), `${pointer}/scopes`);
  const definitions =
    r.object(scopes['definitions'], `${pointer}/scopes/definitions`, 'scopes.definitions') ?? {};
  const defaults = r.object(scopes['defaults'], `${pointer}/scopes/defaults`, 'scopes.defaults') ?? {};
  const upstream = r.object(root['upstream'], `${pointer}/upstream`, 'x-mcp.upstream') ?? {};
  r.unknownKeys(
    upstream,
    new Set(['baseUrl', 'auth', 'timeoutMs', 'retries', 'forwardIdempotencyKey']),
    `${pointer}/upstream`,
  );
  const auth = r.object(upstream['auth'], `${pointer}/upstream/auth`, 'upstream.auth');
  const authScheme = auth
    ? r.string(auth['scheme'], `${pointer}/upstream/auth/scheme`, 'upstream.auth.scheme')
    : undefined;
  const limits = r.object(root['limits'], `${pointer}/limits`, 'x-mcp.limits') ?? {};
  const retries = upstream['retries'];
  if (retries !== undefined && !(typeof retries === 'number' && Number.isInteger(retries) && retries >= 0)) {
    r.invalid(`${pointer}/upstream/retries`, 'upstream.retries must be an integer >= 0');
  }
  const promptsRaw = root['prompts'];
  const prompts: RawPrompt[] = [];
  if (promptsRaw !== undefined) {
    if (!Array.isArray(promptsRaw)) r.invalid(`${pointer}/prompts`, 'x-mcp.prompts must be a list');
    else
      promptsRaw.forEach((p, i) => {
        const at = `${pointer}/prompts/${i}`;
        const obj = r.object(p, at, 'a prompt');
        if (obj) prompts.push({ value: obj, pointer: at });
      });
  }
  const rateLimits = readRateLimits(root['rateLimits'], `${pointer}/rateLimits`, r);
  const access = readAccess(root, pointer, r);
  const extensions: Record<string, unknown> = {};
  for (const key of PASS_THROUGH_ROOT_KEYS) if (root[key] !== undefined) extensions[key] = root[key];

  return {
    server: {
      ...optional('name', r.string(server['name'], `${pointer}/server/name`, 'server.name')),
      ...optional('title', r.string(server['title'], `${pointer}/server/title`, 'server.title')),
      ...optional('version', r.string(server['version'], `${pointer}/server/version`, 'server.version')),
      ...optional(
        'instructions',
        r.string(server['instructions'], `${pointer}/server/instructions`, 'server.instructions'),
      ),
    },
    naming: { prefix, arguments: argumentStyle },
    hints: {
      openWorld: r.boolean(hints['openWorld'], `${pointer}/hints/openWorld`, 'hints.openWorld') ?? false,
    },
    scopes: {
      definitions: Object.entries(definitions)
        .map(([name, description]) => ({
          name,
          description: typeof description === 'string' ? description : '',
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      read: r.stringList(defaults['read'], `${pointer}/scopes/defaults/read`, 'scopes.defaults.read') ?? [
        'mcp:read',
      ],
      write: r.stringList(defaults['write'], `${pointer}/scopes/defaults/write`, 'scopes.defaults.write') ?? [
        'mcp:write',
      ],
    },
    upstream: {
      ...optional(
        'baseUrl',
        r.string(upstream['baseUrl'], `${pointer}/upstream/baseUrl`, 'upstream.baseUrl'),
      ),
      ...(authScheme ? { auth: { scheme: authScheme } } : {}),
      timeoutMs:
        r.positiveInt(upstream['timeoutMs'], `${pointer}/upstream/timeoutMs`, 'upstream.timeoutMs') ?? 30_000,
      retries: typeof retries === 'number' && Number.isInteger(retries) && retries >= 0 ? retries : 2,
      forwardIdempotencyKey:
        r.boolean(
          upstream['forwardIdempotencyKey'],
          `${pointer}/upstream/forwardIdempotencyKey`,
          'upstream.forwardIdempotencyKey',
        ) ?? false,
    },
    limits: {
      maxBytes:
        r.positiveInt(limits['maxBytes'], `${pointer}/limits/maxBytes`, 'limits.maxBytes') ??
        DEFAULT_MAX_BYTES,
      maxItems:
        r.positiveInt(limits['maxItems'], `${pointer}/limits/maxItems`, 'limits.maxItems') ??
        DEFAULT_MAX_ITEMS,
    },
    prompts,
    rateLimits,
    access,
    extensions,
  };
}

/**
 * `whoami`, `tokens` and `tenancy`: the shape of each value. What they name (operations, path
 * parameters, arguments) is checked by build-access.ts once the tools are built and named.
 */
function readAccess(root: Record<string, unknown>, pointer: string, r: Reader): RawAccess {
  const name = (value: unknown, at: string, what: string, fix: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value;
    r.invalid(at, `${what} must be a non-empty string, found ${describe(value)}`, fix);
    return undefined;
  };
  const whoami = name(
    root['whoami'],
    `${pointer}/whoami`,
    'x-mcp.whoami',
    'Set `whoami` to the operationId of the GET operation that returns the signed-in user, e.g. `whoami: getCurrentUser`.',
  );

  let tokenPrefix: string | undefined;
  let allowQueryToken: boolean | undefined;
  const tokens = root['tokens'];
  if (tokens !== undefined) {
    if (!isObject(tokens)) {
      r.invalid(
        `${pointer}/tokens`,
        `x-mcp.tokens must be a mapping, found ${describe(tokens)}`,
        'Write `tokens: {prefix: capi_}` (and `queryParameter: true` to accept `?token=`).',
      );
    } else {
      r.unknownKeys(tokens, TOKENS_KEYS, `${pointer}/tokens`);
      const prefix = tokens['prefix'];
      if (typeof prefix === 'string' && TOKEN_PREFIX_PATTERN.test(prefix)) tokenPrefix = prefix;
      else if (prefix !== undefined) {
        r.invalid(
          `${pointer}/tokens/prefix`,
          `tokens.prefix must be 2 to 16 lowercase letters or digits, starting with a letter, then \`_\`; found ${describe(prefix)}`,
          fixForTokenPrefix(prefix),
        );
      }
      const query = tokens['queryParameter'];
      if (typeof query === 'boolean') allowQueryToken = query;
      else if (query !== undefined) {
        r.invalid(
          `${pointer}/tokens/queryParameter`,
          `tokens.queryParameter must be true or false, found ${describe(query)}`,
          'Set `queryParameter: true` to accept `?token=` from old SSE clients, or remove it (default false).',
        );
      }
    }
  }

  let tenancy: RawAccess['tenancy'] = {};
  const rawTenancy = root['tenancy'];
  if (rawTenancy !== undefined) {
    if (!isObject(rawTenancy)) {
      r.invalid(
        `${pointer}/tenancy`,
        `x-mcp.tenancy must be a mapping, found ${describe(rawTenancy)}`,
        'Write e.g. `tenancy: {argument: workspace_id, list: listWorkspaces}` or `tenancy: {pathParam: account_id}`.',
      );
    } else {
      const at = `${pointer}/tenancy`;
      r.unknownKeys(rawTenancy, TENANCY_KEYS, at);
      const pathParam = name(
        rawTenancy['pathParam'],
        `${at}/pathParam`,
        'tenancy.pathParam',
        'Set `pathParam` to the name of a path parameter, e.g. `pathParam: account_id` for `/accounts/{account_id}/...`.',
      );
      const argument = name(
        rawTenancy['argument'],
        `${at}/argument`,
        'tenancy.argument',
        'Set `argument` to the tool argument that names the tenant, e.g. `argument: workspace_id`.',
      );
      const list = name(
        rawTenancy['list'],
        `${at}/list`,
        'tenancy.list',
        'Set `list` to the operationId of the GET operation that lists the tenants, e.g. `list: listWorkspaces`.',
      );
      tenancy = {
        ...optional('pathParam', pathParam),
        ...optional('argument', argument),
        ...optional('list', list),
      };
    }
  }
  return {
    ...optional('whoami', whoami),
    ...optional('tokenPrefix', tokenPrefix),
    ...optional('allowQueryToken', allowQueryToken),
    tenancy,
  };
}

/** Suggests the prefix the author probably meant (`CAPI` -> `capi_`) when fixing case and `_` gives one. */
function fixForTokenPrefix(prefix: unknown): string {
  const base =
    'Write a prefix such as `capi_`: a lowercase letter, 1 to 15 lowercase letters or digits, then `_`.';
  if (typeof prefix !== 'string') return base;
  const guess = `${prefix.toLowerCase().replace(/[-_]+$/, '')}_`;
  return TOKEN_PREFIX_PATTERN.test(guess) ? `Did you mean \`${guess}\`? ${base}` : base;
}

/**
 * The shape of each rule; a rule with any invalid field is left out (the run fails anyway),
 * so the checks after naming see only well-formed rules.
 */
function readRateLimits(raw: unknown, pointer: string, r: Reader): RawRateLimit[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    r.invalid(
      pointer,
      `x-mcp.rateLimits must be a list of rules, found ${describe(raw)}`,
      `Write one list item per rule, e.g. ${RATE_LIMIT_EXAMPLE}.`,
    );
    return [];
  }
  const rules: RawRateLimit[] = [];
  raw.forEach((item, index) => {
    const at = `${pointer}/${index}`;
    const what = `x-mcp.rateLimits[${index}]`;
    if (!isObject(item)) {
      r.invalid(
        at,
        `${what} must be a mapping, found ${describe(item)}`,
        `Write the rule as a mapping, e.g. ${RATE_LIMIT_EXAMPLE}.`,
      );
      return;
    }
    r.unknownKeys(item, RATE_LIMIT_KEYS, at);
    let valid = true;
    const fail = (where: string, message: string, fix: string) => {
      valid = false;
      r.invalid(where, `${what}: ${message}`, fix);
    };

    const key = item['key'];
    if (key === undefined) {
      fail(at, 'the rule has no `key`', 'Add `key: principal` (per caller) or `key: <argument name>`.');
    } else if (typeof key !== 'string' || key.trim() === '') {
      fail(
        `${at}/key`,
        `key must be a non-empty string, found ${describe(key)}`,
        'Set `key` to `principal` (per caller) or to the name of a tool argument such as `workspace_id`.',
      );
    }
    const positive = (field: 'limit' | 'windowSeconds', meaning: string): number | undefined => {
      const value = item[field];
      if (value === undefined) {
        fail(at, `the rule has no \`${field}\``, `Add \`${field}: <${meaning}>\`, a positive integer.`);
        return undefined;
      }
      if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
      fail(
        `${at}/${field}`,
        `${field} must be a positive integer, found ${describe(value)}`,
        `Set \`${field}\` to a whole number of ${meaning} of at least 1.`,
      );
      return undefined;
    };
    const limit = positive('limit', 'calls per window');
    const windowSeconds = positive('windowSeconds', 'seconds');

    let window: 'fixed' | 'sliding' = 'fixed';
    const rawWindow = item['window'];
    if (rawWindow === 'fixed' || rawWindow === 'sliding') window = rawWindow;
    else if (rawWindow !== undefined) {
      fail(
        `${at}/window`,
        `window must be fixed or sliding, found ${describe(rawWindow)}`,
        'Set `window: fixed` (the default) or `window: sliding`.',
      );
    }

    let tools: string[] | undefined;
    const rawTools = item['tools'];
    if (rawTools !== undefined) {
      if (!Array.isArray(rawTools)) {
        fail(
          `${at}/tools`,
          `tools must be a list of tool names, found ${describe(rawTools)}`,
          'Write `tools: [tool_a, tool_b]`, or remove `tools` to apply the rule to every tool.',
        );
      } else if (rawTools.length === 0) {
        // An empty list would apply the rule to no tool at all: surely not what was meant.
        fail(
          `${at}/tools`,
          'tools is an empty list, so the rule would apply to no tool',
          'Name at least one tool, or remove `tools` to apply the rule to every tool.',
        );
      } else {
        rawTools.forEach((name, i) => {
          if (typeof name !== 'string' || name === '') {
            fail(
              `${at}/tools/${i}`,
              `tools[${i}] must be a tool name, found ${describe(name)}`,
              'Write the name of a generated tool (see catalog.md), e.g. `list_workflows`.',
            );
          }
        });
        tools = rawTools.filter((name): name is string => typeof name === 'string');
      }
    }
    if (!valid || typeof key !== 'string' || limit === undefined || windowSeconds === undefined) return;
    rules.push({ key, limit, windowSeconds, window, ...(tools ? { tools } : {}), pointer: at });
  });
  return rules;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
