/**
 * A file argument after resolution: the bytes, a filename and a media type, ready to become a
 * multipart file part or a binary body. The model passes `{url}` or `{content_base64}` (see
 * docs/x-mcp.md, "Files"); `resolve-file-arguments.ts` downloads URLs before the request is built.
 */

export interface FilePart {
  readonly kind: 'file';
  readonly data: Uint8Array;
  readonly filename: string;
  readonly contentType: string;
}

export function isFilePart(value: unknown): value is FilePart {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file';
}

/**
 * A resolved file, or a `{content_base64, filename?, content_type?}` argument decoded here (pure);
 * undefined for anything else, including a `{url}` nobody downloaded.
 */
export function asFilePart(
  value: unknown,
  fallbackName = 'file',
  fallbackType?: string,
): FilePart | undefined {
  if (isFilePart(value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const file = value as Record<string, unknown>;
  if (typeof file['content_base64'] !== 'string') return undefined;
  return {
    kind: 'file',
    data: Buffer.from(file['content_base64'], 'base64'),
    filename:
      typeof file['filename'] === 'string' && file['filename'] !== '' ? file['filename'] : fallbackName,
    contentType:
      readContentType(file['content_type']) ?? singleType(fallbackType) ?? 'application/octet-stream',
  };
}

/** An Encoding Object's `contentType` may list several or use wildcards; only a single exact one is usable. */
export function singleType(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType.includes(',') || contentType.includes('*')) return undefined;
  return contentType.trim();
}

function readContentType(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w.+-]+\/[\w.+-]+/.test(value.trim()) ? value.trim() : undefined;
}
