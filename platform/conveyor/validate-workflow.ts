/**
 * Semantic checks of a workflow definition beyond the request schema: block configs against their
 * block-type schemas and edges between existing blocks (on every save), and a runnable graph (on
 * publish). Both answer 422 with every problem listed.
 */
import type { ValidateFunction } from 'ajv';
import { throwUnprocessable } from './api-error.js';
import type { Block, Edge, Variable } from './api-types.js';
import { BLOCK_TYPE_DEFINITIONS, isTriggerType } from './block-types.js';
import { createAjv } from './create-ajv.js';
import type { WorkflowDefinition } from './state.js';
import type { ValidationIssue } from './validate-request.js';
import { formatFieldPath } from './validate-request.js';

const configAjv = createAjv({ useDefaults: false });
const configValidators = new Map<string, ValidateFunction>(
  BLOCK_TYPE_DEFINITIONS.map((definition) => [definition.type, configAjv.compile(definition.configSchema)]),
);

interface DefinitionParts {
  readonly blocks: readonly Block[];
  readonly edges: readonly Edge[];
  readonly variables: readonly Variable[];
}

export function assertValidDefinition(definition: DefinitionParts): void {
  const issues = collectDefinitionIssues(definition);
  if (issues.length > 0) {
    throwUnprocessable(
      'invalid_workflow',
      `The workflow definition is invalid: ${describeIssue(issues[0])}.`,
      {
        location: 'body',
        field: issues[0]?.field ?? '',
        issues,
      },
    );
  }
}

export function assertPublishable(definition: WorkflowDefinition): void {
  const issues = [...collectDefinitionIssues(definition), ...collectGraphIssues(definition)];
  if (issues.length > 0) {
    throwUnprocessable(
      'workflow_not_publishable',
      `The workflow cannot be published: ${describeIssue(issues[0])}. Fix it with updateWorkflow.`,
      { issues },
    );
  }
}

function describeIssue(issue: ValidationIssue | undefined): string {
  if (issue === undefined) return 'unknown problem';
  return issue.field === '' ? issue.message : `${issue.field} ${issue.message}`;
}

function collectDefinitionIssues({ blocks, edges, variables }: DefinitionParts): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (segments: readonly string[], message: string) =>
    issues.push({ location: 'body', field: formatFieldPath(segments), message });
  const ids = new Set<string>();
  blocks.forEach((block, index) => {
    if (ids.has(block.id)) add(['blocks', String(index), 'id'], `'${block.id}' is used by another block`);
    ids.add(block.id);
    const validate = configValidators.get(block.type);
    if (validate !== undefined && !validate(block.config)) {
      for (const error of validate.errors ?? []) {
        const segments = ['blocks', String(index), 'config', ...error.instancePath.split('/').slice(1)];
        if (error.keyword === 'required') segments.push(String(error.params['missingProperty']));
        if (error.keyword === 'additionalProperties')
          segments.push(String(error.params['additionalProperty']));
        add(segments, `${error.message ?? 'is invalid'} (block '${block.id}', type ${block.type})`);
      }
    }
  });
  edges.forEach((edge, index) => {
    if (!ids.has(edge.from)) add(['edges', String(index), 'from'], `refers to unknown block '${edge.from}'`);
    if (!ids.has(edge.to)) add(['edges', String(index), 'to'], `refers to unknown block '${edge.to}'`);
    if (edge.from === edge.to) add(['edges', String(index)], `connects block '${edge.from}' to itself`);
  });
  const names = new Set<string>();
  variables.forEach((variable, index) => {
    if (names.has(variable.name))
      add(['variables', String(index), 'name'], `'${variable.name}' is declared twice`);
    names.add(variable.name);
  });
  return issues;
}

function collectGraphIssues({ blocks, edges }: WorkflowDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (field: string, message: string) => issues.push({ location: 'body', field, message });
  const triggers = blocks.filter((block) => isTriggerType(block.type));
  if (triggers.length !== 1)
    add('blocks', `must contain exactly one trigger block, found ${triggers.length}`);
  const byId = new Map(blocks.map((block) => [block.id, block]));
  for (const trigger of triggers) {
    if (edges.some((edge) => edge.to === trigger.id))
      add('edges', `must not lead into trigger '${trigger.id}'`);
  }
  for (const block of blocks) {
    const outgoing = edges.filter((edge) => edge.from === block.id);
    if (block.type === 'condition') {
      if (outgoing.some((edge) => edge.branch === undefined)) {
        add('edges', `leaving condition '${block.id}' need a branch "true" or "false"`);
      }
      for (const branch of ['true', 'false'] as const) {
        if (outgoing.filter((edge) => edge.branch === branch).length > 1) {
          add('edges', `condition '${block.id}' has more than one "${branch}" branch`);
        }
      }
    } else if (outgoing.length > 1) {
      add('edges', `block '${block.id}' has ${outgoing.length} outgoing edges; only conditions may branch`);
    } else if (outgoing.some((edge) => edge.branch !== undefined)) {
      add('edges', `only edges leaving a condition block may carry a branch (block '${block.id}')`);
    }
  }
  if (findCycle(blocks, edges, byId)) add('edges', 'must not form a cycle');
  return issues;
}

function findCycle(
  blocks: readonly Block[],
  edges: readonly Edge[],
  byId: ReadonlyMap<string, Block>,
): boolean {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') return true;
    state.set(id, 'visiting');
    for (const edge of edges) {
      if (edge.from === id && byId.has(edge.to) && visit(edge.to)) return true;
    }
    state.set(id, 'done');
    return false;
  };
  return blocks.some((block) => visit(block.id));
}
