/**
 * The foundation's acceptance scenario: the official SDK v2 client drives the generated Conveyor
 * tools against the reference platform over every transport the runtime serves: Streamable HTTP at
 * both protocol revisions, the 2024-11-05 HTTP+SSE transport (/sse + /messages) and stdio (the real
 * `spec2mcp stdio` process, started the way a desktop client starts it). The transport-independent
 * steps (list, call, prompt, a long execution with progress) live in conveyor-scenario-steps.ts.
 *
 * Given: one platform (20 ms engine tick) and one HTTP server in front of it; the stdio process
 * calls the same platform with the demo credential. Want: every step passes on every transport,
 * progress notifications included.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';
import {
  callOk,
  checkToolList,
  getGuidedRunPrompt,
  runLongExecution,
  type Structured,
} from './conveyor-scenario-steps.js';
import { type ConveyorStack, startConveyorStack } from './start-conveyor-stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/spec2mcp.js', import.meta.url));

let stack: ConveyorStack;
beforeAll(async () => {
  stack = await startConveyorStack({ tickMs: 20 });
});
afterAll(async () => {
  await stack?.close();
});

interface TransportCase {
  readonly name: string;
  /** The protocol revision the client asks for and must get. */
  readonly revision: '2025-11-25' | '2026-07-28';
  readonly connect: (client: Client) => Promise<void>;
}

function createClient(revision: TransportCase['revision']): Client {
  return new Client(
    { name: 'conveyor-scenario', version: '1.0.0' },
    { versionNegotiation: revision === '2025-11-25' ? { mode: 'legacy' } : { mode: { pin: revision } } },
  );
}

/** The child's environment: the credential, and none of the test runner's SPEC2MCP_* settings. */
function stdioEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('SPEC2MCP_')) env[name] = value;
  }
  return { ...env, SPEC2MCP_UPSTREAM_CREDENTIAL: DEMO_API_KEY };
}

const TRANSPORTS: readonly TransportCase[] = [
  {
    name: 'Streamable HTTP, revision 2026-07-28',
    revision: '2026-07-28',
    connect: (client) => client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl))),
  },
  {
    name: 'Streamable HTTP, revision 2025-11-25',
    revision: '2025-11-25',
    connect: (client) => client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl))),
  },
  {
    // The 2024-11-05 transport; the client still negotiates its newest 2025 revision over it.
    name: 'HTTP+SSE (2024-11-05 transport)',
    revision: '2025-11-25',
    connect: (client) => client.connect(new SSEClientTransport(new URL('/sse', stack.mcpUrl))),
  },
  {
    name: 'stdio (spec2mcp stdio), revision 2026-07-28',
    revision: '2026-07-28',
    connect: (client) =>
      client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [bin, 'stdio', 'generated/conveyor', '--upstream', `${stack.platformUrl}/v1`],
          env: stdioEnv(),
          cwd: root,
          stderr: 'pipe',
        }),
      ),
  },
];

describe.each(TRANSPORTS)('Conveyor over $name', ({ name, revision, connect }) => {
  let client: Client;
  beforeAll(async () => {
    client = createClient(revision);
    await connect(client);
  }, 30_000);
  afterAll(async () => {
    await client?.close();
  });

  const call = (tool: string, args: Record<string, unknown>): Promise<Structured> =>
    callOk(client, tool, args);

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
    const { progress } = await runLongExecution(client, { label: name });
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
      name: `Scenario ${name}`,
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
});
