/** listBlockTypes and getBlockTypeSchema, served from the block-type catalog. */
import { throwNotFound } from './api-error.js';
import { BLOCK_TYPE_DEFINITIONS, findBlockTypeDefinition } from './block-types.js';
import type { OperationHandlers } from './operation-context.js';
import { readPathParam } from './operation-context.js';

export const blockHandlers: OperationHandlers = {
  listBlockTypes: () => ({
    status: 200,
    body: {
      items: BLOCK_TYPE_DEFINITIONS.map(({ type, name, category, description }) => ({
        type,
        name,
        category,
        description,
      })),
    },
  }),

  getBlockTypeSchema: (context) => {
    const type = readPathParam(context, 'blockType');
    const definition = findBlockTypeDefinition(type);
    if (definition === undefined) throwNotFound('Block type', type);
    const { name, category, description, output, configSchema } = definition;
    return {
      status: 200,
      body: { type, name, category, description, configSchema: structuredClone(configSchema), output },
    };
  },
};
