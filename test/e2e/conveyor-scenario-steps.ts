/**
 * The Conveyor acceptance scenario as steps that take a connected SDK v2 Client, so every transport
 * (Streamable HTTP at both revisions, stdio, legacy SSE) runs the same checks: list the tools, call
 * one, get a prompt, and run a long execution with `wait: true` and progress notifications.
 * Each step asserts with vitest's `expect` and returns what it saw.
 */
import { randomUUID } from 'node:crypto';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { expect } from 'vitest';

export type Structured = Record<string, unknown>;

export const EXPECTED_TOOLS = [
  'archive_workflow',
  'cancel_execution',
  'create_workflow',
  'execute_workflow',
  'get_connection',
  'get_current_user',
  'get_execution_status',
  'get_workflow',
  'get_workflow_block_schemas',
  'list_block_types',
  'list_connections',
  'list_executions',
  'list_schedules',
  'list_workflows',
  'list_workspaces',
  'publish_workflow',
  'retry_execution',
  'search',
  'set_workflow_active',
  'submit_human_input',
  'test_connection',
  'toggle_schedule',
  'update_workflow',
];

export function textOf(result: Pick<CallToolResult, 'content'>): string {
  return (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
}

/** Calls a tool that must succeed; returns its structured content. */
export async function callOk(client: Client, name: string, args: Structured): Promise<Structured> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = textOf(result);
  expect(result.isError, `${name} failed: ${text}`).toBeFalsy();
  const structured = result.structuredContent as Structured;
  expect(structured, `${name} returned no structured content`).toBeDefined();
  // The text rendering carries the same data for clients that ignore structuredContent.
  expect(text.length).toBeGreaterThan(0);
  return structured;
}

/** tools/list: the curated tools, valid names, descriptions, hints, and the wait arguments. */
export async function checkToolList(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  for (const name of EXPECTED_TOOLS) expect(names).toContain(name);
  // Admin operations are excluded by the overlay.
  expect(names.some((n) => /admin|suspend|all_users|revoke_any/.test(n))).toBe(false);
  for (const tool of tools) {
    expect(tool.name).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(20);
    expect(tool.inputSchema.type).toBe('object');
    expect(tool.annotations, tool.name).toBeDefined();
  }
  const byName = new Map(tools.map((t) => [t.name, t]));
  const hints = (name: string) => byName.get(name)?.annotations;
  expect(hints('list_workspaces')).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  expect(hints('get_execution_status')).toMatchObject({ readOnlyHint: true });
  expect(hints('create_workflow')).toMatchObject({ readOnlyHint: false, destructiveHint: false });
  expect(hints('execute_workflow')).toMatchObject({ readOnlyHint: false, openWorldHint: true });
  expect(hints('cancel_execution')).toMatchObject({ readOnlyHint: false, idempotentHint: true });
  expect(hints('set_workflow_active')).toMatchObject({ readOnlyHint: false, idempotentHint: true });
  const statusProps = (byName.get('get_execution_status')?.inputSchema.properties ?? {}) as Structured;
  expect(statusProps['log_tail_lines']).toMatchObject({ default: 20, maximum: 200 });
  const execute = byName.get('execute_workflow')?.inputSchema;
  expect(execute?.required ?? []).toContain('idempotency_key');
  expect(execute?.properties).toMatchObject({
    wait: { type: 'boolean', default: false },
    wait_seconds: { type: 'integer', maximum: 300 },
  });
}

/** prompts/list + prompts/get: the guided run prompt, rendered with its arguments. */
export async function getGuidedRunPrompt(client: Client): Promise<string> {
  const { prompts } = await client.listPrompts();
  expect(prompts.map((p) => p.name)).toContain('guided_workflow_run');
  const prompt = await client.getPrompt({
    name: 'guided_workflow_run',
    arguments: { workspace_id: 'wsp_acme', workflow_id: 'wf_invoice_sync' },
  });
  const text = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
  expect(text).toContain('wf_invoice_sync');
  expect(text).toContain('wsp_acme');
  return text;
}

export interface LongRun {
  readonly execution: Structured;
  readonly progress: readonly { progress: number; message?: string }[];
}

/**
 * Creates, publishes and activates a workflow of a trigger and `delays` delay blocks (two engine
 * ticks each), then runs it with `wait: true` asking for progress. With the platform's 20 ms tick and
 * the overlay's 1 s, 1.5 s, 2.25 s polls, 99 delays (about 4 s) leave at least two polls that see it
 * RUNNING before one sees it SUCCEEDED.
 */
export async function runLongExecution(
  client: Client,
  options: { workspaceId?: string; delays?: number; label: string },
): Promise<LongRun> {
  const workspaceId = options.workspaceId ?? 'wsp_acme';
  const delays = options.delays ?? 99;
  const blocks = [
    { id: 'start', type: 'trigger_manual', name: 'Start', config: {} },
    ...Array.from({ length: delays }, (_, i) => ({
      id: `wait_${i + 1}`,
      type: 'delay',
      name: `Wait ${i + 1}`,
      config: { seconds: 1 },
    })),
  ];
  const edges = blocks.slice(1).map((block, i) => ({ from: blocks[i]!.id, to: block.id }));
  const created = await callOk(client, 'create_workflow', {
    workspace_id: workspaceId,
    idempotency_key: randomUUID(),
    name: `Long run ${options.label}`,
    description: 'A chain of delays, long enough to be polled.',
    blocks,
    edges,
  });
  const workflowId = String(created['id']);
  await callOk(client, 'publish_workflow', { workspace_id: workspaceId, workflow_id: workflowId });
  await callOk(client, 'set_workflow_active', {
    workspace_id: workspaceId,
    workflow_id: workflowId,
    active: true,
  });

  const progress: { progress: number; message?: string }[] = [];
  const result = (await client.callTool(
    {
      name: 'execute_workflow',
      arguments: {
        workspace_id: workspaceId,
        workflow_id: workflowId,
        idempotency_key: randomUUID(),
        input: {},
        wait: true,
      },
    },
    { onprogress: (p) => progress.push(p) },
  )) as CallToolResult;
  expect(result.isError, textOf(result)).toBeFalsy();
  const execution = result.structuredContent as Structured;
  expect(execution['status']).toBe('SUCCEEDED');
  expect(execution['workflowId']).toBe(workflowId);
  const running = progress.filter((p) => p.message?.startsWith('RUNNING'));
  expect(running.length, JSON.stringify(progress)).toBeGreaterThanOrEqual(2);
  expect(progress.at(-1)?.message).toMatch(/^SUCCEEDED/);
  expect(textOf(result)).toContain('It ended SUCCEEDED.');
  return { execution, progress };
}
