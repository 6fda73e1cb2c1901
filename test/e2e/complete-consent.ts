/**
 * What a user does in the browser an MCP client opens, for test/e2e/fake-browser.sh: opens the
 * authorization URL (the only argument), signs in with a Conveyor API key, allows read/write access
 * to every workspace offered, and follows the redirect to the client's loopback callback. Plain
 * HTTP with a cookie jar per origin, no JavaScript, as the sign-in and consent pages need none.
 *
 * Settings (environment): FAKE_BROWSER_LOG, the file it appends its steps to (default
 * .tmp/fake-browser.log); FAKE_BROWSER_CREDENTIAL, the key to sign in with (default the demo key);
 * FAKE_BROWSER_ACCESS, `write` (default) or `read`. Like a real browser it exits 0 whatever the pages
 * said (a failure would make xdg-open and mcp-remote try other browsers, opening the URL again): the
 * log's last line, `done` or `failed: ...`, tells how it went.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEMO_API_KEY } from '../../platform/conveyor/seed.js';

const logFile = resolve(process.env['FAKE_BROWSER_LOG'] || '.tmp/fake-browser.log');
const credential = process.env['FAKE_BROWSER_CREDENTIAL'] || DEMO_API_KEY;
const access = process.env['FAKE_BROWSER_ACCESS'] === 'read' ? 'read' : 'write';
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_STEPS = 20;

function log(message: string): void {
  mkdirSync(dirname(logFile), { recursive: true });
  appendFileSync(logFile, `${new Date().toISOString()} [${process.pid}] ${message}\n`);
}

/** Cookies per origin; a browser would also honour Path, which these pages do not need. */
class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  store(url: URL, response: Response): void {
    const cookies = this.byOrigin.get(url.origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key, date] = attribute.trim().split('=');
        const lower = key?.toLowerCase();
        if (lower === 'max-age') return Number(date) <= 0;
        return lower === 'expires' && date !== undefined && Date.parse(date) < Date.now();
      });
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    this.byOrigin.set(url.origin, cookies);
  }

  header(url: URL): string {
    return [...(this.byOrigin.get(url.origin) ?? [])].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const jar = new CookieJar();

async function request(url: URL, form?: URLSearchParams): Promise<Response> {
  const headers: Record<string, string> = { accept: 'text/html', 'user-agent': 'spec2mcp-fake-browser' };
  const cookie = jar.header(url);
  if (cookie !== '') headers['cookie'] = cookie;
  if (form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['origin'] = url.origin;
  }
  const response = await fetch(url, {
    method: form === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers,
    ...(form !== undefined && { body: form }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  jar.store(url, response);
  log(`${form === undefined ? 'GET' : 'POST'} ${redact(url)} -> ${response.status}`);
  return response;
}

/** The authorization URL carries no secret, but the callback carries the code: keep it out of the log. */
function redact(url: URL): string {
  const copy = new URL(url);
  if (copy.searchParams.has('code')) copy.searchParams.set('code', '<redacted>');
  return copy.href;
}

/** What the page says, without its markup, for the log. */
function pageText(html: string): string {
  return unescapeHtml(
    html
      .replace(/<(style|script)\b[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ).slice(0, 1_500);
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1]);
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The form whose action ends with `/<name>`, with its hidden and checked fields. */
function findForm(html: string, name: string): { action: string; html: string } | undefined {
  for (const match of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
    const action = attribute(/<form\b[^>]*>/.exec(match[0])?.[0] ?? '', 'action');
    if (action?.endsWith(`/${name}`)) return { action, html: match[0] };
  }
  return undefined;
}

function inputs(html: string): string[] {
  return [...html.matchAll(/<input\b[^>]*>/g)].map((match) => match[0]);
}

function hiddenFields(formHtml: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const tag of inputs(formHtml)) {
    const name = attribute(tag, 'name');
    if (attribute(tag, 'type') === 'hidden' && name !== undefined)
      form.append(name, attribute(tag, 'value') ?? '');
  }
  return form;
}

function signInForm(formHtml: string): URLSearchParams {
  const form = hiddenFields(formHtml);
  form.set('credential', credential);
  return form;
}

function consentForm(formHtml: string): URLSearchParams {
  const form = hiddenFields(formHtml);
  const offered = inputs(formHtml)
    .filter((tag) => attribute(tag, 'name') === 'access')
    .map((tag) => attribute(tag, 'value'));
  form.set('access', offered.includes(access) ? access : (offered[0] ?? access));
  for (const tag of inputs(formHtml)) {
    const value = attribute(tag, 'value');
    if (attribute(tag, 'name') === 'workspace' && value !== undefined) form.append('workspace', value);
  }
  form.set('decision', 'allow');
  log(
    `consent: access=${form.get('access')} workspaces=${form.getAll('workspace').join(',') || '(none offered)'}`,
  );
  return form;
}

async function run(start: string): Promise<boolean> {
  const authorizationServer = new URL(start).origin;
  let response = await request(new URL(start));
  let current = new URL(start);
  let signedIn = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      if (location === null) throw new Error(`redirect without a location from ${current.href}`);
      current = new URL(location, current);
      await response.body?.cancel();
      if (current.origin !== authorizationServer) {
        // The client's loopback callback: the browser's last stop.
        const callback = await request(current);
        const text = await callback.text();
        log(`callback answered ${callback.status}: ${pageText(text).slice(0, 300)}`);
        if (current.searchParams.has('error')) {
          throw new Error(`the authorization server returned an error: ${current.searchParams.get('error')}`);
        }
        return callback.ok;
      }
      response = await request(current);
      continue;
    }
    const html = await response.text();
    const consent = findForm(html, 'consent');
    const signIn = findForm(html, 'sign-in');
    if (response.status === 200 && consent !== undefined) {
      response = await request(new URL(consent.action, current), consentForm(consent.html));
    } else if (response.status === 200 && signIn !== undefined && !signedIn) {
      signedIn = true;
      response = await request(new URL(signIn.action, current), signInForm(signIn.html));
    } else {
      throw new Error(`stopped at ${current.href} (${response.status}): ${pageText(html)}`);
    }
  }
  throw new Error(`no callback after ${MAX_STEPS} steps`);
}

const url = process.argv[2];
if (url === undefined || !/^https?:\/\//.test(url)) {
  log(`failed: not an http(s) URL: ${JSON.stringify(process.argv.slice(2))}`);
} else {
  log(`open ${url}`);
  try {
    log((await run(url)) ? 'done' : 'failed: the callback did not answer 2xx');
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
process.exit(0);
