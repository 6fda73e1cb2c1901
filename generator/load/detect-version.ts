/**
 * Is this an OpenAPI document, and which version? Says what the file looks like instead when it
 * is something else (an overlay, AsyncAPI, JSON Schema, a list...), since that is the usual mistake.
 */
import type { SourceRef } from '../diagnostics/diagnostic.js';
import { describeType } from './describe-type.js';
import { isPlainObject } from './json-pointer.js';
import type { LoadContext } from './load-context.js';

export type SpecVersion = '2.0' | '3.0' | '3.1';

export interface DetectedVersion {
  readonly version: SpecVersion;
  /** The version string as written (`3.0.3`, `2.0`). */
  readonly declared: string;
  readonly document: Record<string, unknown>;
}

export function detectVersion(
  value: unknown,
  at: (pointer: string) => SourceRef,
  context: Pick<LoadContext, 'report'>,
): DetectedVersion | undefined {
  const notOpenApi = (what: string, fix?: string) => {
    context.report({
      code: 'MCPGEN_NOT_OPENAPI',
      source: at(''),
      message: `${at('').file} is not an OpenAPI document: ${what}`,
      ...(fix ? { fix } : {}),
    });
    return undefined;
  };
  if (value === null || value === undefined) return notOpenApi('the file is empty');
  if (!isPlainObject(value)) return notOpenApi(`it holds ${describeType(value)}, not an object`);
  const lookalike = describeLookalike(value);
  if (lookalike) return notOpenApi(lookalike.what, lookalike.fix);

  const declared = readDeclaredVersion(value, at, context);
  if (declared === undefined) {
    const keys = Object.keys(value).slice(0, 5);
    return notOpenApi(
      `it has no \`openapi\` or \`swagger\` field (top-level keys: ${keys.length > 0 ? keys.join(', ') : 'none'})`,
    );
  }
  const version = toSpecVersion(declared.field, declared.text);
  if (!version) {
    const field = declared.field;
    const name = field === 'swaggerVersion' ? 'Swagger' : field === 'swagger' ? 'Swagger' : 'OpenAPI';
    context.report({
      code: 'MCPGEN_UNSUPPORTED_VERSION',
      source: at(`/${field}`),
      message: `${name} ${declared.text} is not supported`,
    });
    return undefined;
  }
  if (!('paths' in value) && !('webhooks' in value)) {
    return notOpenApi('it has no `paths` (or `webhooks`) object, so there are no operations to read');
  }
  return { version, declared: declared.text, document: value };
}

function describeLookalike(value: Record<string, unknown>): { what: string; fix?: string } | undefined {
  if ('overlay' in value && 'actions' in value) {
    return {
      what: 'it looks like an OpenAPI Overlay (it has `overlay` and `actions`)',
      fix: 'Pass the OpenAPI document (or its folder) as the spec; put overlays in <spec folder>/overlays/ or pass them with --overlay.',
    };
  }
  if ('asyncapi' in value) {
    return {
      what: 'it is an AsyncAPI document',
      fix: 'spec2mcp reads OpenAPI (3.0, 3.1) and Swagger 2.0 documents describing HTTP APIs.',
    };
  }
  if ('arazzo' in value) return { what: 'it is an Arazzo workflow document' };
  if ('openrpc' in value) return { what: 'it is an OpenRPC document' };
  if (isPlainObject(value['info']) && '_postman_id' in value['info']) {
    return { what: 'it is a Postman collection' };
  }
  if ('$schema' in value && !('openapi' in value) && !('swagger' in value)) {
    return { what: 'it is a JSON Schema' };
  }
  return undefined;
}

function readDeclaredVersion(
  value: Record<string, unknown>,
  at: (pointer: string) => SourceRef,
  context: Pick<LoadContext, 'report'>,
): { field: 'openapi' | 'swagger' | 'swaggerVersion'; text: string } | undefined {
  for (const field of ['openapi', 'swagger', 'swaggerVersion'] as const) {
    const raw = value[field];
    if (raw === undefined) continue;
    if (typeof raw === 'string') return { field, text: raw.trim() };
    if (typeof raw === 'number') {
      // `swagger: 2.0` unquoted is the number 2 in YAML: accepted, with the fix.
      const text = Number.isInteger(raw) ? `${raw}.0` : String(raw);
      context.report({
        code: 'MCPGEN_SPEC_INVALID',
        source: at(`/${field}`),
        message: `${field} is the number ${raw}; it must be a string`,
        fix: `Quote it: ${field}: '${field === 'swagger' ? '2.0' : text.split('.').length === 2 ? `${text}.0` : text}'`,
      });
      return { field, text };
    }
    return { field, text: String(raw) };
  }
  return undefined;
}

function toSpecVersion(field: string, text: string): SpecVersion | undefined {
  if (field === 'swagger') return text === '2.0' ? '2.0' : undefined;
  if (field !== 'openapi') return undefined;
  if (/^3\.0(\.\d+)?(-[\w.]+)?$/.test(text)) return '3.0';
  if (/^3\.1(\.\d+)?(-[\w.]+)?$/.test(text)) return '3.1';
  return undefined;
}
