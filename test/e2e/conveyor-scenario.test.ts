/**
 * The foundation's acceptance scenario: the official SDK v2 client, over Streamable
 * HTTP, drives the generated Conveyor tools against the reference platform, once
 * per protocol revision.
 */
import { randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConveyorStack, startConveyorStack } from './start-conveyor-stack.js';

type Revision = '2025-11-25' | '2026-07-28';
type Structured = Record<string, unknown>;

const EXPECTED_TOOLS = [
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

let stack: ConveyorStack;
beforeAll(async () => {
  stack = await startConveyorStack({ tickMs: 20 });
});
afterAll(async () => {
  await stack?.close();
});

async function connect(revision: Revision): Promise<Client> {
  const client = new Client(
    { name: 'conveyor-scenario', version: '1.0.0' },
    { versionNegotiation: revision === '2025-11-25' ? { mode: 'legacy' } : { mode: { pin: revision } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl)));
  return client;
}

describe.each(['2025-11-25', '2026-07-28'] as const)(
  'Conveyor over Streamable HTTP, revision %s',
  (revision) => {
    let client: Client;
    beforeAll(async () => {
      client = await connect(revision);
    });
    afterAll(async () => {
      await client?.close();
    });

    async function call(name: string, args: Record<string, unknown>): Promise<Structured> {
      const result = await client.callTool({ name, arguments: args });
      const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
      expect(result.isError, `${name} failed: ${text}`).toBeFalsy();
      const structured = result.structuredContent as Structured;
      expect(structured, `${name} returned no structured content`).toBeDefined();
      // The text rendering carries the same data for clients that ignore structuredContent.
      expect(text.length).toBeGreaterThan(0);
      return structured;
    }

    async function pollStatus(workspaceId: string, executionId: string, until: (status: string) => boolean) {
      for (let i = 0; i < 200; i++) {
        const execution = await call('get_execution_status', {
          workspace_id: workspaceId,
          execution_id: executionId,
          log_tail_lines: 5,
        });
        if (until(String(execution['status']))) return execution;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`execution ${executionId} never reached the expected state`);
    }

    it('negotiated the revision it asked for', () => {
      expect(client.getNegotiatedProtocolVersion()).toBe(revision);
    });

    it('lists the curated tools with descriptions, valid names and correct hints', async () => {
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
      const logTail = statusProps['log_tail_lines'];
      expect(logTail).toMatchObject({ default: 20, maximum: 200 });
      expect(byName.get('execute_workflow')?.inputSchema.required ?? []).toContain('idempotency_key');
    });

    it('runs the scenario: workspaces -> create -> update -> publish -> activate -> execute -> human input -> done', async () => {
      const workspaces = await call('list_workspaces', {});
      const items = workspaces['items'] as { id: string }[];
      expect(items.map((w) => w.id)).toContain('wsp_acme');
      const workspaceId = 'wsp_acme';

      const created = await call('create_workflow', {
        workspace_id: workspaceId,
        idempotency_key: randomUUID(),
        name: `Scenario ${revision}`,
        description: 'Created by the e2e scenario.',
        blocks: [
          { id: 'start', type: 'trigger_manual', name: 'Start', config: {} },
          {
            id: 'approve',
            type: 'human_input',
            name: 'Approve',
            config: {
              prompt: 'Ship {{input.item}}?',
              fields: [{ name: 'approved', label: 'Approve', type: 'boolean', required: true }],
            },
          },
        ],
        edges: [{ from: 'start', to: 'approve' }],
      });
      expect(created['status']).toBe('DRAFT');
      const workflowId = String(created['id']);
      expect(workflowId).toMatch(/^wf_/);

      const updated = await call('update_workflow', {
        workspace_id: workspaceId,
        workflow_id: workflowId,
        idempotency_key: randomUUID(),
        variables: [{ name: 'item', type: 'string', required: true, description: 'What to ship.' }],
        description: 'Updated by the e2e scenario.',
      });
      expect(updated['description']).toBe('Updated by the e2e scenario.');

      const published = await call('publish_workflow', {
        workspace_id: workspaceId,
        workflow_id: workflowId,
      });
      expect(published['status']).toBe('PUBLISHED');

      const activated = await call('set_workflow_active', {
        workspace_id: workspaceId,
        workflow_id: workflowId,
        active: true,
      });
      expect(activated['active']).toBe(true);

      const started = await call('execute_workflow', {
        workspace_id: workspaceId,
        workflow_id: workflowId,
        idempotency_key: randomUUID(),
        input: { item: 'parcel-42' },
      });
      const executionId = String(started['id']);
      expect(executionId).toMatch(/^exe_/);

      const paused = await pollStatus(workspaceId, executionId, (s) => s === 'PAUSED' || s === 'FAILED');
      expect(paused['status']).toBe('PAUSED');
      const pending = paused['pendingHumanInput'] as { inputId: string; prompt: string };
      expect(pending.prompt).toContain('parcel-42');

      await call('submit_human_input', {
        workspace_id: workspaceId,
        execution_id: executionId,
        idempotency_key: randomUUID(),
        input_id: pending.inputId,
        values: { approved: true },
      });
      const finished = await pollStatus(workspaceId, executionId, (s) =>
        ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(s),
      );
      expect(finished['status']).toBe('SUCCEEDED');
    });

    it('turns an invalid argument into an isError result that names the argument and the rule', async () => {
      const result = await client.callTool({
        name: 'get_execution_status',
        arguments: { workspace_id: 'wsp_acme', execution_id: 'exe_0001', log_tail_lines: 500 },
      });
      expect(result.isError).toBe(true);
      const text = (result.content as { text: string }[])[0]?.text ?? '';
      expect(text).toContain('log_tail_lines');
      expect(text).toMatch(/200/);
    });

    it('turns an upstream 404 into an isError result quoting the status and the platform message', async () => {
      const result = await client.callTool({
        name: 'get_workflow',
        arguments: { workspace_id: 'wsp_acme', workflow_id: 'wf_doesnotexist' },
      });
      expect(result.isError).toBe(true);
      const text = (result.content as { text: string }[]).map((c) => c.text).join('\n');
      expect(text).toMatch(/404/);
      expect(text).toMatch(/wf_doesnotexist/);
    });
  },
);
