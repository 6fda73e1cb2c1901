/**
 * Ajv 2020 validators for one contract run, compiled once per distinct schema text. Two instances:
 * one that checks values as they are (JSON bodies, tool arguments and results) and one that first
 * coerces strings (path, query, header and form values all arrive as text). Unoptimized code with refs
 * kept as calls compiles several times faster on large documents and accepts exactly the same values.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export type SchemaCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly errors: readonly string[] }
  /** The schema itself does not compile: nothing can be said about the value. */
  | { readonly ok: 'unchecked'; readonly reason: string };

export interface SchemaCompiler {
  /** Checks `value` against `schema`; `coerce` converts text to the types the schema asks for (in place). */
  check(schema: unknown, value: unknown, options?: { readonly coerce?: boolean }): SchemaCheck;
}

const MAX_ERRORS = 3;

/** `shared`: schemas other schemas reference by `$id` (the document's normalized components). */
export function createSchemaCompiler(shared: readonly { readonly $id: string }[] = []): SchemaCompiler {
  const create = (coerceTypes: false | 'array') => {
    const ajv = new Ajv2020({
      strict: false,
      logger: false,
      allErrors: false,
      // Real documents carry schemas the meta-schema rejects (duplicate `required` items); Ajv reads them fine.
      validateSchema: false,
      coerceTypes,
      code: { optimize: false },
      inlineRefs: false,
    });
    addFormats.default(ajv);
    for (const schema of shared) {
      try {
        ajv.addSchema(schema as object);
      } catch (error) {
        // Schemas that reference it then fail to compile and are reported as unchecked, with this reason.
        console.warn(`contract: ${schema.$id} could not be registered: ${(error as Error).message}`);
      }
    }
    return ajv;
  };
  const instances = { plain: create(false), coerce: create('array') };
  const compiled = {
    plain: new Map<string, ValidateFunction | string>(),
    coerce: new Map<string, ValidateFunction | string>(),
  };
  return {
    check(schema, value, options = {}) {
      const which = options.coerce ? 'coerce' : 'plain';
      const text = JSON.stringify(schema ?? {});
      let validate = compiled[which].get(text);
      if (validate === undefined) {
        try {
          validate = instances[which].compile(JSON.parse(text) as object);
        } catch (error) {
          validate = `its schema does not compile: ${(error as Error).message.split('\n')[0]}`;
        }
        compiled[which].set(text, validate);
      }
      if (typeof validate === 'string') return { ok: 'unchecked', reason: validate };
      if (validate(value)) return { ok: true };
      return { ok: false, errors: describeSchemaErrors(validate.errors ?? []) };
    },
  };
}

/** `/items/0/id must be string`, the first few, without the summaries oneOf/anyOf add. */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  return (specific.length > 0 ? specific : errors).slice(0, MAX_ERRORS).map((error) => {
    const at = error.instancePath === '' ? '(root)' : error.instancePath;
    if (error.keyword === 'required')
      return `${at} must have property '${String(error.params['missingProperty'])}'`;
    if (error.keyword === 'additionalProperties') {
      return `${at} has property '${String(error.params['additionalProperty'])}' the schema does not allow`;
    }
    if (error.keyword === 'enum') {
      return `${at} must be one of ${JSON.stringify(error.params['allowedValues']).slice(0, 120)}`;
    }
    return `${at} ${error.message ?? 'is invalid'}`;
  });
}
