/**
 * The success response -> the tool's output schema and the media type the runtime
 * should ask for. Only JSON responses get an output schema: it is what
 * `structuredContent` is validated against.
 */
import {
  convertSchema,
  createSchemaContext,
  isObject,
  OUTPUT_MAX_DATA_DEPTH,
  OUTPUT_SCHEMA_BUDGET,
  SchemaTooLarge,
  withDefs,
} from './json-schema.js';
import type { HttpMethod, JsonSchema } from './types.js';

export interface BuiltOutput {
  readonly outputSchema?: JsonSchema;
  readonly responseMediaType?: string;
}

const SUCCESS_ORDER = ['200', '201', '202', '203', '206', '2XX', '2xx', '204', '205'];
/** RFC 9110 §15.3.5, §15.3.6: these answers never carry content, whatever the document declares. */
const NO_CONTENT_STATUSES = new Set(['204', '205']);

export function buildOutput(args: {
  responses: unknown;
  dialect: '3.0' | '3.1';
  resolveRef: (ref: string) => unknown;
  /** HEAD answers have no body (RFC 9110 §9.3.2): such a tool gets no output schema. */
  method?: HttpMethod;
}): BuiltOutput {
  if (!isObject(args.responses) || args.method === 'head') return {};
  const status = SUCCESS_ORDER.find((s) => s in (args.responses as object));
  // A declared body on 204/205 (Vault does this) could never arrive, and an outputSchema the
  // answer cannot meet makes every success fail at the client (it requires structuredContent).
  if (!status || NO_CONTENT_STATUSES.has(status)) return {};
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
  const outputSchema = convertOutputSchema(schema, args);
  if (outputSchema === undefined) return { responseMediaType: mediaType };
  return { outputSchema, responseMediaType: mediaType };
}

/**
 * Output schemas by the text of the response schema, per document (its resolver): large APIs
 * answer many operations with the same schema (Stripe: 416 responses, 202 distinct), and the
 * conversion is a pure function of the schema, the dialect and the document. Tools share the
 * result, as they already share the document's enum and example values it holds.
 */
const converted = new WeakMap<object, Map<string, JsonSchema | undefined>>();

function convertOutputSchema(
  schema: unknown,
  args: { dialect: '3.0' | '3.1'; resolveRef: (ref: string) => unknown },
): JsonSchema | undefined {
  let byText = converted.get(args.resolveRef);
  if (byText === undefined) {
    byText = new Map();
    converted.set(args.resolveRef, byText);
  }
  const key = `${args.dialect}\u0000${JSON.stringify(schema)}`;
  if (byText.has(key)) return byText.get(key);
  const result = convertWithinBudget(schema, args);
  byText.set(key, result);
  return result;
}

/**
 * A conversion whose nodes and descriptions alone (a lower bound of its printed size) pass the
 * budget is stopped: it would not fit. Large APIs' responses expand to megabytes at the full
 * depth cap; building them only to measure them was most of their build time.
 */
const ABORT_ABOVE_BYTES = OUTPUT_SCHEMA_BUDGET;

/**
 * Converts at the output depth cap, then at shallower caps until the schema fits the byte
 * budget: a model needs the shape of the first levels of an answer, not every nested object.
 */
function convertWithinBudget(
  schema: unknown,
  args: { dialect: '3.0' | '3.1'; resolveRef: (ref: string) => unknown },
): JsonSchema | undefined {
  for (let depth = OUTPUT_MAX_DATA_DEPTH; ; depth--) {
    const defs = new Map<string, JsonSchema>();
    const ctx = createSchemaContext({
      dialect: args.dialect,
      mode: 'output',
      resolveRef: args.resolveRef,
      defs,
      maxDataDepth: depth,
      // The last cap's result is kept whatever its size, so it is never stopped.
      ...(depth > 0 ? { abortAboveBytes: ABORT_ABOVE_BYTES } : {}),
    });
    let converted: JsonSchema;
    try {
      converted = convertSchema(schema, ctx);
    } catch (error) {
      if (error instanceof SchemaTooLarge) continue;
      throw error;
    }
    if (typeof converted === 'boolean' || Object.keys(converted).length === 0) return undefined;
    const result = withDefs(converted as Record<string, unknown>, defs);
    if (depth === 0 || JSON.stringify(result).length <= OUTPUT_SCHEMA_BUDGET) return result;
  }
}

export function isJsonMediaType(mediaType: string): boolean {
  const base = mediaType.split(';')[0]!.trim().toLowerCase();
  return base === 'application/json' || /^application\/[^;]+\+json$/.test(base) || base === '*/*';
}
