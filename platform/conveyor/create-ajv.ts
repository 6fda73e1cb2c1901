/**
 * One place that knows how to import Ajv (CommonJS default exports under NodeNext) and which
 * options the spec's schemas need: JSON Schema 2020-12, union types like `[string, 'null']`, formats.
 */
import ajv2020Module from 'ajv/dist/2020.js';
import ajvFormatsModule from 'ajv-formats';

const Ajv2020 = ajv2020Module.default;
const addFormats = ajvFormatsModule.default;

export type Ajv = InstanceType<typeof Ajv2020>;

export function createAjv(options: { useDefaults: boolean }): Ajv {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    useDefaults: options.useDefaults,
  });
  addFormats(ajv);
  return ajv;
}
