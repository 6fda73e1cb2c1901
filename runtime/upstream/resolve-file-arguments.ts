/**
 * Turns the file arguments of a multipart tool (`{url}` or `{content_base64}`, docs/x-mcp.md
 * "Files") into bytes before the request is built: base64 is decoded, a URL is downloaded over
 * http or https only, with a byte cap and a timeout. The only I/O of request building lives here,
 * so `build-request.ts` stays pure.
 */
import type { ToolDefinition } from '../define-tool.js';
import { asFilePart, type FilePart, singleType } from './file-part.js';

export interface ResolveFilesOptions {
  /** Largest file accepted, decoded or downloaded. */
  readonly maxBytes: number;
  /** Per download, redirects included. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Injected in tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

/** A file argument that cannot be turned into bytes; the message is written for the model. */
export class FileArgumentError extends Error {
  override readonly name = 'FileArgumentError';
}

const MAX_REDIRECTS = 3;

/** The arguments with every file argument replaced by a FilePart; the input is not modified. */
export async function resolveFileArguments(
  tool: ToolDefinition,
  args: Readonly<Record<string, unknown>>,
  options: ResolveFilesOptions,
): Promise<Readonly<Record<string, unknown>>> {
  const binding = tool.http.body;
  const files = binding?.files ?? [];
  if (binding === undefined || files.length === 0) return args;
  const resolved: Record<string, unknown> = { ...args };
  for (const property of files) {
    const contentType = binding.encoding?.[property]?.contentType;
    if (binding.mode === 'properties') {
      const argument = binding.properties?.find((p) => p.property === property && !p.hidden)?.argument;
      if (argument === undefined || resolved[argument] === undefined) continue;
      resolved[argument] = await resolveValue(resolved[argument], argument, property, contentType, options);
    } else if (binding.argument !== undefined) {
      const body = resolved[binding.argument];
      if (typeof body !== 'object' || body === null || !(property in body)) continue;
      const value = (body as Record<string, unknown>)[property];
      resolved[binding.argument] = {
        ...body,
        [property]: await resolveValue(
          value,
          `${binding.argument}.${property}`,
          property,
          contentType,
          options,
        ),
      };
    }
  }
  return resolved;
}

async function resolveValue(
  value: unknown,
  argument: string,
  field: string,
  contentType: string | undefined,
  options: ResolveFilesOptions,
): Promise<unknown> {
  if (Array.isArray(value)) {
    const parts: FilePart[] = [];
    for (const [i, item] of value.entries()) {
      parts.push(await resolveOne(item, `${argument}[${i}]`, field, contentType, options));
    }
    return parts;
  }
  return resolveOne(value, argument, field, contentType, options);
}

async function resolveOne(
  value: unknown,
  argument: string,
  field: string,
  contentType: string | undefined,
  options: ResolveFilesOptions,
): Promise<FilePart> {
  const file = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const decoded = asFilePart(file, field, contentType);
  if (decoded !== undefined) {
    if (decoded.data.byteLength > options.maxBytes) throw tooLarge(argument, options.maxBytes);
    return decoded;
  }
  if (typeof file['url'] !== 'string') {
    throw new FileArgumentError(`"${argument}" needs either "url" or "content_base64".`);
  }
  const download = await downloadFile(file['url'], argument, options);
  const named =
    typeof file['filename'] === 'string' && file['filename'] !== '' ? file['filename'] : undefined;
  const typed =
    typeof file['content_type'] === 'string' && file['content_type'] !== ''
      ? file['content_type']
      : undefined;
  return {
    kind: 'file',
    data: download.data,
    filename: named ?? download.filename ?? field,
    contentType: typed ?? download.contentType ?? singleType(contentType) ?? 'application/octet-stream',
  };
}

interface Download {
  readonly data: Uint8Array;
  readonly filename?: string;
  readonly contentType?: string;
}

async function downloadFile(url: string, argument: string, options: ResolveFilesOptions): Promise<Download> {
  const doFetch = options.fetch ?? fetch;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  let current = parseDownloadUrl(url, argument);
  try {
    for (let redirects = 0; ; redirects++) {
      // Redirects are followed by hand so every hop is checked to be http(s) too.
      const response = await doFetch(current, { redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        if (redirects >= MAX_REDIRECTS) {
          throw new FileArgumentError(
            `Could not download "${argument}": more than ${MAX_REDIRECTS} redirects.`,
          );
        }
        current = parseDownloadUrl(new URL(location, current).href, argument);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new FileArgumentError(
          `Could not download "${argument}" from ${describeUrl(current)}: HTTP ${response.status}. Check the URL, or pass the file as content_base64.`,
        );
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        await response.body?.cancel();
        throw tooLarge(argument, options.maxBytes);
      }
      const data = await readCapped(response, argument, options.maxBytes);
      const type = response.headers.get('content-type')?.split(';')[0]?.trim();
      const filename =
        readDispositionFilename(response.headers.get('content-disposition')) ?? lastSegment(current);
      return {
        data,
        ...(filename !== undefined && { filename }),
        ...(type !== undefined && type !== '' && { contentType: type }),
      };
    }
  } catch (error) {
    if (error instanceof FileArgumentError) throw error;
    if (deadline.aborted) {
      throw new FileArgumentError(
        `Could not download "${argument}" from ${describeUrl(current)}: no answer within ${options.timeoutMs} ms.`,
      );
    }
    if (options.signal?.aborted)
      throw new FileArgumentError('The call was cancelled while downloading a file.');
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new FileArgumentError(`Could not download "${argument}" from ${describeUrl(current)}: ${reason}.`);
  }
}

function parseDownloadUrl(text: string, argument: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FileArgumentError(
      `"${argument}.url" is not an absolute URL: ${JSON.stringify(text.slice(0, 200))}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FileArgumentError(`"${argument}.url" must be an http or https URL (got ${url.protocol}).`);
  }
  return url;
}

async function readCapped(response: Response, argument: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body === null) return new Uint8Array();
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw tooLarge(argument, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(argument: string, maxBytes: number): FileArgumentError {
  return new FileArgumentError(`"${argument}" is larger than the ${maxBytes}-byte limit for files.`);
}

/** `attachment; filename="a.pdf"` or RFC 5987 `filename*=UTF-8''a%20b.pdf`. */
function readDispositionFilename(header: string | null): string | undefined {
  if (header === null) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  const name = plain?.[2] ?? plain?.[1];
  return name === undefined || name.trim() === '' ? undefined : name.trim();
}

function lastSegment(url: URL): string | undefined {
  const segment = url.pathname.split('/').pop();
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// A download URL may carry a signature or token in its query: never echo it to the model.
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
