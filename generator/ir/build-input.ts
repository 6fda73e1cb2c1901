/**
 * Parameters and request body -> one flat tool input schema plus the HTTP binding
 * that maps each argument back to its place in the request. Flat arguments are what
 * models fill in best; the binding keeps the mapping exact.
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import {
  convertSchema,
  createSchemaContext,
  DESCRIPTION_BUDGET,
  escapePointer,
  INPUT_SCHEMA_BUDGET,
  isObject,
  normalizeSchema,
  planSchemas,
  type SchemaContext,
  trimText,
  withDefs,
} from './json-schema.js';
import { deriveArgumentName } from './naming.js';
import type { ArgumentOverride, Locate, OperationXMcp } from './read-x-mcp.js';
import type {
  BodyEncodingIR,
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
  /** x-mcp `tenancy.pathParam`: a path parameter of this name is filled by the runtime, not an argument. */
  readonly tenantPathParam?: string;
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
  // Text the model writes itself, then bytes it passes base64-encoded.
  /^text\//,
  /^application\/(xml|yaml|x-yaml|sdp|x-ndjson|graphql|javascript|sql)$/,
  /^application\/[^;]*\+xml$/,
  /^(image|audio|video|font)\//,
  /^application\//,
];
/** Media types whose body is text the model writes; every other non-JSON, non-form type is bytes. */
const TEXT_MEDIA =
  /^(text\/|application\/(xml|yaml|x-yaml|sdp|x-ndjson|graphql|javascript|sql)$|application\/[^;]*\+xml$)/;

/**
 * A file argument: the model passes a URL the runtime downloads, or the bytes base64-encoded.
 * A URL keeps large files out of the model's context; base64 covers content it produced itself.
 */
export function fileArgumentSchema(description: string | undefined): JsonSchema {
  return {
    type: 'object',
    description: `${description ? `${description.replace(/\.?\s*$/, '.')} ` : ''}A file: give \`url\` or \`content_base64\`.`,
    properties: {
      url: { type: 'string', format: 'uri', description: 'http(s) URL the server downloads the file from.' },
      content_base64: {
        type: 'string',
        contentEncoding: 'base64',
        description: "The file's bytes, base64-encoded.",
      },
      filename: { type: 'string', description: 'File name to send; default: the last URL segment.' },
      content_type: {
        type: 'string',
        description: 'Media type, e.g. image/png; default: from the download.',
      },
    },
    oneOf: [{ required: ['url'] }, { required: ['content_base64'] }],
    additionalProperties: false,
  };
}

interface ArgumentSlot {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

/**
 * Builds the input; when its schema is over the byte budget, builds it again with less nested
 * description text, and only as the last step with deeply nested objects left open (a model
 * needs the structure to write a valid call). Diagnostics are reported once, from the build kept.
 */
export function buildInput(args: BuildInputArgs): BuiltInput {
  for (const squeeze of [0, 1, 2, 3] as const) {
    const reported: Parameters<DiagnosticSink['report']>[0][] = [];
    const sink: DiagnosticSink = {
      report: (input) => reported.push(input),
      diagnostics: [],
      hasErrors: () => false,
    };
    const built = buildInputAt({ ...args, sink }, squeeze);
    if (squeeze === 3 || JSON.stringify(built.inputSchema).length <= INPUT_SCHEMA_BUDGET) {
      for (const input of reported) args.sink.report(input);
      return built;
    }
  }
  throw new Error('unreachable');
}

function buildInputAt(args: BuildInputArgs, squeeze: 0 | 1 | 2 | 3): BuiltInput {
  const { sink, locate } = args;
  const defs = new Map<string, JsonSchema>();
  const unsatisfiable = new Set<string>();
  const ctx = createSchemaContext({
    dialect: args.dialect,
    mode: 'input',
    resolveRef: args.resolveRef,
    defs,
    squeeze,
    onInvalidPattern: (pointer, pattern) =>
      sink.report({
        code: 'MCPGEN_SCHEMA_PATTERN_INVALID',
        message: `pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern)} is not a valid regular expression; left out of ${args.toolName}'s input schema`,
        source: locate(pointer || args.operationPointer),
      }),
    onUnsatisfiable: (pointer, names) => {
      if (unsatisfiable.has(pointer)) return;
      unsatisfiable.add(pointer);
      sink.report({
        code: 'MCPGEN_UNSATISFIABLE_SCHEMA',
        message: `the schema requires ${names.map((n) => `\`${n}\``).join(', ')} but lists no such property and sets additionalProperties: false, so no value can be valid; ${args.toolName}'s input schema leaves the requirement out`,
        source: locate(pointer || args.operationPointer),
      });
    },
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

  const fromTenant = (p: Record<string, unknown>) =>
    args.tenantPathParam !== undefined && p['in'] === 'path' && p['name'] === args.tenantPathParam;
  planSchemas(ctx, [
    // Left out of the plan as well as the schema, so it cannot make another schema a `$defs` entry.
    ...args.parameters
      .filter(({ value }) => !fromTenant(value))
      .map(({ value }) => rawParameterSchema(value)),
    ...(args.requestBody ? [bodyRoot(args, ctx)] : []),
  ]);

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
    if (fromTenant(p)) {
      // The endpoint's tenant wins over an x-mcp.arguments override (consumed above, so no
      // unknown-argument error): the model must not choose the tenant, whatever the overlay says.
      const { allowReserved, ...rest } = base;
      params.push({ ...rest, fromTenant: true, ...(allowReserved ? { allowReserved } : {}) });
      continue;
    }
    if (override?.hidden) {
      params.push({ ...base, value: override.value ?? override.schema['default'] });
      continue;
    }
    const argument = claim(override?.name ?? deriveArgumentName(name, args.argumentStyle), location);
    let schema = parameterSchema(p, ctx, sink, locate, pointer);
    schema = decorate(schema, p['description'], override);
    params.push({ ...base, argument });
    // A required parameter stays required even with a default: a path cannot be built without it, and
    // the API's contract says it must be sent; the default in the schema tells the model what to pass.
    slots.push({ name: argument, schema, required });
  }

  let body: BodyIR | undefined;
  /** The arguments of the body's required properties (filled by buildBody). */
  const requiredBodyArguments: string[] = [];
  if (args.requestBody) {
    body = buildBody(args, ctx, slots, claim, overrideFor, requiredBodyArguments);
  }
  const dependentRequired = body === undefined ? undefined : requireTogether(body, requiredBodyArguments);

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
    ...(dependentRequired !== undefined && { dependentRequired }),
    additionalProperties: false,
  };
  return { params, ...(body ? { body } : {}), inputSchema: withDefs(root, defs) };
}

function buildBody(
  args: BuildInputArgs,
  ctx: SchemaContext,
  slots: ArgumentSlot[],
  claim: (wanted: string, location: string) => string,
  overrideFor: (key: string) => ArgumentOverride | undefined,
  requiredArguments: string[],
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
  const media = mediaObject(content, mediaType);
  const rawSchema = isObject(media) ? media['schema'] : undefined;
  const schemaPointer = `${rb.pointer}/content/${escapePointer(mediaKey(content, mediaType) ?? mediaType)}/schema`;
  const bodyRequired = rb.value['required'] === true;
  const kind = classifyMedia(mediaType);
  const resolved = normalizeSchema(rawSchema, ctx);
  const encoding = readEncoding(media);
  const canSpread =
    (kind === 'json' || kind === 'form' || kind === 'multipart') &&
    isObject(resolved) &&
    isObject(resolved['properties']) &&
    !resolved['oneOf'] &&
    !resolved['anyOf'] &&
    !resolved['allOf'];
  if (kind === 'multipart' && isObject(resolved) && !mayBeObject(resolved, ctx, 0)) {
    // A multipart body that is not an object (Jira's add_attachment: a bare binary string) has no
    // part names; it is one file, sent as the part `file` (what such APIs read, Jira included).
    const override = overrideFor('body');
    const argument = claim(override?.name ?? 'file', 'body');
    const described = rb.value['description'] ?? resolved['description'];
    const text = typeof described === 'string' ? trimText(described, DESCRIPTION_BUDGET.argument) : undefined;
    const schema = decorate(fileArgumentSchema(text), undefined, override);
    slots.push({ name: argument, schema, required: bodyRequired });
    return {
      mediaType,
      required: bodyRequired,
      mode: 'properties',
      properties: [{ argument, property: 'file' }],
      files: ['file'],
      ...(encoding && { encoding }),
    };
  }
  if (!canSpread) {
    const override = overrideFor('body');
    const argument = claim(override?.name ?? 'body', 'body');
    let schema: JsonSchema =
      kind === 'binary'
        ? { type: 'string', contentEncoding: 'base64', description: 'The content, base64-encoded.' }
        : kind === 'text'
          ? { type: 'string' }
          : convertSchema(rawSchema ?? {}, ctx, schemaPointer);
    schema = decorate(schema, rb.value['description'], override);
    slots.push({ name: argument, schema, required: bodyRequired });
    return {
      mediaType,
      required: bodyRequired,
      mode: 'value',
      argument,
      ...(encoding && { encoding }),
    };
  }
  const props = resolved['properties'] as Record<string, unknown>;
  const requiredProps = new Set(
    Array.isArray(resolved['required']) ? (resolved['required'] as string[]) : [],
  );
  const converted = convertSchema(
    resolved,
    ctx,
    isObject(rawSchema) && typeof rawSchema['$ref'] === 'string' && rawSchema['$ref'].startsWith('#')
      ? rawSchema['$ref'].slice(1)
      : schemaPointer,
  );
  const convertedProps =
    typeof converted === 'object' && isObject(converted['properties']) ? converted['properties'] : {};
  const mapping: { argument: string; property: string; value?: unknown; hidden?: boolean }[] = [];
  const files: string[] = [];
  for (const property of Object.keys(props).sort()) {
    let schema = convertedProps[property] as JsonSchema | undefined;
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
    if (kind === 'multipart') {
      const file = fileSchemaFor(props[property], schema, ctx);
      if (file) {
        schema = file;
        files.push(property);
      }
    }
    if (requiredProps.has(property) && dropsEmptyObject(kind, encoding?.[property], props[property], ctx)) {
      schema = { ...(typeof schema === 'boolean' ? {} : schema), minProperties: 1 };
    }
    const argument = claim(override?.name ?? deriveArgumentName(property, args.argumentStyle), 'body');
    const decorated = decorate(schema, undefined, override);
    mapping.push({ argument, property });
    if (requiredProps.has(property)) requiredArguments.push(argument);
    slots.push({ name: argument, schema: decorated, required: bodyRequired && requiredProps.has(property) });
  }
  // A required name the schema does not describe (Box's oauth2 revoke requires `grant_type` and
  // lists no such property) is still a field the API needs; without additionalProperties: false
  // the document allows it, so it becomes an argument of any type rather than a field never sent.
  if (resolved['additionalProperties'] !== false) {
    for (const property of [...requiredProps].filter((name) => !(name in props)).sort()) {
      const override = overrideFor(property);
      const argument = claim(override?.name ?? deriveArgumentName(property, args.argumentStyle), 'body');
      const schema = decorate(
        {},
        `Required by the API; the document does not describe \`${property}\`.`,
        override,
      );
      mapping.push({ argument, property });
      requiredArguments.push(argument);
      slots.push({ name: argument, schema, required: bodyRequired });
    }
  }
  mapping.sort((a, b) => a.argument.localeCompare(b.argument));
  return {
    mediaType,
    required: bodyRequired,
    mode: 'properties',
    properties: mapping,
    ...(files.length > 0 && { files: files.sort() }),
    ...(encoding && { encoding }),
  };
}

/**
 * An optional body with required properties: each is an optional argument (the body may be left
 * out), yet a body sent without them is invalid (Box uploads: `attributes` without `file`). JSON
 * Schema 2020-12 `dependentRequired` says it exactly: any body argument given needs the required ones.
 */
function requireTogether(body: BodyIR, needed: readonly string[]): Record<string, string[]> | undefined {
  if (body.required || body.mode !== 'properties' || needed.length === 0) return undefined;
  const bodyArguments = new Set((body.properties ?? []).filter((p) => !p.hidden).map((p) => p.argument));
  const out: Record<string, string[]> = {};
  for (const name of [...bodyArguments].sort()) {
    const others = needed.filter((other) => other !== name).sort();
    if (others.length > 0) out[name] = others;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A form field styled `deepObject`, or `form` exploded (Stripe's bodies), sends an object as one pair
 * per property: an empty object sends nothing, and a required field arrives missing. Its argument
 * then says `minProperties: 1`, so the model knows an empty object cannot be sent.
 */
function dropsEmptyObject(
  kind: MediaKind,
  rule: BodyEncodingIR | undefined,
  raw: unknown,
  ctx: SchemaContext,
): boolean {
  if ((kind !== 'form' && kind !== 'multipart') || rule === undefined) return false;
  const styled = rule.style !== undefined || rule.explode !== undefined || rule.allowReserved !== undefined;
  const style = rule.style ?? 'form';
  if (!styled || !(style === 'deepObject' || (rule.explode ?? style === 'form'))) return false;
  return mayBeObject(normalizeSchema(raw, ctx), ctx, 0);
}

function mayBeObject(schema: unknown, ctx: SchemaContext, depth: number): boolean {
  if (!isObject(schema) || depth > 8) return false;
  const type = schema['type'];
  if (type === 'object' || (Array.isArray(type) && type.includes('object'))) return true;
  if (type === undefined && isObject(schema['properties'])) return true;
  return ['anyOf', 'oneOf', 'allOf'].some(
    (key) =>
      Array.isArray(schema[key]) &&
      (schema[key] as unknown[]).some((branch) => mayBeObject(normalizeSchema(branch, ctx), ctx, depth + 1)),
  );
}

type MediaKind = 'json' | 'form' | 'multipart' | 'text' | 'binary';

function classifyMedia(mediaType: string): MediaKind {
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType === 'multipart/form-data') return 'multipart';
  return TEXT_MEDIA.test(mediaType) ? 'text' : 'binary';
}

/** The Media Type Object for a chosen media type (keys may carry parameters or another case). */
function mediaObject(content: Record<string, unknown>, mediaType: string): unknown {
  const key = mediaKey(content, mediaType);
  return key === undefined ? undefined : content[key];
}

function mediaKey(content: Record<string, unknown>, mediaType: string): string | undefined {
  return (
    Object.keys(content).find((k) => k.split(';')[0]!.trim().toLowerCase() === mediaType) ??
    (content['*/*'] !== undefined ? '*/*' : undefined)
  );
}

/** The Encoding Object map, reduced to what the runtime uses; undefined when none is declared. */
function readEncoding(media: unknown): Record<string, BodyEncodingIR> | undefined {
  if (!isObject(media) || !isObject(media['encoding'])) return undefined;
  const out: Record<string, BodyEncodingIR> = {};
  for (const property of Object.keys(media['encoding']).sort()) {
    const e = media['encoding'][property];
    if (!isObject(e)) continue;
    const style = e['style'];
    const entry: BodyEncodingIR = {
      ...(typeof e['contentType'] === 'string' && { contentType: e['contentType'] }),
      ...((style === 'form' ||
        style === 'spaceDelimited' ||
        style === 'pipeDelimited' ||
        style === 'deepObject') && {
        style,
      }),
      ...(typeof e['explode'] === 'boolean' && { explode: e['explode'] }),
      ...(typeof e['allowReserved'] === 'boolean' && { allowReserved: e['allowReserved'] }),
    };
    if (Object.keys(entry).length > 0) out[property] = entry;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A multipart field that carries bytes (3.0 `format: binary`, 2.0 `type: file` as converted,
 * 3.1 `contentEncoding`/`contentMediaType`) becomes a file argument; an array of them, a list.
 */
function fileSchemaFor(raw: unknown, converted: JsonSchema, ctx: SchemaContext): JsonSchema | undefined {
  const schema = normalizeSchema(raw, ctx);
  if (!isObject(schema)) return undefined;
  const description = typeof converted === 'object' ? converted['description'] : undefined;
  const text = typeof description === 'string' ? description : undefined;
  if (isBinaryField(schema)) return fileArgumentSchema(text);
  const items = normalizeSchema(schema['items'], ctx);
  if (schema['type'] === 'array' && isObject(items) && isBinaryField(items)) {
    return {
      type: 'array',
      ...(text && { description: text }),
      items: fileArgumentSchema(undefined),
      ...(typeof schema['maxItems'] === 'number' && { maxItems: schema['maxItems'] }),
    };
  }
  return undefined;
}

function isBinaryField(schema: Record<string, unknown>): boolean {
  const type = schema['type'];
  const isString = type === 'string' || (Array.isArray(type) && type.includes('string'));
  if (!isString) return false;
  return (
    schema['format'] === 'binary' ||
    (typeof schema['contentEncoding'] === 'string' && schema['contentEncoding'] !== 'identity') ||
    (typeof schema['contentMediaType'] === 'string' && !/^text\//.test(schema['contentMediaType']))
  );
}

/** The schema `planSchemas` must see for the body: what `buildBody` converts. */
function bodyRoot(args: BuildInputArgs, ctx: SchemaContext): unknown {
  const content = isObject(args.requestBody?.value['content']) ? args.requestBody.value['content'] : {};
  const mediaType = pickMediaType(Object.keys(content));
  if (mediaType === undefined) return undefined;
  const media = mediaObject(content, mediaType);
  const raw = isObject(media) ? media['schema'] : undefined;
  const resolved = normalizeSchema(raw, ctx);
  return isObject(resolved) && isObject(resolved['properties']) ? resolved : raw;
}

function rawParameterSchema(p: Record<string, unknown>): unknown {
  if (p['schema'] !== undefined) return p['schema'];
  if (isObject(p['content'])) {
    const first = Object.values(p['content'])[0];
    return isObject(first) ? first['schema'] : undefined;
  }
  return undefined;
}

/** Follows top-level $refs, for naming the body's properties in a diagnostic. */
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
  ctx: SchemaContext,
  sink: DiagnosticSink,
  locate: Locate,
  pointer: string,
): JsonSchema {
  const raw = rawParameterSchema(p);
  if (raw !== undefined) {
    const at = p['schema'] !== undefined ? `${pointer}/schema` : `${pointer}/content`;
    return convertSchema(raw, ctx, at);
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
  // An overlay's description is deliberate and kept whole; the document's is trimmed to the budget.
  const text =
    override?.description ??
    (typeof description === 'string' && description.trim()
      ? trimText(description, DESCRIPTION_BUDGET.argument)
      : undefined);
  if (text) {
    base['description'] = text;
    delete base['title'];
  }
  if (override) Object.assign(base, override.schema);
  return base;
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
