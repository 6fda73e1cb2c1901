/**
 * Demo data: two tenants (Acme with Ada, Globex with Lin) so cross-workspace requests can be shown to
 * fail, workflows in every lifecycle state, schedules, connections with secrets that must never
 * leak, and past executions produced by the real engine (succeeded, failed, paused, cancelled).
 */
import type { Block, Edge, Variable, WorkflowStatus } from './api-types.js';
import { advanceExecution, cancelExecution, startExecution, submitHumanInput } from './execution-engine.js';
import type { ConnectionRecord, PlatformState, WorkflowRecord, WorkspaceRecord } from './state.js';
import { DEFAULT_WORKFLOW_SETTINGS, hashApiKey } from './state.js';

/** Ada's read/write key (Acme Operations and Ada's sandbox). */
export const DEMO_API_KEY = 'cvk_demo_rw_4f7c2a9e1b8d6053';
/** Ada's read-only key: writes get 403 insufficient_scope. */
export const DEMO_READ_ONLY_API_KEY = 'cvk_demo_ro_7d1e5b9c3a2f8064';
/** Lin's read/write key for Globex: requests to Acme get 403. */
export const DEMO_OTHER_TENANT_API_KEY = 'cvk_demo_globex_4a6c8e0b2d1f3957';
/** Platform operator key with the admin scope, for the admin endpoints. */
export const DEMO_ADMIN_API_KEY = 'cvk_demo_admin_9b3d5f7a1c2e4068';

export const READ_SCOPES = ['account:read', 'workflows:read', 'executions:read', 'connections:read'] as const;
export const READ_WRITE_SCOPES = [...READ_SCOPES, 'workflows:write', 'executions:write'] as const;

export const DEMO_IDS = {
  users: { ada: 'usr_ada', grace: 'usr_grace', lin: 'usr_lin', operator: 'usr_ops' },
  apiKeys: {
    adaReadWrite: 'key_ada_rw',
    adaReadOnly: 'key_ada_ro',
    linReadWrite: 'key_lin_rw',
    operator: 'key_ops',
  },
  workspaces: { acme: 'wsp_acme', sandbox: 'wsp_sandbox', globex: 'wsp_globex' },
  workflows: {
    /** PUBLISHED, active: schedule trigger -> HTTP -> transform -> email; succeeds. */
    invoiceSync: 'wf_invoice_sync',
    /** PUBLISHED, active: manual trigger -> human_input -> condition -> HTTP | email; pauses. */
    expenseApproval: 'wf_expense_approval',
    /** PUBLISHED, active: its HTTP block's URL contains "fail", so every run ends FAILED. */
    crmExport: 'wf_crm_export',
    /** PUBLISHED, inactive: production runs get 409, test runs work. */
    leadRouter: 'wf_lead_router',
    /** DRAFT: runs get 409. */
    onboarding: 'wf_onboarding',
    /** ARCHIVED. */
    legacyReport: 'wf_legacy_report',
    sandboxHello: 'wf_sandbox_hello',
    globexDigest: 'wf_globex_digest',
  },
  schedules: {
    nightlyInvoices: 'sch_nightly_invoices',
    crmExport: 'sch_crm_export',
    weeklyReport: 'sch_weekly_report',
    globexDigest: 'sch_globex_digest',
  },
  connections: {
    billingApi: 'con_billing_api',
    smtp: 'con_smtp',
    crm: 'con_crm',
    warehouse: 'con_warehouse',
    globexSlack: 'con_globex_slack',
  },
} as const;

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const SEED_EPOCH = Date.parse('2025-01-06T09:00:00.000Z');

export function seedDemoData(state: PlatformState, now: number): void {
  seedUsersAndKeys(state);
  seedWorkspaces(state);
  seedWorkflows(state, now);
  seedSchedules(state, now);
  seedConnections(state, now);
  seedExecutions(state, now);
}

function seedUsersAndKeys(state: PlatformState): void {
  const { users, apiKeys } = DEMO_IDS;
  for (const [id, email, name] of [
    [users.ada, 'ada@acme.example', 'Ada Moreau'],
    [users.grace, 'grace@acme.example', 'Grace Lindqvist'],
    [users.lin, 'lin@globex.example', 'Lin Okafor'],
    [users.operator, 'ops@conveyor.example', 'Conveyor Operator'],
  ] as const) {
    state.users.set(id, { id, email, name, createdAt: SEED_EPOCH });
  }
  for (const [id, userId, name, key, scopes] of [
    [apiKeys.adaReadWrite, users.ada, 'Ada (read/write)', DEMO_API_KEY, READ_WRITE_SCOPES],
    [apiKeys.adaReadOnly, users.ada, 'Ada (read-only)', DEMO_READ_ONLY_API_KEY, READ_SCOPES],
    [apiKeys.linReadWrite, users.lin, 'Lin (read/write)', DEMO_OTHER_TENANT_API_KEY, READ_WRITE_SCOPES],
    [apiKeys.operator, users.operator, 'Operator', DEMO_ADMIN_API_KEY, ['account:read', 'admin']],
  ] as const) {
    state.apiKeys.set(id, {
      id,
      name,
      userId,
      scopes: [...scopes],
      keyHash: hashApiKey(key),
      createdAt: SEED_EPOCH,
      revokedAt: null,
    });
  }
}

function seedWorkspaces(state: PlatformState): void {
  const { users, workspaces } = DEMO_IDS;
  const add = (fields: Omit<WorkspaceRecord, 'status' | 'suspendedReason' | 'createdAt'>) =>
    state.workspaces.set(fields.id, {
      ...fields,
      status: 'active',
      suspendedReason: null,
      createdAt: SEED_EPOCH,
    });
  add({
    id: workspaces.acme,
    name: 'Acme Operations',
    slug: 'acme-ops',
    plan: 'team',
    members: new Map([
      [users.ada, 'owner'],
      [users.grace, 'viewer'],
    ]),
  });
  add({
    id: workspaces.sandbox,
    name: "Ada's sandbox",
    slug: 'ada-sandbox',
    plan: 'free',
    members: new Map([[users.ada, 'owner']]),
  });
  add({
    id: workspaces.globex,
    name: 'Globex Corp',
    slug: 'globex',
    plan: 'enterprise',
    members: new Map([[users.lin, 'owner']]),
  });
}

interface WorkflowSeed {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly description: string;
  readonly tags: string[];
  readonly status: WorkflowStatus;
  readonly active: boolean;
  readonly version: number;
  readonly blocks: Block[];
  readonly edges: Edge[];
  readonly variables?: Variable[];
  readonly ageDays: number;
}

function seedWorkflows(state: PlatformState, now: number): void {
  const { workflows, workspaces, schedules, connections } = DEMO_IDS;
  const seeds: WorkflowSeed[] = [
    {
      id: workflows.invoiceSync,
      workspaceId: workspaces.acme,
      name: 'Sync invoices to ledger',
      description: 'Every night, fetch new invoices from billing and book them in the ledger.',
      tags: ['finance', 'nightly'],
      status: 'PUBLISHED',
      active: true,
      version: 3,
      ageDays: 40,
      variables: [
        {
          name: 'since',
          type: 'string',
          required: false,
          default: 'yesterday',
          description: 'Invoices since.',
        },
      ],
      blocks: [
        block('nightly', 'trigger_schedule', 'Every night at 02:00', {
          scheduleId: schedules.nightlyInvoices,
        }),
        block('fetch', 'http_request', 'Fetch invoices', {
          method: 'GET',
          url: 'https://billing.acme.example/api/invoices?since={{input.since}}',
          connectionId: connections.billingApi,
        }),
        block('shape', 'transform', 'Shape ledger entries', {
          assign: { source: 'billing', since: '{{input.since}}', booked: true },
        }),
        block('notify', 'send_email', 'Tell finance', {
          to: 'finance@acme.example',
          subject: 'Invoices since {{input.since}} synced',
          connectionId: connections.smtp,
        }),
      ],
      edges: chain('nightly', 'fetch', 'shape', 'notify'),
    },
    {
      id: workflows.expenseApproval,
      workspaceId: workspaces.acme,
      name: 'Expense approval',
      description: 'Asks a manager to approve an expense, then books it in the ERP or tells the employee.',
      tags: ['finance', 'approvals'],
      status: 'PUBLISHED',
      active: true,
      version: 2,
      ageDays: 30,
      variables: [
        { name: 'amount', type: 'number', required: true, description: 'Amount of the expense.' },
        { name: 'currency', type: 'string', required: false, default: 'EUR' },
        { name: 'employee', type: 'string', required: true, description: 'Who spent the money.' },
      ],
      blocks: [
        block('start', 'trigger_manual', 'Expense submitted', {}),
        block('approval', 'human_input', 'Manager approval', {
          prompt: 'Approve the expense of {{input.amount}} {{input.currency}} by {{input.employee}}?',
          fields: [
            { name: 'approved', label: 'Approve', type: 'boolean', required: true },
            { name: 'comment', label: 'Comment', type: 'string', required: false },
          ],
          assignee: 'manager@acme.example',
        }),
        block('decide', 'condition', 'Approved?', {
          left: '{{steps.approval.approved}}',
          operator: 'eq',
          right: true,
        }),
        block('book', 'http_request', 'Book in ERP', {
          method: 'POST',
          url: 'https://erp.acme.example/api/expenses',
          body: { amount: '{{input.amount}}', employee: '{{input.employee}}' },
        }),
        block('reject', 'send_email', 'Tell the employee', {
          to: 'hr@acme.example',
          subject: 'Expense of {{input.employee}} rejected',
          connectionId: connections.smtp,
        }),
      ],
      edges: [
        { from: 'start', to: 'approval' },
        { from: 'approval', to: 'decide' },
        { from: 'decide', to: 'book', branch: 'true' },
        { from: 'decide', to: 'reject', branch: 'false' },
      ],
    },
    {
      id: workflows.crmExport,
      workspaceId: workspaces.acme,
      name: 'Nightly CRM export',
      description:
        'Exports CRM contacts to the data warehouse. Currently failing: the CRM export API is down.',
      tags: ['crm', 'nightly'],
      status: 'PUBLISHED',
      active: true,
      version: 5,
      ageDays: 60,
      blocks: [
        block('nightly', 'trigger_schedule', 'Every night at 03:30', { scheduleId: schedules.crmExport }),
        block('export', 'http_request', 'Export contacts', {
          method: 'POST',
          url: 'https://crm.acme.example/api/contacts/export?simulate=fail',
          connectionId: connections.crm,
        }),
        block('load', 'http_request', 'Load into warehouse', {
          method: 'POST',
          url: 'https://warehouse.acme.example/load',
          connectionId: connections.warehouse,
        }),
      ],
      edges: chain('nightly', 'export', 'load'),
    },
    {
      id: workflows.leadRouter,
      workspaceId: workspaces.acme,
      name: 'Route inbound leads',
      description: 'Scores leads from the website form: hot leads go to the CRM, others get a nurture email.',
      tags: ['sales'],
      status: 'PUBLISHED',
      active: false,
      version: 2,
      ageDays: 12,
      variables: [
        { name: 'email', type: 'string', required: true },
        { name: 'score', type: 'number', required: false, default: 0 },
      ],
      blocks: [
        block('hook', 'trigger_webhook', 'Website form', { path: 'leads' }),
        block('hot', 'condition', 'Score at least 50?', {
          left: '{{input.score}}',
          operator: 'gte',
          right: 50,
        }),
        block('crm', 'http_request', 'Create CRM lead', {
          method: 'POST',
          url: 'https://crm.acme.example/api/leads',
        }),
        block('wait', 'delay', 'Wait a day', { seconds: 86400 }),
        block('nurture', 'send_email', 'Nurture email', {
          to: '{{input.email}}',
          subject: 'Thanks for your interest',
        }),
      ],
      edges: [
        { from: 'hook', to: 'hot' },
        { from: 'hot', to: 'crm', branch: 'true' },
        { from: 'hot', to: 'wait', branch: 'false' },
        { from: 'wait', to: 'nurture' },
      ],
    },
    {
      id: workflows.onboarding,
      workspaceId: workspaces.acme,
      name: 'Customer onboarding',
      description: 'Welcome email and CRM update for new customers. Work in progress.',
      tags: ['sales', 'draft'],
      status: 'DRAFT',
      active: false,
      version: 1,
      ageDays: 2,
      variables: [{ name: 'customerEmail', type: 'string', required: true }],
      blocks: [
        block('start', 'trigger_manual', 'New customer', {}),
        block('welcome', 'send_email', 'Welcome email', {
          to: '{{input.customerEmail}}',
          subject: 'Welcome to Acme',
        }),
      ],
      edges: chain('start', 'welcome'),
    },
    {
      id: workflows.legacyReport,
      workspaceId: workspaces.acme,
      name: 'Legacy weekly report',
      description: 'Old weekly KPI report, replaced by the BI dashboard.',
      tags: ['reporting'],
      status: 'ARCHIVED',
      active: false,
      version: 4,
      ageDays: 200,
      blocks: [
        block('weekly', 'trigger_schedule', 'Mondays 08:00', { scheduleId: schedules.weeklyReport }),
        block('report', 'send_email', 'Send report', { to: 'board@acme.example', subject: 'Weekly KPIs' }),
      ],
      edges: chain('weekly', 'report'),
    },
    {
      id: workflows.sandboxHello,
      workspaceId: workspaces.sandbox,
      name: 'Hello world',
      description: 'A minimal workflow to try things out.',
      tags: [],
      status: 'PUBLISHED',
      active: true,
      version: 1,
      ageDays: 5,
      variables: [{ name: 'name', type: 'string', required: false, default: 'world' }],
      blocks: [
        block('start', 'trigger_manual', 'Run', {}),
        block('greet', 'transform', 'Greet', { assign: { greeting: 'Hello, {{input.name}}!' } }),
      ],
      edges: chain('start', 'greet'),
    },
    {
      id: workflows.globexDigest,
      workspaceId: workspaces.globex,
      name: 'Daily ops digest',
      description: 'Posts the daily operations digest to Slack.',
      tags: ['ops'],
      status: 'PUBLISHED',
      active: true,
      version: 2,
      ageDays: 90,
      blocks: [
        block('daily', 'trigger_schedule', 'Weekdays 07:00', { scheduleId: schedules.globexDigest }),
        block('post', 'http_request', 'Post to Slack', {
          method: 'POST',
          url: 'https://slack.example/api/chat.postMessage',
          connectionId: connections.globexSlack,
        }),
      ],
      edges: chain('daily', 'post'),
    },
  ];
  for (const seed of seeds) state.workflows.set(seed.id, createSeedWorkflow(seed, now));
}

function createSeedWorkflow(seed: WorkflowSeed, now: number): WorkflowRecord {
  const draft = {
    blocks: seed.blocks,
    edges: seed.edges,
    variables: seed.variables ?? [],
    settings: { ...DEFAULT_WORKFLOW_SETTINGS, errorNotificationEmail: 'ops@acme.example' },
  };
  const everPublished = seed.status !== 'DRAFT';
  const createdAt = now - seed.ageDays * DAY;
  return {
    id: seed.id,
    workspaceId: seed.workspaceId,
    name: seed.name,
    description: seed.description,
    tags: seed.tags,
    status: seed.status,
    active: seed.active,
    version: seed.version,
    publishedVersion: everPublished ? seed.version : null,
    draft,
    published: everPublished ? structuredClone(draft) : null,
    createdAt,
    updatedAt: createdAt + Math.floor((seed.ageDays * DAY) / 2),
    publishedAt: everPublished ? createdAt + Math.floor((seed.ageDays * DAY) / 2) : null,
  };
}

function block(id: string, type: Block['type'], name: string, config: Record<string, unknown>): Block {
  return { id, type, name, config };
}

function chain(...ids: string[]): Edge[] {
  return ids.slice(1).map((to, index) => ({ from: ids[index] ?? '', to }));
}

function seedSchedules(state: PlatformState, now: number): void {
  const { schedules, workflows, workspaces } = DEMO_IDS;
  for (const [id, workspaceId, workflowId, name, cron, enabled] of [
    [
      schedules.nightlyInvoices,
      workspaces.acme,
      workflows.invoiceSync,
      'Nightly invoice sync',
      '0 2 * * *',
      true,
    ],
    [schedules.crmExport, workspaces.acme, workflows.crmExport, 'Nightly CRM export', '30 3 * * *', true],
    [
      schedules.weeklyReport,
      workspaces.acme,
      workflows.legacyReport,
      'Weekly KPI report',
      '0 8 * * 1',
      false,
    ],
    [
      schedules.globexDigest,
      workspaces.globex,
      workflows.globexDigest,
      'Weekday digest',
      '0 7 * * 1-5',
      true,
    ],
  ] as const) {
    state.schedules.set(id, {
      id,
      workspaceId,
      workflowId,
      name,
      cron,
      timezone: 'UTC',
      enabled,
      lastRunAt: enabled ? now - DAY : now - 120 * DAY,
      createdAt: now - 90 * DAY,
      updatedAt: now - 10 * DAY,
    });
  }
}

function seedConnections(state: PlatformState, now: number): void {
  const { connections, workspaces } = DEMO_IDS;
  const add = (fields: Omit<ConnectionRecord, 'createdAt' | 'updatedAt' | 'lastTestedAt'>) =>
    state.connections.set(fields.id, {
      ...fields,
      createdAt: now - 100 * DAY,
      updatedAt: now - 20 * DAY,
      lastTestedAt: fields.health === 'untested' ? null : now - 2 * DAY,
    });
  add({
    id: connections.billingApi,
    workspaceId: workspaces.acme,
    name: 'Billing API',
    type: 'http_bearer',
    health: 'healthy',
    healthMessage: 'OK',
    config: { baseUrl: 'https://billing.acme.example/api' },
    secret: { token: 'sk_live_billing_5a1f0c9e77d34b21' },
  });
  add({
    id: connections.smtp,
    workspaceId: workspaces.acme,
    name: 'Acme mail relay',
    type: 'smtp',
    health: 'healthy',
    healthMessage: 'OK',
    config: { host: 'smtp.acme.example', port: 587, username: 'robot@acme.example', tls: true },
    secret: { password: 'smtp-pass-Q7w8e9r0t1y2' },
  });
  add({
    id: connections.crm,
    workspaceId: workspaces.acme,
    name: 'Acme CRM',
    type: 'oauth2',
    health: 'failing',
    healthMessage: 'invalid_grant: the refresh token expired; reconnect the CRM account.',
    config: {
      provider: 'acme-crm',
      scopes: 'contacts.read contacts.write',
      accountEmail: 'crm-bot@acme.example',
    },
    secret: { clientSecret: 'crm-client-secret-8c6d4e2f', refreshToken: 'crm-refresh-token-1b3d5f7h' },
  });
  add({
    id: connections.warehouse,
    workspaceId: workspaces.acme,
    name: 'Analytics warehouse',
    type: 'postgres',
    health: 'untested',
    healthMessage: 'OK',
    config: { host: 'warehouse.acme.example', port: 5432, database: 'analytics', username: 'conveyor' },
    secret: { password: 'pg-warehouse-pass-3e5g7i9k' },
  });
  add({
    id: connections.globexSlack,
    workspaceId: workspaces.globex,
    name: 'Globex Slack',
    type: 'slack',
    health: 'healthy',
    healthMessage: 'OK',
    config: { team: 'globex', channel: '#ops' },
    secret: { token: 'xoxb-globex-0a9b8c7d6e5f' },
  });
}

function seedExecutions(state: PlatformState, now: number): void {
  const { workflows, users } = DEMO_IDS;
  const workflow = (id: string) => state.workflows.get(id) as WorkflowRecord;
  const run = (id: string, input: Record<string, unknown>, at: number) => {
    const execution = startExecution(state, {
      workflow: workflow(id),
      input,
      mode: 'production',
      retryOf: null,
      now: at,
    });
    return advanceExecution(state, execution, Math.min(now, at + HOUR));
  };
  for (const daysAgo of [3, 2, 1]) run(workflows.invoiceSync, {}, now - daysAgo * DAY);
  for (const daysAgo of [2, 1]) run(workflows.crmExport, {}, now - daysAgo * DAY + HOUR);
  const approved = run(workflows.expenseApproval, { amount: 240, employee: 'Sam Reyes' }, now - 2 * DAY);
  submitHumanInput(state, approved, {
    now: now - 2 * DAY + HOUR,
    actor: users.ada,
    inputId: approved.pendingHumanInput?.inputId ?? '',
    values: { approved: true, comment: 'Team lunch, fine.' },
  });
  advanceExecution(state, approved, now);
  const cancelled = run(workflows.expenseApproval, { amount: 90, employee: 'Kim Berg' }, now - DAY);
  cancelExecution(state, cancelled, { now: now - DAY + HOUR, actor: users.ada, reason: 'Submitted twice' });
  // Left PAUSED on purpose: the demo's "waiting for a person" execution.
  run(workflows.expenseApproval, { amount: 1200, currency: 'EUR', employee: 'Noor Haddad' }, now - 5 * HOUR);
  run(workflows.globexDigest, {}, now - DAY);
}
