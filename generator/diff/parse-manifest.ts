/**
 * The part of generated/<api>/manifest.json that `diff` reads, checked field by field: a manifest
 * edited by hand or written by an older generator fails with a message, not a crash.
 */
import type { JsonSchema } from './classify-schema-change.js';

export interface ManifestTool {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly operationId?: string;
  readonly method: string;
  readonly path: string;
  /** argument -> `path:id` / `query:limit` / `body:name` / `body` (absent in older manifests). */
  readonly argumentSources?: { readonly [argument: string]: string };
  readonly annotations: {
    readonly readOnlyHint?: boolean;
    readonly destructiveHint?: boolean;
    readonly idempotentHint?: boolean;
    readonly openWorldHint?: boolean;
  };
  readonly scopes: readonly string[];
  readonly idempotency?: string;
  readonly toolsets: readonly string[];
  readonly deprecated: boolean;
  readonly inputSchema: JsonSchema;
  readonly outputSchema?: JsonSchema;
}

export interface ManifestPrompt {
  readonly name: string;
  readonly arguments: readonly { readonly name: string; readonly required?: boolean }[];
}

export interface Manifest {
  readonly api: { readonly id: string; readonly title?: string; readonly version?: string };
  readonly tools: readonly ManifestTool[];
  readonly prompts: readonly ManifestPrompt[];
}

export class ManifestError extends Error {}

/** Parses manifest.json text; throws ManifestError naming `where` when it is not one. */
export function parseManifest(text: string, where: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${where} is not JSON: ${(error as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new ManifestError(
      `${where} is not a spec2mcp manifest (${what}). Regenerate it with \`spec2mcp generate\`.`,
    );
  };
  if (!isRecord(data)) return fail('expected an object');
  const api = data['api'];
  if (!isRecord(api) || typeof api['id'] !== 'string') return fail('no api.id');
  if (!Array.isArray(data['tools'])) return fail('no tools[]');
  const tools = data['tools'].map((tool, i): ManifestTool => {
    if (!isRecord(tool)) return fail(`tools[${i}] is not an object`);
    for (const key of ['name', 'method', 'path'] as const)
      if (typeof tool[key] !== 'string') fail(`tools[${i}].${key} is not a string`);
    if (!isRecord(tool['inputSchema'])) fail(`tools[${i}].inputSchema is not an object`);
    return {
      ...(tool as unknown as ManifestTool),
      annotations: isRecord(tool['annotations']) ? (tool['annotations'] as ManifestTool['annotations']) : {},
      scopes: strings(tool['scopes']),
      toolsets: strings(tool['toolsets']),
      deprecated: tool['deprecated'] === true,
      ...(isRecord(tool['argumentSources'])
        ? { argumentSources: tool['argumentSources'] as Record<string, string> }
        : {}),
    };
  });
  const prompts = (Array.isArray(data['prompts']) ? data['prompts'] : [])
    .filter((p): p is Record<string, unknown> => isRecord(p) && typeof p['name'] === 'string')
    .map((p) => ({
      name: p['name'] as string,
      arguments: (Array.isArray(p['arguments']) ? p['arguments'] : []).filter(
        (a): a is { name: string; required?: boolean } => isRecord(a) && typeof a['name'] === 'string',
      ),
    }));
  return {
    api: {
      id: api['id'] as string,
      ...(typeof api['title'] === 'string' ? { title: api['title'] } : {}),
      ...(typeof api['version'] === 'string' ? { version: api['version'] } : {}),
    },
    tools,
    prompts,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
