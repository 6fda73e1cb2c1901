import { describe, expect, it } from 'vitest';
import {
  DEMO_ADMIN_API_KEY,
  DEMO_API_KEY,
  DEMO_OTHER_TENANT_API_KEY,
  DEMO_READ_ONLY_API_KEY,
} from '../../platform/conveyor/build-platform.js';
import type { ErrorResponse, PageResponse } from './conveyor-test-kit.js';
import { startTestPlatform } from './conveyor-test-kit.js';

const WORKFLOWS = '/v1/workspaces/wsp_acme/workflows';

interface AuthCase {
  readonly given: string;
  readonly headers: Record<string, string>;
  readonly key: string | null;
  readonly wantStatus: number;
  readonly wantCode: string | undefined;
}

describe('Conveyor authentication', () => {
  it.each<AuthCase>([
    { given: 'no credential', headers: {}, key: null, wantStatus: 401, wantCode: 'unauthorized' },
    { given: 'an unknown key', headers: {}, key: 'cvk_nope', wantStatus: 401, wantCode: 'unauthorized' },
    {
      given: 'a malformed Authorization header',
      headers: { authorization: `Basic ${DEMO_API_KEY}` },
      key: null,
      wantStatus: 401,
      wantCode: 'unauthorized',
    },
    {
      given: 'the key as a Bearer token',
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
      key: null,
      wantStatus: 200,
      wantCode: undefined,
    },
    {
      given: 'the key in X-Conveyor-Api-Key',
      headers: {},
      key: DEMO_API_KEY,
      wantStatus: 200,
      wantCode: undefined,
    },
  ])('given $given, want $wantStatus', async ({ headers, key, wantStatus, wantCode }) => {
    const platform = await startTestPlatform();
    const response = await platform.call<ErrorResponse>('GET', WORKFLOWS, { key, headers });
    expect(response.status).toBe(wantStatus);
    if (wantCode !== undefined) expect(response.body.error.code).toBe(wantCode);
  });

  it('given a revoked key, want 401', async () => {
    const platform = await startTestPlatform();
    const revoke = await platform.call('DELETE', '/v1/admin/api-keys/key_ada_ro', {
      key: DEMO_ADMIN_API_KEY,
    });
    expect(revoke.status).toBe(204);
    const response = await platform.call('GET', WORKFLOWS, { key: DEMO_READ_ONLY_API_KEY });
    expect(response.status).toBe(401);
  });
});

describe('Conveyor authorization', () => {
  it('given a user of another workspace, want 403 forbidden on every workspace route', async () => {
    const platform = await startTestPlatform();
    for (const url of [
      WORKFLOWS,
      '/v1/workspaces/wsp_acme/executions',
      '/v1/workspaces/wsp_acme/connections/con_smtp',
    ]) {
      const response = await platform.call('GET', url, { key: DEMO_OTHER_TENANT_API_KEY });
      expect(response.status, url).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    }
    const own = await platform.call('GET', '/v1/workspaces/wsp_globex/workflows', {
      key: DEMO_OTHER_TENANT_API_KEY,
    });
    expect(own.status).toBe(200);
  });

  it('given a workspace that does not exist, want 404', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call('GET', '/v1/workspaces/wsp_nowhere/workflows');
    expect(response.status).toBe(404);
  });

  it("given another workspace's resource id under my workspace, want 404 (not the resource)", async () => {
    const platform = await startTestPlatform();
    const response = await platform.call('GET', '/v1/workspaces/wsp_acme/workflows/wf_globex_digest');
    expect(response.status).toBe(404);
  });

  it('given a read-only key, want reads allowed and writes 403 insufficient_scope', async () => {
    const platform = await startTestPlatform();
    const read = await platform.call('GET', WORKFLOWS, { key: DEMO_READ_ONLY_API_KEY });
    expect(read.status).toBe(200);
    const write = await platform.call('POST', WORKFLOWS, {
      key: DEMO_READ_ONLY_API_KEY,
      body: { name: 'Nope' },
    });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('insufficient_scope');
    expect(write.body.error.message).toContain('read-only');
    const run = await platform.call('POST', `${WORKFLOWS}/wf_invoice_sync/executions`, {
      key: DEMO_READ_ONLY_API_KEY,
      body: { input: {} },
    });
    expect(run.status).toBe(403);
  });

  it('given a read-only key, want testConnection allowed (it changes nothing)', async () => {
    const platform = await startTestPlatform();
    const response = await platform.call('POST', '/v1/workspaces/wsp_acme/connections/con_smtp/test', {
      key: DEMO_READ_ONLY_API_KEY,
    });
    expect(response.status).toBe(200);
  });

  it('given a workspace key on an admin operation, want 403; given the operator key, want 200', async () => {
    const platform = await startTestPlatform();
    const denied = await platform.call('GET', '/v1/admin/users');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('insufficient_scope');
    const allowed = await platform.call<PageResponse<{ id: string }>>('GET', '/v1/admin/users', {
      key: DEMO_ADMIN_API_KEY,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.items.map((user) => user.id)).toContain('usr_lin');
  });

  it('given a suspended workspace, want its members to get 403 workspace_suspended', async () => {
    const platform = await startTestPlatform();
    const suspend = await platform.call('POST', '/v1/admin/workspaces/wsp_acme/suspend', {
      key: DEMO_ADMIN_API_KEY,
      body: { reason: 'unpaid invoice' },
    });
    expect(suspend.status).toBe(200);
    const response = await platform.call('GET', WORKFLOWS);
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 'workspace_suspended' });
    expect(response.body.error.message).toContain('unpaid invoice');
  });
});

describe('Conveyor rate limiting', () => {
  it('given more requests than the window allows, want 429 with Retry-After, then recovery', async () => {
    const platform = await startTestPlatform({ rateLimit: { max: 2, windowMs: 10_000 } });
    expect((await platform.call('GET', '/v1/me')).status).toBe(200);
    expect((await platform.call('GET', '/v1/me')).status).toBe(200);
    const limited = await platform.call('GET', '/v1/me');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('10');
    expect(limited.body.error.code).toBe('rate_limited');
    // Other keys have their own window.
    expect((await platform.call('GET', '/v1/me', { key: DEMO_READ_ONLY_API_KEY })).status).toBe(200);
    platform.advance(10_000);
    expect((await platform.call('GET', '/v1/me')).status).toBe(200);
  });
});
