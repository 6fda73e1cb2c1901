/**
 * Does a response conform to its operation? A documented status (exact, `4XX` range or `default`),
 * a documented media type, and a JSON body valid against the response schema.
 */
import { findMedia, isJsonMedia } from './check-request.js';
import type { SchemaCompiler } from './compile-schemas.js';
import type { ContractOperation, ContractResponse } from './read-operations.js';

export interface RecordedResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly body: Buffer;
}

/** The response the document gives for `status`: exact, then its range, then `default`. */
export function findResponse(operation: ContractOperation, status: number): ContractResponse | undefined {
  const code = String(status);
  const range = `${code[0]}XX`;
  return (
    operation.responses.find((r) => r.status === code) ??
    operation.responses.find((r) => r.status.toUpperCase() === range) ??
    operation.responses.find((r) => r.status === 'default')
  );
}

export function checkResponse(input: {
  readonly operation: ContractOperation;
  readonly response: RecordedResponse;
  readonly compiler: SchemaCompiler;
}): string[] {
  const { operation, response } = input;
  const documented = findResponse(operation, response.status);
  if (documented === undefined) {
    const statuses = operation.responses.map((r) => r.status).join(', ');
    return [`status ${response.status} is not documented for ${operation.label} (${statuses || 'none'})`];
  }
  if (response.body.length === 0 || documented.content.length === 0) return [];
  const contentType = response.contentType ?? '';
  const media = findMedia(documented.content, contentType || 'application/octet-stream');
  if (media === undefined) {
    return [
      `status ${response.status} media type '${contentType || '(none)'}' is not documented (${documented.content
        .map((m) => m.mediaType)
        .join(', ')})`,
    ];
  }
  if (media.schema === undefined || !isJsonMedia(contentType)) return [];
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return [`status ${response.status} body is not valid JSON although sent as ${contentType}`];
  }
  const checked = input.compiler.check(media.schema, body);
  return checked.ok === false ? checked.errors.map((error) => `status ${response.status} body ${error}`) : [];
}
