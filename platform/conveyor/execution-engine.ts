/**
 * Executions progress with time, not with timers: every read first calls advanceExecution(now), which
 * replays the ticks elapsed since the last step. One tick (tickMs) queues, each block takes its
 * block type's ticks. Nothing runs in the background, so closing the app leaves nothing behind and a
 * test clock can drive the lifecycle deterministically.
 */
import { createHash } from 'node:crypto';
import { throwConflict, throwUnprocessable } from './api-error.js';
import type { Block, ExecutionMode, HumanInputField, LogLevel, Variable } from './api-types.js';
import { findBlockTypeDefinition, isTriggerType } from './block-types.js';
import { lookupPath, renderTemplate, resolveTemplateValue } from './render-template.js';
import type { ExecutionRecord, PlatformState, WorkflowDefinition, WorkflowRecord } from './state.js';
import { generateId } from './state.js';
import type { ValidationIssue } from './validate-request.js';

const TERMINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export function isTerminal(execution: ExecutionRecord): boolean {
  return TERMINAL_STATUSES.has(execution.status);
}

type BlockOutcome =
  | { readonly kind: 'next'; readonly output: unknown }
  | { readonly kind: 'fail'; readonly code: string; readonly message: string }
  | { readonly kind: 'pause'; readonly prompt: string; readonly fields: HumanInputField[] };

export interface StartExecutionOptions {
  readonly workflow: WorkflowRecord;
  readonly input: Record<string, unknown>;
  readonly mode: ExecutionMode;
  readonly retryOf: string | null;
  readonly now: number;
}

/**
 * Checks that the workflow may run in this mode; the same rules apply to startExecution and
 * retryExecution.
 */
export function assertRunnable(workflow: WorkflowRecord, mode: ExecutionMode): WorkflowDefinition {
  if (workflow.status !== 'PUBLISHED' || workflow.published === null) {
    throwConflict(
      'workflow_not_published',
      `Workflow '${workflow.id}' is ${workflow.status}; only PUBLISHED workflows can run. ` +
        (workflow.status === 'DRAFT' ? 'Publish it first.' : 'Duplicate it to get an editable draft.'),
      { workflowId: workflow.id, status: workflow.status },
    );
  }
  if (mode === 'production' && !workflow.active) {
    throwConflict(
      'workflow_inactive',
      `Workflow '${workflow.id}' is not active. Activate it with setWorkflowActive, or run it with mode "test".`,
      { workflowId: workflow.id, active: false },
    );
  }
  return workflow.published;
}

export function startExecution(state: PlatformState, options: StartExecutionOptions): ExecutionRecord {
  const { workflow, now } = options;
  const definition = assertRunnable(workflow, options.mode);
  const input = prepareExecutionInput(definition.variables, options.input);
  const execution: ExecutionRecord = {
    id: generateId(state, 'exe_'),
    workspaceId: workflow.workspaceId,
    workflowId: workflow.id,
    workflowName: workflow.name,
    workflowVersion: workflow.publishedVersion ?? workflow.version,
    mode: options.mode,
    input,
    retryOf: options.retryOf,
    createdAt: now,
    definition,
    status: 'QUEUED',
    startedAt: null,
    finishedAt: null,
    output: null,
    error: null,
    currentBlockId: null,
    clockAt: now,
    steps: {},
    lastOutput: input,
    pendingHumanInput: null,
    humanInputCount: 0,
    logs: [],
  };
  appendLog(
    execution,
    now,
    'info',
    null,
    `Execution queued: workflow "${workflow.name}" version ${execution.workflowVersion}, mode ${options.mode}` +
      (options.retryOf === null ? '' : `, retry of ${options.retryOf}`),
  );
  state.executions.set(execution.id, execution);
  return execution;
}

/** Applies defaults and rejects missing, unknown or mistyped variables with 422. */
export function prepareExecutionInput(
  variables: readonly Variable[],
  input: Record<string, unknown>,
): Record<string, unknown> {
  const issues: ValidationIssue[] = [];
  const prepared: Record<string, unknown> = {};
  const declared = new Map(variables.map((variable) => [variable.name, variable]));
  for (const name of Object.keys(input)) {
    if (!declared.has(name)) {
      const known = variables.map((variable) => variable.name).join(', ') || 'none';
      issues.push({
        location: 'body',
        field: `input.${name}`,
        message: `is not a variable of the workflow (known: ${known})`,
      });
    }
  }
  for (const variable of variables) {
    const value = input[variable.name] ?? variable.default;
    if (value === undefined) {
      if (variable.required === true) {
        issues.push({ location: 'body', field: `input.${variable.name}`, message: 'is required' });
      }
      continue;
    }
    if (!matchesVariableType(value, variable.type)) {
      issues.push({
        location: 'body',
        field: `input.${variable.name}`,
        message: `must be of type ${variable.type}`,
      });
      continue;
    }
    prepared[variable.name] = value;
  }
  if (issues.length > 0) {
    const first = issues[0];
    throwUnprocessable('invalid_input', `Invalid execution input: ${first?.field} ${first?.message}.`, {
      location: 'body',
      field: first?.field ?? 'input',
      issues,
    });
  }
  return prepared;
}

function matchesVariableType(value: unknown, type: Variable['type']): boolean {
  switch (type) {
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

export function advanceExecution(
  state: PlatformState,
  execution: ExecutionRecord,
  now: number,
): ExecutionRecord {
  const tickMs = state.tickMs;
  for (;;) {
    if (execution.status === 'QUEUED') {
      const at = execution.clockAt + tickMs;
      if (now < at) return execution;
      const trigger = execution.definition.blocks.find((block) => isTriggerType(block.type));
      execution.status = 'RUNNING';
      execution.startedAt = at;
      execution.clockAt = at;
      execution.currentBlockId = trigger?.id ?? null;
      appendLog(execution, at, 'info', null, 'Execution started');
      if (trigger === undefined) finishSucceeded(execution, at);
      continue;
    }
    if (execution.status !== 'RUNNING') return execution;
    const block = execution.definition.blocks.find((candidate) => candidate.id === execution.currentBlockId);
    if (block === undefined) {
      finishSucceeded(execution, execution.clockAt);
      return execution;
    }
    const at = execution.clockAt + (findBlockTypeDefinition(block.type)?.ticks ?? 1) * tickMs;
    if (now < at) return execution;
    const outcome = runBlock(execution, block, at);
    if (outcome.kind === 'fail') {
      appendLog(execution, at, 'error', block.id, outcome.message);
      execution.status = 'FAILED';
      execution.finishedAt = at;
      execution.error = { code: outcome.code, message: outcome.message, blockId: block.id };
      appendLog(execution, at, 'error', null, `Execution failed at block "${block.name}" (${block.id})`);
      return execution;
    }
    if (outcome.kind === 'pause') {
      execution.humanInputCount += 1;
      execution.status = 'PAUSED';
      execution.clockAt = at;
      execution.pendingHumanInput = {
        inputId: `hin_${execution.id.slice(4)}_${execution.humanInputCount}`,
        blockId: block.id,
        prompt: outcome.prompt,
        fields: outcome.fields,
        requestedAt: at,
      };
      appendLog(execution, at, 'info', block.id, `Paused: waiting for human input: ${outcome.prompt}`);
      return execution;
    }
    continueAfterBlock(execution, block, outcome.output, at);
  }
}

export function advanceAllExecutions(state: PlatformState, workspaceId: string, now: number): void {
  for (const execution of state.executions.values()) {
    if (execution.workspaceId === workspaceId && !isTerminal(execution))
      advanceExecution(state, execution, now);
  }
}

/** Idempotent: a finished execution is returned unchanged. */
export function cancelExecution(
  state: PlatformState,
  execution: ExecutionRecord,
  options: { now: number; actor: string; reason: string | undefined },
): ExecutionRecord {
  advanceExecution(state, execution, options.now);
  if (isTerminal(execution)) return execution;
  execution.status = 'CANCELLED';
  execution.finishedAt = options.now;
  execution.pendingHumanInput = null;
  appendLog(
    execution,
    options.now,
    'warn',
    execution.currentBlockId,
    `Execution cancelled by ${options.actor}${options.reason ? `: ${options.reason}` : ''}`,
  );
  execution.currentBlockId = null;
  return execution;
}

export function submitHumanInput(
  state: PlatformState,
  execution: ExecutionRecord,
  options: { now: number; actor: string; inputId: string; values: Record<string, unknown> },
): ExecutionRecord {
  advanceExecution(state, execution, options.now);
  const pending = execution.pendingHumanInput;
  if (execution.status !== 'PAUSED' || pending === null) {
    throwConflict(
      'execution_not_paused',
      `Execution '${execution.id}' is ${execution.status}, not PAUSED; it is not waiting for human input.`,
      { executionId: execution.id, status: execution.status },
    );
  }
  if (pending.inputId !== options.inputId) {
    throwConflict(
      'stale_input_id',
      `Execution '${execution.id}' is waiting for input '${pending.inputId}', not '${options.inputId}'.`,
      { executionId: execution.id, pendingInputId: pending.inputId },
    );
  }
  const values = validateHumanInputValues(pending.fields, options.values);
  const block = execution.definition.blocks.find((candidate) => candidate.id === pending.blockId);
  execution.pendingHumanInput = null;
  execution.status = 'RUNNING';
  appendLog(
    execution,
    options.now,
    'info',
    pending.blockId,
    `Human input ${pending.inputId} received from ${options.actor}`,
  );
  if (block === undefined) {
    finishSucceeded(execution, options.now);
    return execution;
  }
  continueAfterBlock(execution, block, values, options.now);
  return execution;
}

function validateHumanInputValues(
  fields: readonly HumanInputField[],
  values: Record<string, unknown>,
): Record<string, unknown> {
  const issues: ValidationIssue[] = [];
  const add = (name: string, message: string) =>
    issues.push({ location: 'body', field: `values.${name}`, message });
  const byName = new Map(fields.map((field) => [field.name, field]));
  for (const name of Object.keys(values)) {
    if (!byName.has(name))
      add(name, `is not a field of this request (fields: ${fields.map((f) => f.name).join(', ')})`);
  }
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined || value === null || value === '') {
      if (field.required) add(field.name, `is required (${field.label})`);
      continue;
    }
    if (field.type === 'choice') {
      if (typeof value !== 'string' || !(field.options ?? []).includes(value)) {
        add(field.name, `must be one of: ${(field.options ?? []).join(', ')}`);
      }
    } else if (typeof value !== field.type) {
      add(field.name, `must be a ${field.type}`);
    }
  }
  if (issues.length > 0) {
    const first = issues[0];
    throwUnprocessable('invalid_human_input', `Invalid human input: ${first?.field} ${first?.message}.`, {
      location: 'body',
      field: first?.field ?? 'values',
      issues,
    });
  }
  return values;
}

function continueAfterBlock(execution: ExecutionRecord, block: Block, output: unknown, at: number): void {
  execution.steps[block.id] = output;
  execution.lastOutput = output;
  const next = findNextBlockId(execution.definition, block, output);
  if (next === null) {
    finishSucceeded(execution, at);
    return;
  }
  execution.currentBlockId = next;
  execution.clockAt = at;
}

function findNextBlockId(definition: WorkflowDefinition, block: Block, output: unknown): string | null {
  const outgoing = definition.edges.filter((edge) => edge.from === block.id);
  if (block.type === 'condition') {
    const branch = String(lookupPath(output, 'result') === true);
    return outgoing.find((edge) => edge.branch === branch)?.to ?? null;
  }
  return outgoing[0]?.to ?? null;
}

function finishSucceeded(execution: ExecutionRecord, at: number): void {
  const output = execution.lastOutput;
  execution.status = 'SUCCEEDED';
  execution.finishedAt = at;
  execution.currentBlockId = null;
  execution.output =
    output !== null && typeof output === 'object' && !Array.isArray(output)
      ? (output as Record<string, unknown>)
      : { value: output ?? null };
  appendLog(execution, at, 'info', null, `Execution succeeded in ${at - (execution.startedAt ?? at)} ms`);
}

function runBlock(execution: ExecutionRecord, block: Block, at: number): BlockOutcome {
  const context = { input: execution.input, steps: execution.steps };
  const config = block.config;
  const log = (level: LogLevel, message: string) => appendLog(execution, at, level, block.id, message);
  switch (block.type) {
    case 'trigger_manual':
    case 'trigger_schedule':
    case 'trigger_webhook':
      log(
        'info',
        `Trigger "${block.name}" fired with ${Object.keys(execution.input).length} input variable(s)`,
      );
      return { kind: 'next', output: execution.input };
    case 'http_request': {
      const method = typeof config['method'] === 'string' ? config['method'] : 'GET';
      const url = renderTemplate(String(config['url'] ?? ''), context);
      const latency = 40 + (hashNumber(url) % 260);
      log('debug', `${method} ${url}`);
      // The reference implementation never calls out: URLs containing "fail" stand in for a broken API.
      if (url.toLowerCase().includes('fail')) {
        return {
          kind: 'fail',
          code: 'http_error',
          message: `${method} ${url} answered 503 Service Unavailable`,
        };
      }
      log('info', `${method} ${url} answered 200 OK in ${latency} ms`);
      return { kind: 'next', output: { status: 200, body: { ok: true, url } } };
    }
    case 'transform': {
      const assigned = resolveTemplateValue(config['assign'] ?? {}, context) as Record<string, unknown>;
      log('info', `Set ${Object.keys(assigned).join(', ')}`);
      return { kind: 'next', output: assigned };
    }
    case 'condition': {
      const left = resolveTemplateValue(config['left'], context);
      const operator = String(config['operator']);
      const result = evaluateCondition(left, operator, config['right']);
      log(
        'info',
        `Condition ${JSON.stringify(left) ?? 'undefined'} ${operator} ${JSON.stringify(config['right'] ?? null)} is ${result}`,
      );
      return { kind: 'next', output: { result } };
    }
    case 'human_input': {
      const fields = ((config['fields'] as HumanInputField[] | undefined) ?? []).map((field) => ({
        ...field,
        required: field.required === true,
      }));
      return { kind: 'pause', prompt: renderTemplate(String(config['prompt'] ?? ''), context), fields };
    }
    case 'send_email': {
      const to = renderTemplate(String(config['to'] ?? ''), context);
      const subject = renderTemplate(String(config['subject'] ?? ''), context);
      if (execution.mode === 'test') {
        log('warn', `Test mode: email "${subject}" to ${to} not sent`);
        return { kind: 'next', output: { sent: false, to } };
      }
      log('info', `Email "${subject}" sent to ${to}`);
      return { kind: 'next', output: { sent: true, to } };
    }
    case 'delay': {
      const seconds = typeof config['seconds'] === 'number' ? config['seconds'] : 0;
      log('info', `Waited ${seconds} s (simulated)`);
      return { kind: 'next', output: { waitedSeconds: seconds } };
    }
  }
}

function evaluateCondition(left: unknown, operator: string, right: unknown): boolean {
  switch (operator) {
    case 'exists':
      return left !== undefined && left !== null && left !== '';
    case 'not_exists':
      return left === undefined || left === null || left === '';
    case 'eq':
      return left === right || String(left) === String(right);
    case 'neq':
      return !(left === right || String(left) === String(right));
    case 'contains':
      return Array.isArray(left) ? left.includes(right) : String(left ?? '').includes(String(right ?? ''));
    default: {
      const a = Number(left);
      const b = Number(right);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      if (operator === 'gt') return a > b;
      if (operator === 'gte') return a >= b;
      if (operator === 'lt') return a < b;
      return a <= b;
    }
  }
}

function appendLog(
  execution: ExecutionRecord,
  at: number,
  level: LogLevel,
  blockId: string | null,
  message: string,
): void {
  execution.logs.push({ seq: execution.logs.length + 1, at, level, blockId, message });
}

/** Deterministic stand-in for network latency, so repeated runs log the same numbers. */
function hashNumber(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
