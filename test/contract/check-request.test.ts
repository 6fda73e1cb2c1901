/**
 * checkRequest: the checks `contract` makes on each request the runtime sends, on small operations.
 */
import { describe, expect, it } from 'vitest';
import { checkRequest } from '../../contract/check-request.js';
import { createSchemaCompiler } from '../../contract/compile-schemas.js';
import type { ContractOperation } from '../../contract/read-operations.js';

describe('checkRequest, query parameters', () => {
  it('checks objects sent as JSON text as typed values, so oneOf picks one branch (Box mdfilters)', () => {
    // Given: an array-of-objects query parameter whose values are a shared oneOf of a string, a
    // number and a list of strings (coerced, "online" would be both a string and a one-item list).
    const shared = [
      {
        $id: 'urn:test:input',
        $defs: {
          Value: {
            oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'array', items: { type: 'string' } }],
          },
        },
      },
    ];
    const compiler = createSchemaCompiler(shared);
    const operation: ContractOperation = {
      key: 'GET /search',
      method: 'get',
      path: '/search',
      label: 'GET /search',
      parameters: [
        {
          name: 'mdfilters',
          in: 'query',
          required: false,
          style: 'form',
          explode: true,
          schema: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                filters: { type: 'object', additionalProperties: { $ref: 'urn:test:input#/$defs/Value' } },
              },
            },
          },
        },
      ],
      responses: [],
    };
    const check = (filters: unknown) =>
      checkRequest({
        operation,
        request: {
          method: 'GET',
          url: `/search?mdfilters=${encodeURIComponent(JSON.stringify({ filters }))}`,
          headers: {},
          body: Buffer.alloc(0),
        },
        pathValues: [],
        compiler,
      });
    // Want: a string value and a number value pass; an object value the oneOf has no branch for fails.
    expect(check({ category: 'online' })).toEqual([]);
    expect(check({ amount: 100000 })).toEqual([]);
    expect(check({ category: { nested: true } })).toHaveLength(1);
  });
});
