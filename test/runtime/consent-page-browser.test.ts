/**
 * The sign-in and consent page in real headless Chromium (Debian's, driven by playwright-core),
 * with JavaScript turned off: a user signs in with the Conveyor demo key by keyboard, reads what the
 * client asks for, grants read-only access to one workspace, and the client then exchanges the code
 * and holds a token the embedded TokenVerifier accepts. Chromium is installed on first run by
 * scripts/install-chromium.sh.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY } from '../../platform/conveyor/build-platform.js';
import {
  type AuthorizationServerHarness,
  authorizationUrl,
  CLIENT_REDIRECT,
  createPkce,
  postToken,
  registerClient,
  startAuthorizationServer,
} from './authorization-server-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL_TIMEOUT_MS = 10 * 60_000;

let browser: Browser;
let h: AuthorizationServerHarness;

beforeAll(async () => {
  // A fresh machine installs Chromium here (apt-get); afterwards this returns at once.
  await promisify(execFile)('bash', [resolve('scripts/install-chromium.sh')], {
    timeout: INSTALL_TIMEOUT_MS,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Chromium refuses to start as root with its sandbox (containers, CI).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  h = await startAuthorizationServer();
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The element's text, whitespace collapsed as a reader meets it. */
async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Text of the focused element's label or name, as a keyboard user would land on it. */
async function focusedName(page: Page): Promise<string> {
  const focused = page.locator('*:focus');
  const id = await focused.getAttribute('id');
  if (id !== null) {
    const label = page.locator(`label[for="${id}"]`);
    if ((await label.count()) > 0) return await textOf(label);
  }
  return await textOf(focused);
}

describe('consent page in Chromium', () => {
  it('signs in, shows what is asked, grants read-only to one workspace, and the token verifies', async () => {
    const client = await registerClient(h.url, { client_name: 'Claude Desktop' });
    const pkce = createPkce();
    const context = await browser.newContext({ javaScriptEnabled: false });
    const cspViolations: string[] = [];
    let callback: URL | undefined;
    try {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      // The client's redirect URI: catch the answer instead of loading it.
      await page.route(`${CLIENT_REDIRECT}**`, async (route) => {
        callback = new URL(route.request().url());
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'client received the answer' });
      });

      await page.goto(
        authorizationUrl(h.url, {
          clientId: client.client_id,
          pkce,
          scope: 'mcp:read mcp:write',
          resource: h.resource,
          state: 'browser-state',
        }),
      );

      // Sign-in page: heading, who asks, a labelled field that has the focus.
      expect(await page.title()).toBe('Sign in to Conveyor API');
      expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Sign in to Conveyor API');
      expect(await textOf(page.locator('main'))).toContain(
        'Claude Desktop is requesting access to your Conveyor API account.',
      );
      expect(await focusedName(page)).toBe('Your API key for Conveyor API');
      // The inline style is allowed by the CSP (by hash): main is the 36rem column, not full width.
      expect((await page.locator('main').boundingBox())?.width).toBeLessThanOrEqual(36 * 16);

      // A wrong key first: the error is announced and focused, the field marked invalid.
      await page.keyboard.type('cvk_not_a_real_key');
      await page.keyboard.press('Enter');
      // The answer is a new page at the form's URL; wait for it, not for the one already loaded.
      await page.waitForURL('**/sign-in');
      await page.getByRole('alert').waitFor();
      expect(await textOf(page.getByRole('alert'))).toContain('Conveyor API did not accept this API key');
      expect(await page.locator('*:focus').getAttribute('id')).toBe('problem');
      expect(await page.getByLabel('Your API key for Conveyor API').getAttribute('aria-invalid')).toBe(
        'true',
      );

      // Focus order: after the error summary come the field, Continue, then Cancel.
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe('Your API key for Conveyor API');
      await page.keyboard.type(DEMO_API_KEY);
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe('Continue');
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe('Cancel and return to Claude Desktop');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Authorize Claude Desktop' }).waitFor();

      // Consent page: client, account, scopes in plain words, workspaces.
      expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Authorize Claude Desktop');
      const main = await textOf(page.locator('main'));
      expect(main).toContain('Claude Desktop is requesting access to your Conveyor API account.');
      expect(main).toContain('Signed in as Ada Moreau (ada@acme.example).');
      expect(main).toContain('What may Claude Desktop do?');
      expect(main).toContain(
        'Read workflows, block types, executions and their logs, schedules and connections.',
      );
      expect(main).toContain('Create, edit, publish and archive workflows');
      expect(main).toContain('Which workspaces?');
      expect(await page.getByLabel('Read only').isChecked()).toBe(true);
      expect(await page.getByLabel('Read and write').isChecked()).toBe(false);
      const workspaces = page.getByRole('group', { name: 'Which workspaces?' }).getByRole('checkbox');
      expect(await workspaces.count()).toBe(2);
      expect(await page.getByLabel(/Acme Operations/).isVisible()).toBe(true);
      expect(await page.getByLabel(/Ada's sandbox/).isVisible()).toBe(true);
      expect(main).not.toContain('Globex');

      await page.getByLabel('Read only').check();
      await page.getByLabel(/Acme Operations/).check();
      await page.getByRole('button', { name: 'Allow access' }).click();
      await page.waitForURL(`${CLIENT_REDIRECT}**`);
    } finally {
      await context.close();
    }

    expect(cspViolations).toEqual([]);
    expect(callback?.searchParams.get('state')).toBe('browser-state');
    expect(callback?.searchParams.get('iss')).toBe(h.url);
    const code = callback?.searchParams.get('code');
    expect(code).toBeTruthy();

    const tokens = await postToken(h.url, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: CLIENT_REDIRECT,
      client_id: client.client_id,
      code_verifier: pkce.verifier,
    });
    expect(tokens).toMatchObject({ status: 200, body: { scope: 'mcp:read', token_type: 'Bearer' } });
    const grant = await h.app.authorizationServer.tokenVerifier.verify(tokens.body.access_token!, {
      resource: h.resource,
    });
    expect(grant).toMatchObject({
      kind: 'oauth',
      principal: 'usr_ada',
      clientId: client.client_id,
      clientName: 'Claude Desktop',
      scopes: ['mcp:read'],
      workspaces: ['wsp_acme'],
    });
    expect(await h.app.authorizationServer.credentialVault.get(grant!.credentialRef!)).toBe(DEMO_API_KEY);
  });
});
