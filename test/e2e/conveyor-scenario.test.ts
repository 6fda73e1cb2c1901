/**
 * The foundation's acceptance scenario: the official SDK v2 client, over Streamable
 * HTTP, drives the generated Conveyor tools against the reference platform, once
 * per protocol revision. The transport-independent steps (list, call, prompt, a long
 * execution with progress) live in conveyor-scenario-steps.ts.
 */
import { randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callOk,
  checkToolList,
  getGuidedRunPrompt,
  runLongExecution,
  type Structured,
} from './conveyor-scenario-steps.js';
import { type ConveyorStack, startConveyorStack } from './start-conveyor-stack.js';

type Revision = '2025-11-25' | '2026-07-28';

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

    const call = (name: string, args: Record<string, unknown>): Promise<Structured> =>
      callOk(client, name, args);

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

    it('lists the curated tools with descriptions, valid names, correct hints and the wait arguments', async () => {
      await checkToolList(client);
    });

    it('renders a prompt with its arguments', async () => {
      await getGuidedRunPrompt(client);
    });

    it('runs a long execution with wait: true, reporting progress until it SUCCEEDED', async () => {
      const { progress } = await runLongExecution(client, { label: revision });
      expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
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
