/**
 * What the mock upstream answers for an operation and status: the document's example for the
 * response media type when it is valid, else a value made up from the response schema, checked
 * against that schema. When neither is valid the answer still goes out, with a warning that says
 * why this operation's response cannot be checked.
 */
import { isJsonMedia } from '../check-request.js';
import { findResponse } from '../check-response.js';
import type { SchemaCompiler } from '../compile-schemas.js';
import type { ContractOperation } from '../read-operations.js';
import { sampleValue } from '../sample-values.js';

export interface MockResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly body: Buffer;
  /** Set when no schema-valid body could be made: the reason, for the report. */
  readonly warning?: string;
}

/** The status the mock answers a conforming request with: the generator's choice of success response. */
const SUCCESS_ORDER = ['200', '201', '202', '203', '206', '2XX', '204', '205'];
/** Documented errors the mock is asked to answer, in order of preference (no retried 429/503 first). */
const ERROR_ORDER = ['400', '404', '422', '409', '403', '401', '4XX', '500', '5XX'];

export function pickSuccessStatus(operation: ContractOperation): number {
  const statuses = operation.responses.map((r) => r.status.toUpperCase());
  const found = SUCCESS_ORDER.find((s) => statuses.includes(s));
  return found === undefined ? 200 : statusNumber(found);
}

/** A documented 4xx or 5xx to answer once, or undefined when the operation documents none. */
export function pickErrorStatus(operation: ContractOperation): number | undefined {
  const statuses = operation.responses.map((r) => r.status.toUpperCase());
  const preferred = ERROR_ORDER.find((s) => statuses.includes(s));
  if (preferred !== undefined) return statusNumber(preferred);
  const other = statuses.filter((s) => /^[45]\d\d$/.test(s)).sort();
  return other[0] === undefined ? undefined : Number(other[0]);
}

function statusNumber(status: string): number {
  return status.endsWith('XX') ? Number(`${status[0]}00`) : Number(status);
}

/** `definitions`: the normalized components the response schemas reference (`contract:output`). */
export function buildMockResponse(
  operation: ContractOperation,
  status: number,
  compiler: SchemaCompiler,
  definitions: Record<string, unknown>,
): MockResponse {
  const documented = findResponse(operation, status);
  const media =
    documented?.content.find((m) => isJsonMedia(m.mediaType) && m.mediaType !== '*/*') ??
    documented?.content.find((m) => isJsonMedia(m.mediaType)) ??
    documented?.content[0];
  if (status === 204 || status === 205 || media === undefined) {
    const warning =
      documented === undefined ? `${operation.label} documents no response for status ${status}` : undefined;
    return {
      status,
      body: Buffer.alloc(0),
      ...(warning !== undefined && { warning }),
    };
  }
  const contentType = media.mediaType === '*/*' ? 'application/json' : media.mediaType.split(';')[0]!.trim();
  if (!isJsonMedia(contentType)) {
    return {
      status,
      contentType,
      body: Buffer.from(typeof media.example?.value === 'string' ? media.example.value : 'sample'),
    };
  }
  const schema = media.schema ?? {};
  const root = { $defs: definitions };
  const candidates = [
    ...(media.example !== undefined ? [media.example.value] : []),
    sampleValue(schema, root, { optional: true }),
    sampleValue(schema, root, { optional: true, examples: false }),
    sampleValue(schema, root, { examples: false }),
  ];
  let reason = '';
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const checked = compiler.check(schema, candidate);
    if (checked.ok === true) return { status, contentType, body: Buffer.from(JSON.stringify(candidate)) };
    reason = checked.ok === false ? checked.errors.join('; ') : checked.reason;
  }
  return {
    status,
    contentType,
    body: Buffer.from(JSON.stringify(candidates.at(-1) ?? {})),
    warning: `no schema-valid ${status} body could be made for ${operation.label}: ${reason}`,
  };
}
