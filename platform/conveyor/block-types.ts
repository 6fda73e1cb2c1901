/**
 * The block-type catalog: what each block does and the JSON Schema its `config` must satisfy.
 * getBlockTypeSchema serves these schemas and workflow validation checks configs against them.
 */
import type { BlockType } from './api-types.js';

export interface BlockTypeDefinition {
  readonly type: BlockType;
  readonly name: string;
  readonly category: 'trigger' | 'action' | 'logic' | 'human';
  readonly description: string;
  readonly output: string;
  /** How many engine ticks the block takes. */
  readonly ticks: number;
  readonly configSchema: { readonly [key: string]: unknown };
}

const TEMPLATE_NOTE = 'Strings may contain templates such as {{input.amount}} or {{steps.<blockId>.body}}.';

function defineConfigSchema(
  title: string,
  properties: Record<string, unknown>,
  required: readonly string[],
): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title,
    description: TEMPLATE_NOTE,
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  };
}

export const BLOCK_TYPE_DEFINITIONS: readonly BlockTypeDefinition[] = [
  {
    type: 'trigger_manual',
    name: 'Manual trigger',
    category: 'trigger',
    description: 'Starts the workflow when someone runs it from the editor or the API.',
    output: 'The execution input.',
    ticks: 1,
    configSchema: defineConfigSchema('Manual trigger config', {}, []),
  },
  {
    type: 'trigger_schedule',
    name: 'Schedule trigger',
    category: 'trigger',
    description: 'Starts the workflow on a cron schedule (see the schedules endpoints).',
    output: 'The execution input.',
    ticks: 1,
    configSchema: defineConfigSchema(
      'Schedule trigger config',
      {
        scheduleId: {
          type: 'string',
          pattern: '^sch_[A-Za-z0-9_]{1,64}$',
          description: 'The schedule that fires this trigger.',
        },
      },
      [],
    ),
  },
  {
    type: 'trigger_webhook',
    name: 'Webhook trigger',
    category: 'trigger',
    description: 'Starts the workflow when an HTTP request reaches its webhook URL.',
    output: 'The execution input (the webhook JSON body).',
    ticks: 1,
    configSchema: defineConfigSchema(
      'Webhook trigger config',
      {
        path: { type: 'string', pattern: '^[a-z0-9][a-z0-9-/]{0,99}$', description: 'Path below /hooks/.' },
        secretHeader: { type: 'string', description: 'Header that must carry the shared secret.' },
      },
      ['path'],
    ),
  },
  {
    type: 'http_request',
    name: 'HTTP request',
    category: 'action',
    description: 'Calls an HTTP API, optionally authenticated with a connection.',
    output: '{status, body} of the response; a status of 400 or more fails the execution.',
    ticks: 1,
    configSchema: defineConfigSchema(
      'HTTP request config',
      {
        method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'GET' },
        url: { type: 'string', minLength: 1, maxLength: 2000 },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: { description: 'JSON body for POST, PUT and PATCH.' },
        connectionId: { type: 'string', pattern: '^con_[A-Za-z0-9_]{1,64}$' },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 120000, default: 30000 },
      },
      ['url'],
    ),
  },
  {
    type: 'transform',
    name: 'Transform',
    category: 'logic',
    description: 'Builds an object from templates over the input and earlier steps.',
    output: 'The object built from `assign`.',
    ticks: 1,
    configSchema: defineConfigSchema(
      'Transform config',
      {
        assign: {
          type: 'object',
          minProperties: 1,
          description: 'Output field -> value; string values are templates.',
        },
      },
      ['assign'],
    ),
  },
  {
    type: 'condition',
    name: 'Condition',
    category: 'logic',
    description: 'Compares two values and continues on the edge whose branch is "true" or "false".',
    output: '{result: boolean}.',
    ticks: 1,
    configSchema: defineConfigSchema(
      'Condition config',
      {
        left: { type: 'string', minLength: 1, description: 'Usually a template, e.g. {{input.amount}}.' },
        operator: {
          type: 'string',
          enum: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists'],
        },
        right: { type: ['string', 'number', 'boolean', 'null'] },
      },
      ['left', 'operator'],
    ),
  },
  {
    type: 'human_input',
    name: 'Human input',
    category: 'human',
    description: 'Pauses the execution until a person submits the requested fields.',
    output: 'The submitted values by field name.',
    ticks: 1,
    configSchema: defineConfigSchema(
      'Human input config',
      {
        prompt: { type: 'string', minLength: 1, maxLength: 2000 },
        fields: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          items: {
            type: 'object',
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' },
              label: { type: 'string', minLength: 1 },
              type: { type: 'string', enum: ['string', 'number', 'boolean', 'choice'] },
              required: { type: 'boolean', default: false },
              options: { type: 'array', items: { type: 'string' }, minItems: 1 },
            },
            required: ['name', 'label', 'type'],
            additionalProperties: false,
          },
        },
        assignee: { type: 'string', format: 'email', description: 'Who is notified.' },
      },
      ['prompt', 'fields'],
    ),
  },
  {
    type: 'send_email',
    name: 'Send email',
    category: 'action',
    description: 'Sends an email through an SMTP connection. Skipped in test mode.',
    output: '{sent: boolean, to}.',
    ticks: 1,
    configSchema: defineConfigSchema(
      'Send email config',
      {
        to: { type: 'string', minLength: 3 },
        subject: { type: 'string', minLength: 1, maxLength: 200 },
        body: { type: 'string', maxLength: 20000 },
        connectionId: { type: 'string', pattern: '^con_[A-Za-z0-9_]{1,64}$' },
      },
      ['to', 'subject'],
    ),
  },
  {
    type: 'delay',
    name: 'Delay',
    category: 'logic',
    description: 'Waits before continuing (the reference implementation simulates the wait).',
    output: '{waitedSeconds}.',
    ticks: 2,
    configSchema: defineConfigSchema(
      'Delay config',
      { seconds: { type: 'integer', minimum: 1, maximum: 86400 } },
      ['seconds'],
    ),
  },
];

export function findBlockTypeDefinition(type: string): BlockTypeDefinition | undefined {
  return BLOCK_TYPE_DEFINITIONS.find((definition) => definition.type === type);
}

export function isTriggerType(type: string): boolean {
  return type.startsWith('trigger_');
}
