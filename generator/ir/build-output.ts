/**
 * The success response -> the tool's output schema and the media type the runtime
 * should ask for. Only JSON responses get an output schema: it is what
 * `structuredContent` is validated against.
 */
import { convertSchema, createSchemaContext, isObject, withDefs } from './json-schema.js';
import type { JsonSchema } from './types.js';

export interface BuiltOutput {
  readonly outputSchema?: JsonSchema;
  readonly responseMediaType?: string;
}

const SUCCESS_ORDER = ['200', '201', '202', '203', '206', '2XX', '2xx', '204', '205'];

export function buildOutput(args: {
  responses: unknown;
  dialect: '3.0' | '3.1';
  resolveRef: (ref: string) => unknown;
}): BuiltOutput {
  if (!isObject(args.responses)) return {};
  const status = SUCCESS_ORDER.find((s) => s in (args.responses as object));
  if (!status) return {};
  let response = (args.responses as Record<string, unknown>)[status];
  for (let i = 0; i < 8 && isObject(response) && typeof response['$ref'] === 'string'; i++) {
    response = args.resolveRef(response['$ref']);
  }
  if (!isObject(response) || !isObject(response['content'])) return {};
  const types = Object.keys(response['content']);
  const json = types.find((t) => isJsonMediaType(t));
  if (!json) {
    const first = types[0];
    return first ? { responseMediaType: first.split(';')[0]!.trim() } : {};
  }
  const media = response['content'][json];
  const schema = isObject(media) ? media['schema'] : undefined;
  const mediaType = json.split(';')[0]!.trim();
  if (schema === undefined) return { responseMediaType: mediaType };
  const defs = new Map<string, JsonSchema>();
  const ctx = createSchemaContext({
    dialect: args.dialect,
    mode: 'output',
    resolveRef: args.resolveRef,
    defs,
  });
  const converted = convertSchema(schema, ctx);
  if (typeof converted === 'boolean' || Object.keys(converted).length === 0)
    return { responseMediaType: mediaType };
  return { outputSchema: withDefs(converted as Record<string, unknown>, defs), responseMediaType: mediaType };
}

export function isJsonMediaType(mediaType: string): boolean {
  const base = mediaType.split(';')[0]!.trim().toLowerCase();
  return base === 'application/json' || /^application\/[^;]+\+json$/.test(base) || base === '*/*';
}
