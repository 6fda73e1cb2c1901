/**
 * The sign-in and consent pages, and the error page oidc-provider shows: plain server-rendered HTML
 * that works without JavaScript, with no external assets (one inline style, allowed by its hash in
 * the Content-Security-Policy), headings, labels, fieldsets and errors announced and focused first.
 */
import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#fff;--muted:#555;--line:#c8c8d0;--accent:#1f4fd1;--bad:#b00020;--badbg:#fdecee}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--bg:#17171a;--muted:#b4b4be;--line:#4a4a55;--accent:#8fb0ff;--bad:#ff8a9a;--badbg:#3a1d22}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:36rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.15rem;margin:0 0 .25rem}
p{margin:0 0 1rem}
.hint{color:var(--muted);font-size:.95rem}
label{font-weight:600}
input[type=password],input[type=text]{display:block;width:100%;margin:.25rem 0 1rem;padding:.6rem;font:inherit;color:inherit;background:var(--bg);border:2px solid var(--line);border-radius:4px}
input[aria-invalid=true]{border-color:var(--bad)}
fieldset{border:1px solid var(--line);border-radius:6px;margin:0 0 1.25rem;padding:.75rem 1rem}
legend{font-weight:700;padding:0 .25rem}
.choice{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}
.choice input{margin-top:.35rem;width:1.1rem;height:1.1rem;flex:none}
.choice ul{margin:.2rem 0 0;padding-left:1.1rem;font-weight:400}
code{font-size:.85em}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:4px;border:2px solid var(--accent);background:var(--accent);color:var(--bg);cursor:pointer;margin:0 .5rem .5rem 0}
button.secondary{background:transparent;color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{border:2px solid var(--bad);background:var(--badbg);border-radius:6px;padding:.75rem 1rem;margin:0 0 1.25rem}
.error p{margin:0}
.inline{margin:-.5rem 0 1rem}
.inline button{padding:0;border:0;background:none;color:var(--accent);text-decoration:underline;font-weight:400;margin:0}
`;

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

export interface PageHeaders {
  readonly [name: string]: string;
}

/**
 * `formTargets`: origins the page's forms may end up at. Browsers apply form-action to the redirects
 * after a submission, and consent ends with a redirect to the client.
 */
export function pageHeaders(formTargets: readonly string[] = []): PageHeaders {
  const formAction = ["'self'", ...new Set(formTargets)].join(' ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** An error summary: announced (role=alert) and focused first, so keyboard and screen-reader users meet it. */
function errorBlock(message: string | undefined, id = 'problem'): string {
  if (message === undefined) return '';
  return `<div class="error" role="alert" id="${id}" tabindex="-1" autofocus>
<h2>There is a problem</h2>
<p>${escapeHtml(message)}</p>
</div>`;
}

export interface PageContext {
  /** Base path of the interaction's forms: `/oauth/interaction/<uid>`. */
  readonly actionBase: string;
  readonly csrf: string;
  readonly apiTitle: string;
  readonly clientName: string;
  /** Where the client gets the answer (its redirect URI's host), shown so the user can tell clients apart. */
  readonly clientHost?: string;
}

export interface SignInPageInput extends PageContext {
  /** What the credential is called on the platform: "API key", "access token". */
  readonly credentialLabel: string;
  readonly error?: string;
}

export function renderSignInPage(input: SignInPageInput): string {
  const { apiTitle } = input;
  const client = escapeHtml(input.clientName);
  const invalid = input.error !== undefined;
  return layout(
    `Sign in to ${apiTitle}`,
    `<h1>Sign in to ${escapeHtml(apiTitle)}</h1>
${errorBlock(input.error)}
<p><strong>${client}</strong> is requesting access to your ${escapeHtml(apiTitle)} account.</p>
<form method="post" action="${escapeHtml(input.actionBase)}/sign-in">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<label for="credential">Your ${escapeHtml(input.credentialLabel)} for ${escapeHtml(apiTitle)}</label>
<p class="hint" id="credential-hint">It is checked with ${escapeHtml(apiTitle)} now, stored encrypted, and used only for what you allow ${client} to do.</p>
<input type="password" id="credential" name="credential" autocomplete="off" spellcheck="false" required aria-describedby="credential-hint${invalid ? ' problem' : ''}"${invalid ? ' aria-invalid="true"' : ' autofocus'}>
<button type="submit">Continue</button>
</form>
<form method="post" action="${escapeHtml(input.actionBase)}/cancel">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit" class="secondary">Cancel and return to ${client}</button>
</form>
${input.clientHost === undefined ? '' : `<p class="hint">${client} will get the answer at ${escapeHtml(input.clientHost)}.</p>`}`,
  );
}

export interface ScopeChoice {
  readonly value: 'read' | 'write';
  readonly label: string;
  /** Plain-words descriptions of what the choice allows, with their scope names. */
  readonly items: readonly { readonly scope: string; readonly description: string }[];
}

export interface ConsentPageInput extends PageContext {
  readonly accountName: string;
  /** One or two choices (read only; read and write). */
  readonly choices: readonly ScopeChoice[];
  readonly selectedAccess: 'read' | 'write';
  /** Tenants the user can grant; absent when the API lists none. */
  readonly workspaces?: readonly { readonly id: string; readonly name: string }[];
  readonly selectedWorkspaces?: readonly string[];
  readonly workspaceLabel: string;
  readonly error?: string;
}

export function renderConsentPage(input: ConsentPageInput): string {
  const { apiTitle } = input;
  const client = escapeHtml(input.clientName);
  const choices = input.choices
    .map((choice) => {
      const id = `access-${choice.value}`;
      const checked = choice.value === input.selectedAccess || input.choices.length === 1 ? ' checked' : '';
      return `<div class="choice">
<input type="radio" id="${id}" name="access" value="${choice.value}"${checked} aria-describedby="${id}-scopes">
<div><label for="${id}">${escapeHtml(choice.label)}</label>
<ul id="${id}-scopes">${choice.items
        .map((item) => `<li>${escapeHtml(item.description)} <code>${escapeHtml(item.scope)}</code></li>`)
        .join('')}</ul></div>
</div>`;
    })
    .join('\n');
  const selected = new Set(input.selectedWorkspaces ?? []);
  const workspaces =
    input.workspaces === undefined
      ? ''
      : `<fieldset aria-describedby="workspaces-hint">
<legend>Which ${escapeHtml(input.workspaceLabel)}s?</legend>
<p class="hint" id="workspaces-hint">${client} can use only the ${escapeHtml(input.workspaceLabel)}s you tick. Choose at least one.</p>
${
  input.workspaces.length === 0
    ? `<p>Your account has no ${escapeHtml(input.workspaceLabel)}s to grant.</p>`
    : input.workspaces
        .map(
          (workspace, index) => `<div class="choice">
<input type="checkbox" id="workspace-${index}" name="workspace" value="${escapeHtml(workspace.id)}"${selected.has(workspace.id) ? ' checked' : ''}>
<label for="workspace-${index}">${escapeHtml(workspace.name)} <code>${escapeHtml(workspace.id)}</code></label>
</div>`,
        )
        .join('\n')
}
</fieldset>`;
  return layout(
    `Authorize ${input.clientName} – ${apiTitle}`,
    `<h1>Authorize ${client}</h1>
${errorBlock(input.error)}
<p><strong>${client}</strong> is requesting access to your ${escapeHtml(apiTitle)} account.</p>
<p>Signed in as <strong>${escapeHtml(input.accountName)}</strong>.</p>
<form class="inline" method="post" action="${escapeHtml(input.actionBase)}/sign-out">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit">Not you? Use another credential</button>
</form>
<form method="post" action="${escapeHtml(input.actionBase)}/consent">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<fieldset>
<legend>What may ${client} do?</legend>
${choices}
</fieldset>
${workspaces}
<button type="submit" name="decision" value="allow">Allow access</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>
<p class="hint">You can end this access at any time; ${client} then has to ask again.${
      input.clientHost === undefined ? '' : ` It will get the answer at ${escapeHtml(input.clientHost)}.`
    }</p>`,
  );
}

export function renderMessagePage(input: { readonly title: string; readonly message: string }): string {
  return layout(
    input.title,
    `<h1>${escapeHtml(input.title)}</h1>
<div class="error" role="alert" id="problem" tabindex="-1" autofocus><p>${escapeHtml(input.message)}</p></div>
<p class="hint">Close this page and start again from the application that sent you here.</p>`,
  );
}

/** oidc-provider's error page (bad client, redirect URI, expired request), in the same style. */
export function renderProviderError(
  ctx: KoaContextWithOIDC,
  out: { readonly error?: string; readonly error_description?: string },
): void {
  const description = out.error_description ?? 'The request could not be completed.';
  for (const [name, value] of Object.entries(pageHeaders())) ctx.set(name, value);
  ctx.type = 'html';
  ctx.body = renderMessagePage({
    title: 'This authorization request cannot be completed',
    message: `${description}${out.error === undefined ? '' : ` (${out.error})`}`,
  });
}
