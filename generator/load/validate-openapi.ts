/**
 * Schema validation as @apidevtools/swagger-parser does it: for 2.0 swagger-parser itself, on a
 * copy (it dereferences in place); for 3.x its checks with a validator compiled once. Findings are MCPGEN_SPEC_INVALID warnings (errors under strict): real-world documents are often
 * slightly invalid and still describe their API well enough to generate tools from.
 */
import { createRequire } from 'node:module';
import type { SourceRef } from '../diagnostics/diagnostic.js';
import type { SpecVersion } from './detect-version.js';
import { findChangedUnits, type UnitTokens } from './find-changed-units.js';
import { formatJsonPointer, isPlainObject, parseJsonPointer, resolveJsonPointer } from './json-pointer.js';
import type { LoadContext } from './load-context.js';
import { loadSchemaValidator, type SchemaValidator } from './load-schema-validator.js';
import { type AjvError, type SchemaFinding, selectSchemaErrors } from './select-schema-errors.js';
import { walkReferences } from './walk-references.js';

/** Enough to act on; the rest is a count. */
export const MAX_SPEC_FINDINGS = 20;
/** Where unresolved `$ref`s of a 2.0 copy point, so dereferencing (2.0 only) does not stop at the first. */
const STUB_KEY = 'x-spec2mcp-unresolved';
const SUPPORTED_PATCH: Record<string, readonly string[]> = {
  '3.0': ['3.0.0', '3.0.1', '3.0.2', '3.0.3', '3.0.4'],
  '3.1': ['3.1.0', '3.1.1', '3.1.2'],
};

export interface ValidateOpenApiInput {
  readonly document: Record<string, unknown>;
  readonly version: SpecVersion;
  /** Pointers of objects whose `$ref` is already reported as broken or external. */
  readonly unresolvedPointers: readonly string[];
  readonly at: (pointer: string) => SourceRef;
  /** `--watch` (3.x): the previous run's schema errors, so only edited path items and components are validated again. */
  readonly memo?: ValidationMemo;
}

export interface ValidationMemo {
  previous?: {
    readonly document: Record<string, unknown>;
    readonly version: SpecVersion;
    readonly errors: readonly AjvError[];
  };
}

export async function validateOpenApi(
  input: ValidateOpenApiInput,
  context: Pick<LoadContext, 'report'>,
): Promise<void> {
  if (input.version !== '2.0') {
    await validateOpenApi3(input, input.version, context);
    return;
  }
  const copy = prepareCopy(input);
  try {
    await validateSwagger2(copy);
  } catch (error) {
    reportFailure(error, input, context);
  }
}

/**
 * swagger-parser's `validate` for 2.0, step by step, so its schema validator is the one compiled
 * once: dereference (circular refs left), the schema, the full dereference its spec checks need,
 * the spec checks. Throws what `validate` throws.
 */
async function validateSwagger2(copy: Record<string, unknown>): Promise<void> {
  // Loaded for 2.0 only: a 3.x run does not pay for swagger-parser and its resolvers.
  const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
  // No resolver may fetch: external refs are off (and already reported by check-refs).
  const resolve = { external: false };
  const parser = new SwaggerParser();
  const api = (await parser.dereference(copy as never, {
    resolve,
    dereference: { circular: 'ignore' },
  })) as object;
  const validate = await loadSchemaValidator('2.0');
  if (!validate(api)) {
    throw Object.assign(new SyntaxError('Swagger schema validation failed.'), {
      details: validate.errors ?? [],
    });
  }
  if (parser.$refs.circular) await new SwaggerParser().dereference(api as never, { resolve });
  validateSpec(api);
}

const validateSpec = (api: object): void =>
  (
    createRequire(import.meta.url)('@apidevtools/swagger-parser/lib/validators/spec.js') as (
      api: object,
    ) => void
  )(api);

/**
 * What swagger-parser's `validate` does for 3.x, without its costs: its document checks, then
 * its schema validation with a validator compiled once (load-schema-validator.ts). It has no
 * spec checks for 3.x, and 3.x schemas accept Reference Objects everywhere, so nothing needs
 * dereferencing; the validator only reads, so no copy is made either.
 */
async function validateOpenApi3(
  input: ValidateOpenApiInput,
  version: '3.0' | '3.1',
  context: Pick<LoadContext, 'report'>,
): Promise<void> {
  const { document } = input;
  const info = document['info'];
  if (document['paths'] === undefined && (version === '3.0' || document['webhooks'] === undefined)) {
    reportFailure(new Error('it is not a valid OpenAPI API definition (no paths)'), input, context);
    return;
  }
  if (isPlainObject(info) && typeof info['version'] === 'number') {
    reportFailure(
      new Error('API version number must be a string (e.g. "1.0.0") not a number.'),
      input,
      context,
    );
    return;
  }
  const validate = await loadSchemaValidator(version);
  // The version was checked (and an unquoted number reported) by detect-version; the schema
  // knows a fixed list of patch versions, so a newer patch is validated as the newest it knows.
  const known = SUPPORTED_PATCH[version]!;
  const checked = known.includes(String(document['openapi']))
    ? document
    : { ...document, openapi: known[known.length - 1] };
  const previous = input.memo?.previous?.version === version ? input.memo.previous : undefined;
  const errors =
    (previous && revalidateChangedUnits(validate, { document, checked }, previous)) ??
    (validate(checked) ? [] : [...(validate.errors ?? [])]);
  if (input.memo) input.memo.previous = { document, version, errors };
  if (errors.length > 0) {
    reportSchemaErrors(selectSchemaErrors(errors, input.unresolvedPointers), input, context);
  }
}

/**
 * The schema errors of `checked`, from the previous document's errors and a validation of the
 * one path item or component that changed, in a copy holding only it and the root fields. The
 * schema validates each entry of `paths` and of a components map on its own, in name order, so
 * the entry's errors are a contiguous run of the whole list: replaced in place. Undefined (so
 * validate everything) for more than one change, other changes, and first errors in an entry
 * (where the run would go depends on the order of the schema's keywords).
 */
function revalidateChangedUnits(
  validate: SchemaValidator,
  input: { readonly document: Record<string, unknown>; readonly checked: Record<string, unknown> },
  previous: NonNullable<ValidationMemo['previous']>,
): AjvError[] | undefined {
  const { checked } = input;
  const changed = findChangedUnits(previous.document, input.document);
  if (!changed) return undefined;
  if (changed.length === 0) return [...previous.errors];
  if (changed.length !== 1) return undefined;
  const unit = changed[0]!;
  const pointer = formatJsonPointer(unit);
  const isUnder = (error: AjvError) =>
    error.instancePath === pointer || error.instancePath.startsWith(`${pointer}/`);
  const fresh = validate(isolateUnit(checked, unit)) ? [] : (validate.errors ?? []).filter(isUnder);
  const before = previous.errors.flatMap((error, i) => (isUnder(error) ? [i] : []));
  if (before.length === 0) return fresh.length === 0 ? [...previous.errors] : undefined;
  const first = before[0]!;
  const last = before[before.length - 1]!;
  if (last - first + 1 !== before.length) return undefined;
  return [...previous.errors.slice(0, first), ...fresh, ...previous.errors.slice(last + 1)];
}

/** The document with only `unit` under paths/components (webhooks dropped): what validating it costs. */
function isolateUnit(document: Record<string, unknown>, unit: UnitTokens): Record<string, unknown> {
  const { paths: _paths, components: _components, webhooks: _webhooks, ...root } = document;
  const [section, ...rest] = unit;
  const value = resolveJsonPointer(document, unit).value;
  if (section === 'paths') return { ...root, paths: { [rest[0]!]: value } };
  return { ...root, paths: {}, components: { [rest[0]!]: { [rest[1]!]: value } } };
}

function reportFailure(
  error: unknown,
  input: ValidateOpenApiInput,
  context: Pick<LoadContext, 'report'>,
): void {
  const details = (error as { details?: unknown }).details;
  if (Array.isArray(details)) {
    reportSchemaErrors(selectSchemaErrors(details as AjvError[], input.unresolvedPointers), input, context);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    context.report({
      code: 'MCPGEN_SPEC_INVALID',
      source: input.at(''),
      message: `The document does not validate: ${message.replace(/^Validation failed\.\s*/, '')}`,
    });
  }
}

function prepareCopy(input: ValidateOpenApiInput): Record<string, unknown> {
  const copy = structuredClone(input.document);
  // The version was checked (and an unquoted number reported) by detect-version.
  copy['swagger'] = '2.0';
  // 2.0 is dereferenced (its spec checks need it), and the dereferencer would follow `$ref` keys
  // inside example payloads; in the copy, only references in reference positions stay.
  dropLiteralRefs(copy);
  if (input.unresolvedPointers.length > 0) {
    // Distinct stubs: two identical `$ref`s in one parameter list would be a uniqueItems error.
    const stubs: Record<string, unknown> = {};
    input.unresolvedPointers.forEach((pointer, index) => {
      const holder = resolveJsonPointer(copy, parseJsonPointer(pointer) ?? []).value;
      stubs[index] = {};
      if (isPlainObject(holder)) holder['$ref'] = `#/${STUB_KEY}/${index}`;
    });
    copy[STUB_KEY] = stubs;
  }
  return copy;
}

function dropLiteralRefs(copy: Record<string, unknown>): void {
  const references = new Set<object>();
  walkReferences(copy, ({ holder }) => references.add(holder), { swagger2: true });
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (isPlainObject(node)) {
      if ('$ref' in node && !references.has(node)) delete node['$ref'];
      for (const value of Object.values(node)) visit(value);
    }
  };
  visit(copy);
}

function reportSchemaErrors(
  findings: readonly SchemaFinding[],
  input: ValidateOpenApiInput,
  context: Pick<LoadContext, 'report'>,
): void {
  for (const finding of findings.slice(0, MAX_SPEC_FINDINGS)) {
    context.report({
      code: 'MCPGEN_SPEC_INVALID',
      source: input.at(finding.pointer),
      message: finding.message,
    });
  }
  if (findings.length > MAX_SPEC_FINDINGS) {
    context.report({
      code: 'MCPGEN_SPEC_INVALID',
      source: input.at(''),
      message: `${findings.length - MAX_SPEC_FINDINGS} more schema problems not shown (${findings.length} in all)`,
    });
  }
}
