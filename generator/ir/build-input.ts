/**
 * Parameters and request body -> one flat tool input schema plus the HTTP binding
 * that maps each argument back to its place in the request. Flat arguments are what
 * models fill in best; the binding keeps the mapping exact.
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { convertSchema, createSchemaContext, escapePointer, isObject, withDefs } from './json-schema.js';
import { deriveArgumentName } from './naming.js';
import type { ArgumentOverride, Locate, OperationXMcp } from './read-x-mcp.js';
import type {
  BodyIR,
  HttpMethod,
  IdempotencyMode,
  JsonSchema,
  ParamIR,
  ParamLocation,
  ParamStyle,
} from './types.js';

export interface RawParameter {
  readonly value: Record<string, unknown>;
  readonly pointer: string;
}

export interface BuildInputArgs {
  readonly toolName: string;
  readonly method: HttpMethod;
  readonly parameters: readonly RawParameter[];
  readonly requestBody?: { readonly value: Record<string, unknown>; readonly pointer: string };
  readonly xmcp: OperationXMcp;
  readonly operationPointer: string;
  readonly idempotency: IdempotencyMode;
  readonly dialect: '3.0' | '3.1';
  readonly argumentStyle: 'preserve' | 'snake_case';
  readonly resolveRef: (ref: string) => unknown;
  readonly sink: DiagnosticSink;
  readonly locate: Locate;
}

export interface BuiltInput {
  readonly params: ParamIR[];
  readonly body?: BodyIR;
  readonly inputSchema: JsonSchema;
}

export const IDEMPOTENCY_ARGUMENT = 'idempotency_key';

const LOCATION_ORDER: Record<ParamLocation, number> = { path: 0, query: 1, header: 2, cookie: 3 };
/** Headers OpenAPI says to ignore as parameters: the runtime owns them. */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const BODY_MEDIA_PREFERENCE = [
  /^application\/json$/,
  /^application\/[^;]*\+json$/,
  /^application\/x-www-form-urlencoded$/,
  /^multipart\/form-data$/,
  /^text\/plain$/,
  /^application\/octet-stream$/,
  /^\*\/\*$/,
];

interface ArgumentSlot {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export function buildInput(args: BuildInputArgs): BuiltInput {
  const { sink, locate } = args;
  const defs = new Map<string, JsonSchema>();
  const ctx = createSchemaContext({
    dialect: args.dialect,
    mode: 'input',
    resolveRef: args.resolveRef,
    defs,
    onTooDeep: (pointer) =>
      sink.report({
        code: 'MCPGEN_SCHEMA_TOO_DEEP',
        message: `schema nesting deeper than 64 levels`,
        source: locate(pointer || args.operationPointer),
      }),
  });
  const slots: ArgumentSlot[] = [];
  const taken = new Set<string>();
  const usedOverrides = new Set<string>();
  const claim = (wanted: string, location: string): string => {
    // Deterministic collision rule: earlier locations keep the name, later ones get a location prefix.
    let name = wanted;
    if (taken.has(name)) name = `${location}_${wanted}`;
    for (let i = 2; taken.has(name); i++) name = `${location}_${wanted}_${i}`;
    taken.add(name);
    return name;
  };
  const overrideFor = (key: string): ArgumentOverride | undefined => {
    const o = args.xmcp.arguments[key];
    if (o) usedOverrides.add(key);
    return o;
  };
  const hasIdempotencyArgument = args.idempotency !== 'none';
  if (hasIdempotencyArgument) taken.add(IDEMPOTENCY_ARGUMENT);

  const params: ParamIR[] = [];
  const sorted = [...args.parameters].sort(
    (a, b) =>
      (LOCATION_ORDER[a.value['in'] as ParamLocation] ?? 9) -
        (LOCATION_ORDER[b.value['in'] as ParamLocation] ?? 9) ||
      String(a.value['name']).localeCompare(String(b.value['name'])),
  );
  for (const { value: p, pointer } of sorted) {
    const name = p['name'];
    const location = p['in'];
    if (typeof name !== 'string' || !isLocation(location)) {
      sink.report({
        code: 'MCPGEN_UNSUPPORTED_PARAMETER',
        message: `parameter without a valid name/in (in: ${JSON.stringify(location)})`,
        source: locate(pointer),
      });
      continue;
    }
    if (location === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) continue;
    if (location === 'header' && name.toLowerCase() === 'idempotency-key' && hasIdempotencyArgument) {
      // The idempotency_key argument carries it; the runtime forwards it as this header.
      continue;
    }
    const override = overrideFor(name);
    const required = location === 'path' ? true : p['required'] === true;
    const style = deriveStyle(location, p['style'], sink, locate, pointer);
    const explode = typeof p['explode'] === 'boolean' ? p['explode'] : style === 'form';
    const base: Omit<ParamIR, 'argument' | 'value'> = {
      name,
      in: location,
      style,
      explode,
      required,
      ...(p['allowReserved'] === true ? { allowReserved: true } : {}),
    };
    if (override?.hidden) {
      params.push({ ...base, value: override.value ?? override.schema['default'] });
      continue;
    }
    const argument = claim(override?.name ?? deriveArgumentName(name, args.argumentStyle), location);
    let schema = parameterSchema(p, ctx, sink, locate, pointer);
    schema = decorate(schema, p['description'], override);
    params.push({ ...base, argument });
    slots.push({ name: argument, schema, required: required && !hasDefault(schema) });
  }

  let body: BodyIR | undefined;
  if (args.requestBody) {
    body = buildBody(args, ctx, slots, claim, overrideFor);
  }

  if (hasIdempotencyArgument) {
    slots.push({
      name: IDEMPOTENCY_ARGUMENT,
      required: args.idempotency === 'required',
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description:
          'A unique key for this write, e.g. a new UUID. Reuse the same key when you retry the same call, so it is not performed twice.',
      },
    });
  }

  for (const key of Object.keys(args.xmcp.arguments)) {
    if (!usedOverrides.has(key)) {
      sink.report({
        code: 'MCPGEN_UNKNOWN_ARGUMENT',
        message: `x-mcp.arguments names \`${key}\`, which is neither a parameter nor a top-level body property of ${args.toolName} (have: ${
          [...args.parameters.map((p) => String(p.value['name'])), ...bodyPropertyNames(args)]
            .sort()
            .join(', ') || 'none'
        })`,
        source: locate(`${args.operationPointer}/x-mcp/arguments/${escapePointer(key)}`),
      });
    }
  }

  slots.sort((a, b) => a.name.localeCompare(b.name));
  const properties: Record<string, JsonSchema> = {};
  for (const slot of slots) properties[slot.name] = slot.schema;
  const required = slots.filter((s) => s.required).map((s) => s.name);
  const root: Record<string, unknown> = {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
  return { params, ...(body ? { body } : {}), inputSchema: withDefs(root, defs) };
}

function buildBody(
  args: BuildInputArgs,
  ctx: ReturnType<typeof createSchemaContext>,
  slots: ArgumentSlot[],
  claim: (wanted: string, location: string) => string,
  overrideFor: (key: string) => ArgumentOverride | undefined,
): BodyIR | undefined {
  const { sink, locate } = args;
  const rb = args.requestBody!;
  const content = isObject(rb.value['content']) ? rb.value['content'] : {};
  const mediaType = pickMediaType(Object.keys(content));
  if (!mediaType) {
    const found = Object.keys(content).join(', ') || 'none';
    sink.report({
      code: 'MCPGEN_UNSUPPORTED_MEDIA_TYPE',
      message: `request body media type not supported (found: ${found})`,
      source: locate(`${rb.pointer}/content`),
    });
    return undefined;
  }
  const media = content[mediaType];
  const rawSchema = isObject(media) ? media['schema'] : undefined;
  const bodyRequired = rb.value['required'] === true;
  const resolved = resolveDeep(rawSchema, args.resolveRef);
  const canSpread =
    isObject(resolved) &&
    isObject(resolved['properties']) &&
    !resolved['oneOf'] &&
    !resolved['anyOf'] &&
    !resolved['allOf'] &&
    mediaType !== 'application/octet-stream' &&
    mediaType !== 'text/plain';
  if (!canSpread) {
    const override = overrideFor('body');
    const argument = claim(override?.name ?? 'body', 'body');
    let schema: JsonSchema =
      mediaType === 'application/octet-stream'
        ? { type: 'string', contentEncoding: 'base64', description: 'The content, base64-encoded.' }
        : mediaType === 'text/plain'
          ? { type: 'string' }
          : convertSchema(rawSchema ?? {}, ctx);
    schema = decorate(schema, rb.value['description'], override);
    slots.push({ name: argument, schema, required: bodyRequired });
    return { mediaType, required: bodyRequired, mode: 'value', argument };
  }
  const props = resolved['properties'] as Record<string, unknown>;
  const requiredProps = new Set(
    Array.isArray(resolved['required']) ? (resolved['required'] as string[]) : [],
  );
  const converted = convertSchema(resolved, ctx);
  const convertedProps =
    typeof converted === 'object' && isObject(converted['properties']) ? converted['properties'] : {};
  const mapping: { argument: string; property: string; value?: unknown; hidden?: boolean }[] = [];
  for (const property of Object.keys(props).sort()) {
    const schema = convertedProps[property];
    if (schema === undefined) continue; // readOnly: not an input
    const override = overrideFor(property);
    if (override?.hidden) {
      mapping.push({
        argument: property,
        property,
        hidden: true,
        value: override.value ?? override.schema['default'],
      });
      continue;
    }
    const argument = claim(override?.name ?? deriveArgumentName(property, args.argumentStyle), 'body');
    const decorated = decorate(schema as JsonSchema, undefined, override);
    mapping.push({ argument, property });
    slots.push({ name: argument, schema: decorated, required: bodyRequired && requiredProps.has(property) });
  }
  mapping.sort((a, b) => a.argument.localeCompare(b.argument));
  return { mediaType, required: bodyRequired, mode: 'properties', properties: mapping };
}

/** Follows top-level $refs so the body's own properties can become arguments. */
function resolveDeep(schema: unknown, resolveRef: (ref: string) => unknown): unknown {
  let current = schema;
  for (let i = 0; i < 16 && isObject(current) && typeof current['$ref'] === 'string'; i++) {
    current = resolveRef(current['$ref']);
  }
  return current;
}

function bodyPropertyNames(args: BuildInputArgs): string[] {
  const content =
    args.requestBody && isObject(args.requestBody.value['content']) ? args.requestBody.value['content'] : {};
  const names: string[] = [];
  for (const media of Object.values(content)) {
    const schema = resolveDeep(isObject(media) ? media['schema'] : undefined, args.resolveRef);
    if (isObject(schema) && isObject(schema['properties'])) names.push(...Object.keys(schema['properties']));
  }
  return names.length > 0 ? names : args.requestBody ? ['body'] : [];
}

export function pickMediaType(mediaTypes: readonly string[]): string | undefined {
  const bare = mediaTypes.map((m) => ({ raw: m, base: m.split(';')[0]!.trim().toLowerCase() }));
  for (const pattern of BODY_MEDIA_PREFERENCE) {
    const hit = bare.find((m) => pattern.test(m.base));
    if (hit) return hit.base === '*/*' ? 'application/json' : hit.base;
  }
  return undefined;
}

function parameterSchema(
  p: Record<string, unknown>,
  ctx: ReturnType<typeof createSchemaContext>,
  sink: DiagnosticSink,
  locate: Locate,
  pointer: string,
): JsonSchema {
  if (p['schema'] !== undefined) return convertSchema(p['schema'], ctx);
  if (isObject(p['content'])) {
    const [media, value] = Object.entries(p['content'])[0] ?? [];
    if (media && isObject(value) && value['schema'] !== undefined) return convertSchema(value['schema'], ctx);
  }
  sink.report({
    code: 'MCPGEN_UNSUPPORTED_PARAMETER',
    message: `parameter \`${String(p['name'])}\` has no schema; treating it as a string`,
    source: locate(pointer),
  });
  return { type: 'string' };
}

function decorate(
  schema: JsonSchema,
  description: unknown,
  override: ArgumentOverride | undefined,
): JsonSchema {
  const base: Record<string, unknown> = typeof schema === 'boolean' ? {} : { ...schema };
  const text = override?.description ?? (typeof description === 'string' ? description.trim() : undefined);
  if (text) base['description'] = text;
  if (override) Object.assign(base, override.schema);
  return base;
}

function hasDefault(schema: JsonSchema): boolean {
  return typeof schema === 'object' && schema['default'] !== undefined;
}

function isLocation(value: unknown): value is ParamLocation {
  return value === 'path' || value === 'query' || value === 'header' || value === 'cookie';
}

const STYLES_BY_LOCATION: Record<ParamLocation, readonly ParamStyle[]> = {
  path: ['simple', 'label', 'matrix'],
  query: ['form', 'spaceDelimited', 'pipeDelimited', 'deepObject'],
  header: ['simple'],
  cookie: ['form'],
};

function deriveStyle(
  location: ParamLocation,
  style: unknown,
  sink: DiagnosticSink,
  locate: Locate,
  pointer: string,
): ParamStyle {
  const allowed = STYLES_BY_LOCATION[location];
  const fallback = allowed[0]!;
  if (style === undefined) return fallback;
  if (typeof style === 'string' && (allowed as readonly string[]).includes(style)) return style as ParamStyle;
  sink.report({
    code: 'MCPGEN_UNSUPPORTED_PARAMETER',
    message: `style \`${String(style)}\` is not valid for a ${location} parameter (allowed: ${allowed.join(', ')}); using ${fallback}`,
    source: locate(`${pointer}/style`),
  });
  return fallback;
}
