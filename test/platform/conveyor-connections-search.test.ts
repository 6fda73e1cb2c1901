import { describe, expect, it } from 'vitest';
import type { PageResponse } from './conveyor-test-kit.js';
import { startTestPlatform } from './conveyor-test-kit.js';

const ACME = '/v1/workspaces/wsp_acme';

interface SearchResponse {
  query: string;
  hits: { type: string; id: string }[];
  totals: Record<string, number>;
}

describe('Conveyor connections never leak secrets', () => {
  it('given every connection read path, want no secret value or secret key anywhere in the responses', async () => {
    const platform = await startTestPlatform();
    const secrets = [...platform.state.connections.values()].flatMap((connection) =>
      Object.values(connection.secret),
    );
    const secretKeys = [...platform.state.connections.values()].flatMap((connection) =>
      Object.keys(connection.secret),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(5);

    const bodies: string[] = [];
    const list = await platform.call<PageResponse<{ id: string }>>('GET', `${ACME}/connections?limit=100`);
    bodies.push(JSON.stringify(list.body));
    for (const { id } of list.body.items) {
      bodies.push(JSON.stringify((await platform.call('GET', `${ACME}/connections/${id}`)).body));
      bodies.push(JSON.stringify((await platform.call('POST', `${ACME}/connections/${id}/test`)).body));
    }
    bodies.push(JSON.stringify((await platform.call('GET', `${ACME}/search?q=acme&types=connection`)).body));

    expect(list.body.items).toHaveLength(4);
    for (const body of bodies) {
      for (const secret of secrets) expect(body).not.toContain(secret);
      for (const key of secretKeys) expect(body).not.toContain(`"${key}"`);
    }
  });

  it('given the connection record has a secret, want getConnection to show only non-secret config', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<{ config: Record<string, unknown>; usedByWorkflowIds: string[] }>(
      'GET',
      `${ACME}/connections/con_smtp`,
    );
    expect(response.body.config).toEqual({
      host: 'smtp.acme.example',
      port: 587,
      username: 'robot@acme.example',
      tls: true,
    });
    expect(response.body.usedByWorkflowIds).toEqual(['wf_expense_approval', 'wf_invoice_sync']);
  });

  it.each([
    { given: 'a healthy connection', id: 'con_billing_api', wantOk: true, wantMessage: 'successfully' },
    { given: 'a failing connection', id: 'con_crm', wantOk: false, wantMessage: 'refresh token expired' },
  ])('given $given, want testConnection ok=$wantOk', async ({ id, wantOk, wantMessage }) => {
    const platform = await startTestPlatform();
    const before = platform.state.connections.get(id)?.lastTestedAt;
    const response = await platform.call<{ ok: boolean; message: string }>(
      'POST',
      `${ACME}/connections/${id}/test`,
    );
    expect(response.status).toBe(200);
    expect(response.body.ok).toBe(wantOk);
    expect(response.body.message).toContain(wantMessage);
    expect(platform.state.connections.get(id)?.lastTestedAt).toBe(before);
  });
});

describe('Conveyor search', () => {
  it('given perTypeLimit 1, want at most one hit per type and totals counting every match', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<SearchResponse>('GET', `${ACME}/search?q=invoice&perTypeLimit=1`);
    expect(response.status).toBe(200);
    const types = response.body.hits.map((hit) => hit.type);
    expect(types).toEqual(['workflow', 'execution', 'schedule']);
    expect(response.body.totals).toEqual({ workflow: 1, execution: 3, connection: 0, schedule: 1 });
  });

  it('given the default perTypeLimit, want every execution match returned', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<SearchResponse>('GET', `${ACME}/search?q=invoice`);
    expect(response.body.hits.filter((hit) => hit.type === 'execution')).toHaveLength(3);
  });

  it('given types=workflow,schedule (form, explode false), want only those types searched', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<SearchResponse>(
      'GET',
      `${ACME}/search?q=nightly&types=workflow,schedule`,
    );
    expect(Object.keys(response.body.totals).sort()).toEqual(['schedule', 'workflow']);
    expect(new Set(response.body.hits.map((hit) => hit.type))).toEqual(new Set(['workflow', 'schedule']));
  });

  it('given several words, want only items matching all of them', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<SearchResponse>(
      'GET',
      `${ACME}/search?q=crm%20failed&types=execution`,
    );
    expect(response.body.totals['execution']).toBe(2);
    expect(response.body.hits.every((hit) => hit.type === 'execution')).toBe(true);
  });

  it('given perTypeLimit above 50, want 400', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call('GET', `${ACME}/search?q=x&perTypeLimit=51`);
    expect(response.status).toBe(400);
  });

  it("given a search in my workspace, want nothing from another tenant's workspace", async () => {
    const platform = await startTestPlatform();
    const response = await platform.call<SearchResponse>('GET', `${ACME}/search?q=digest`);
    expect(response.body.hits).toEqual([]);
  });
});
