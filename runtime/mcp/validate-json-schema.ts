/**
 * The JSON Schema 2020-12 meta-schema validator the startup schema check uses (tool-registry.ts).
 * From sources it is compiled here with Ajv, 25–70 ms of startup; `npm run build` replaces this
 * module with Ajv's standalone code for the same validator (scripts/meta-schema-validator.mjs), so
 * a built server only loads it. Formats are not checked, as in Ajv's own `validateSchema`.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

export const META_SCHEMA_ID = 'https://json-schema.org/draft/2020-12/schema';

let validator: ValidateFunction | undefined;

/** One validator per process: servers reloading their API share it. */
export function getMetaSchemaValidator(): ValidateFunction {
  validator ??= compileMetaSchemaValidator();
  return validator;
}

function compileMetaSchemaValidator(): ValidateFunction {
  const validate = new Ajv2020({ strict: false, allErrors: true }).getSchema(META_SCHEMA_ID);
  if (validate === undefined) throw new Error(`Ajv does not ship the meta-schema ${META_SCHEMA_ID}.`);
  return validate;
}
