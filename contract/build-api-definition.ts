/**
 * ApiIR -> the ApiDefinition the runtime serves, in memory: the same objects the emitted
 * `index.ts` and `tools/*.ts` spell out as literals (both come from
 * generator/emit/runtime-definition.ts), so `contract` can serve what a spec generates without
 * writing, type-checking or importing TypeScript. test/contract/build-api-definition.test.ts
 * holds the result against the committed generated/conveyor.
 */
import {
  toApiSettings,
  toPromptDefinitions,
  toToolDefinition,
} from '../generator/emit/runtime-definition.js';
import type { ApiIR } from '../generator/ir/types.js';
import type { ApiDefinition } from '../runtime/define-tool.js';

export function buildApiDefinition(api: ApiIR): ApiDefinition {
  const definition = {
    ...toApiSettings(api),
    prompts: toPromptDefinitions(api),
    tools: api.tools.map(toToolDefinition),
  };
  // A JSON round trip drops undefined members and non-finite numbers, as the printed literals do.
  return JSON.parse(JSON.stringify(definition)) as ApiDefinition;
}
