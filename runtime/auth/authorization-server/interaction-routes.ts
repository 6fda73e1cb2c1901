/**
 * The sign-in and consent pages oidc-provider sends users to (`/oauth/interaction/<uid>`): the user
 * signs in with a credential of the platform, checked by calling the API's `whoami` tool with it,
 * then chooses read-only or read/write and, when the API lists them, the workspaces to grant. The
 * consent creates the oidc-provider Grant, replaces any earlier grant of the same client and user,
 * and stores the credential encrypted for the calls the client makes.
 *
 * Every form post carries a CSRF token bound to the interaction, and the interaction itself is bound
 * to the browser by oidc-provider's signed cookie. Posts redirect (303) so a reload never re-posts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, Provider } from 'oidc-provider';
import type { ApiDefinition } from '../../define-tool.js';
import {
  callPlatformTool,
  listPlatformTenants,
  type PlatformConnection,
  type PlatformTenant,
  readPlatformUser,
} from './call-platform.js';
import {
  credentialOwnerOf,
  deleteSignIn,
  findSignIn,
  type SignInRecord,
  saveConsent,
  saveSignIn,
  signInCredentialOwnerOf,
} from './consent-records.js';
import type { EncryptingCredentialVault } from './credential-vault.js';
import { type AuthorizationStores, revokeUserGrants } from './manage-clients.js';
import { INTERACTION_PATH, type TokenLifetimes } from './oauth-routes.js';
import {
  pageHeaders,
  renderConsentPage,
  renderMessagePage,
  renderSignInPage,
  type ScopeChoice,
} from './render-pages.js';
import type { McpResources } from './resource-urls.js';

export interface InteractionRoutesOptions {
  /** The oidc-provider instance, created on the first request that needs it. */
  readonly loadProvider: () => Promise<Provider>;
  readonly api: ApiDefinition;
  readonly stores: AuthorizationStores;
  readonly vault: EncryptingCredentialVault;
  readonly platform: () => PlatformConnection;
  readonly resources: McpResources;
  readonly csrfKey: Buffer;
  /** Path of the issuer URL ('' at the root): forms post to the public path. */
  readonly issuerPath: string;
  readonly lifetimes: TokenLifetimes;
  readonly now?: () => number;
}

type FormBody = Readonly<Record<string, string | readonly string[]>>;

const MAX_FORM_BYTES = 16 * 1024;
const OIDC_SCOPES = new Set(['openid', 'offline_access']);

export async function registerInteractionRoutes(
  app: FastifyInstance,
  options: InteractionRoutesOptions,
): Promise<void> {
  const { api, loadProvider, stores, vault } = options;
  const now = options.now ?? Date.now;
  const whoamiTool = api.access?.whoamiTool;
  if (whoamiTool === undefined) {
    throw new Error(
      `API ${api.id} declares no whoami tool (x-mcp whoami): the authorization server cannot check who signs in.`,
    );
  }
  const tenantListTool = api.access?.tenantListTool;
  const apiTitle = api.title;
  const credentialLabel = describeCredential(api);
  const workspaceLabel = describeTenant(api.access?.tenantArgument);

  // Form posts only here: the provider's own routes read their bodies themselves.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
    (_request, body, done) => done(null, parseForm(String(body))),
  );

  const csrfOf = (uid: string) =>
    createHmac('sha256', options.csrfKey).update(`interaction:${uid}`).digest('base64url');
  const csrfValid = (uid: string, body: FormBody) => {
    const given = Buffer.from(textField(body, 'csrf') ?? '');
    const expected = Buffer.from(csrfOf(uid));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  /** The interaction of this browser, or a page saying it is gone (already answered). */
  const loadInteraction = async (
    request: FastifyRequest<{ Params: { uid: string } }>,
    reply: FastifyReply,
  ): Promise<Interaction | undefined> => {
    try {
      const details = await (await loadProvider()).interactionDetails(request.raw, reply.raw);
      if (details.uid === request.params.uid) return details;
    } catch (error) {
      if ((error as Error).name !== 'SessionNotFound') throw error;
    }
    sendPage(
      reply,
      400,
      renderMessagePage({
        title: 'This sign-in page has expired',
        message:
          'It was already used, it timed out, or it was opened in another browser. Connect again from the application.',
      }),
    );
    return undefined;
  };

  const pageContext = async (details: Interaction) => {
    const clientId = String(details.params['client_id'] ?? '');
    const client = await (await loadProvider()).Client.find(clientId);
    const redirectUri = URL.parse(String(details.params['redirect_uri'] ?? ''));
    return {
      clientId,
      clientName: client?.clientName ?? clientId,
      context: {
        actionBase: `${options.issuerPath}${INTERACTION_PATH}/${details.uid}`,
        csrf: csrfOf(details.uid),
        apiTitle,
        clientName: client?.clientName ?? clientId,
        ...(redirectUri !== null && { clientHost: redirectUri.host }),
      },
      formTargets: redirectUri === null ? [] : [redirectUri.origin],
    };
  };

  const showSignIn = async (reply: FastifyReply, details: Interaction, status: number, error?: string) => {
    const { context, formTargets } = await pageContext(details);
    sendPage(
      reply,
      status,
      renderSignInPage({ ...context, credentialLabel, ...(error !== undefined && { error }) }),
      formTargets,
    );
  };

  const showConsent = async (
    reply: FastifyReply,
    details: Interaction,
    signIn: SignInRecord,
    status: number,
    chosen: { access?: 'read' | 'write'; workspaces?: readonly string[]; error?: string } = {},
  ) => {
    const { context, formTargets } = await pageContext(details);
    const requested = requestedScopes(details);
    sendPage(
      reply,
      status,
      renderConsentPage({
        ...context,
        accountName: signIn.displayName,
        choices: scopeChoices(api, requested),
        selectedAccess: chosen.access ?? 'read',
        ...(signIn.tenants !== undefined && { workspaces: signIn.tenants }),
        ...(chosen.workspaces !== undefined && { selectedWorkspaces: chosen.workspaces }),
        workspaceLabel,
        ...(chosen.error !== undefined && { error: chosen.error }),
      }),
      formTargets,
    );
  };

  /** The scopes the client asked for among the API's (all of them when it named none). */
  const requestedScopes = (details: Interaction): string[] => {
    const names = api.scopes.definitions.map((definition) => definition.name);
    const asked = String(details.params['scope'] ?? '')
      .split(' ')
      .filter((scope) => names.includes(scope));
    return asked.length > 0 ? asked : names;
  };

  const finish = async (request: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>) => {
    const returnTo = await (await loadProvider()).interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
  };

  const forgetSignIn = async (uid: string) => {
    const signIn = await findSignIn(stores.oauth, uid);
    if (signIn !== undefined) await vault.delete(signIn.credentialRef);
    await deleteSignIn(stores.oauth, uid);
  };

  const base = INTERACTION_PATH;
  const backToPage = (reply: FastifyReply, details: Interaction) =>
    reply.redirect(`${options.issuerPath}${base}/${details.uid}`, 303);

  app.get<{ Params: { uid: string } }>(`${base}/:uid`, async (request, reply) => {
    const details = await loadInteraction(request, reply);
    if (details === undefined) return reply;
    const signIn = await findSignIn(stores.oauth, details.uid);
    if (signIn === undefined) await showSignIn(reply, details, 200);
    else await showConsent(reply, details, signIn, 200);
    return reply;
  });

  app.post<{ Params: { uid: string }; Body: FormBody }>(`${base}/:uid/sign-in`, async (request, reply) => {
    const details = await loadInteraction(request, reply);
    if (details === undefined) return reply;
    const body = request.body ?? {};
    if (!csrfValid(details.uid, body)) {
      await showSignIn(reply, details, 403, 'This form expired. Enter your key again.');
      return reply;
    }
    const credential = textField(body, 'credential')?.trim() ?? '';
    if (credential === '') {
      await showSignIn(reply, details, 400, `Enter your ${credentialLabel} for ${apiTitle}.`);
      return reply;
    }
    const connection = options.platform();
    const whoami = await callPlatformTool(api, connection, whoamiTool, credential);
    const user = whoami.kind === 'ok' ? readPlatformUser(whoami.body) : undefined;
    if (whoami.kind === 'rejected') {
      await showSignIn(
        reply,
        details,
        401,
        `${apiTitle} did not accept this ${credentialLabel}. Check that you copied all of it and that it has not been revoked.`,
      );
      return reply;
    }
    if (whoami.kind === 'unavailable' || user === undefined) {
      request.log.warn(
        { reason: whoami.kind === 'unavailable' ? whoami.reason : 'no user id in the answer' },
        'sign-in: the platform did not answer whoami',
      );
      await showSignIn(
        reply,
        details,
        503,
        `${apiTitle} could not be reached to check your ${credentialLabel}. Nothing was saved; try again in a moment.`,
      );
      return reply;
    }
    let tenants: readonly PlatformTenant[] | undefined;
    if (tenantListTool !== undefined) {
      const listed = await listPlatformTenants(api, connection, tenantListTool, credential);
      if (listed.kind !== 'ok') {
        await showSignIn(
          reply,
          details,
          listed.kind === 'rejected' ? 403 : 503,
          listed.kind === 'rejected'
            ? `This ${credentialLabel} may not list your ${workspaceLabel}s on ${apiTitle}. Use a key that can.`
            : `${apiTitle} could not list your ${workspaceLabel}s. Nothing was saved; try again in a moment.`,
        );
        return reply;
      }
      tenants = listed.tenants;
    }
    const expiresAt = details.exp * 1000;
    // Encrypted at once: the typed credential is never stored in the clear, not even for a minute.
    const credentialRef = await vault.put(signInCredentialOwnerOf(details.uid), credential, { expiresAt });
    await saveSignIn(
      stores.oauth,
      details.uid,
      {
        accountId: user.id,
        displayName: user.displayName,
        credentialRef,
        ...(tenants !== undefined && { tenants }),
      },
      expiresAt,
    );
    return backToPage(reply, details);
  });

  app.post<{ Params: { uid: string }; Body: FormBody }>(`${base}/:uid/sign-out`, async (request, reply) => {
    const details = await loadInteraction(request, reply);
    if (details === undefined) return reply;
    if (csrfValid(details.uid, request.body ?? {})) await forgetSignIn(details.uid);
    return backToPage(reply, details);
  });

  app.post<{ Params: { uid: string }; Body: FormBody }>(`${base}/:uid/cancel`, async (request, reply) => {
    const details = await loadInteraction(request, reply);
    if (details === undefined) return reply;
    if (!csrfValid(details.uid, request.body ?? {})) return backToPage(reply, details);
    await forgetSignIn(details.uid);
    return finish(request, reply, {
      error: 'access_denied',
      error_description: 'The user cancelled the sign-in.',
    });
  });

  app.post<{ Params: { uid: string }; Body: FormBody }>(`${base}/:uid/consent`, async (request, reply) => {
    const details = await loadInteraction(request, reply);
    if (details === undefined) return reply;
    const body = request.body ?? {};
    const signIn = await findSignIn(stores.oauth, details.uid);
    if (signIn === undefined) return backToPage(reply, details);
    const access = textField(body, 'access') === 'write' ? 'write' : 'read';
    const workspaces = listField(body, 'workspace');
    if (!csrfValid(details.uid, body)) {
      await showConsent(reply, details, signIn, 403, {
        access,
        workspaces,
        error: 'This form expired. Choose again.',
      });
      return reply;
    }
    if (textField(body, 'decision') === 'deny') {
      await forgetSignIn(details.uid);
      return finish(request, reply, { error: 'access_denied', error_description: 'The user denied access.' });
    }

    const requested = requestedScopes(details);
    const choice = scopeChoices(api, requested).find((candidate) => candidate.value === access);
    if (choice === undefined) {
      await showConsent(reply, details, signIn, 400, {
        workspaces,
        error: 'Choose what the application may do.',
      });
      return reply;
    }
    const granted = choice.items.map((item) => item.scope);
    if (signIn.tenants !== undefined) {
      const known = new Set(signIn.tenants.map((tenant) => tenant.id));
      if (workspaces.length === 0 || workspaces.some((id) => !known.has(id))) {
        await showConsent(reply, details, signIn, 400, {
          access,
          workspaces: workspaces.filter((id) => known.has(id)),
          error: `Choose at least one ${workspaceLabel}.`,
        });
        return reply;
      }
    }
    const secret = await vault.get(signIn.credentialRef);
    if (secret === undefined) {
      await forgetSignIn(details.uid);
      await showSignIn(reply, details, 400, `Your sign-in timed out. Enter your ${credentialLabel} again.`);
      return reply;
    }

    const clientId = String(details.params['client_id']);
    const { clientName } = await pageContext(details);
    const resources = requestedResources(details, options.resources);
    const at = now();
    // Re-authorizing replaces: the user's earlier grants to this client end with their tokens.
    await revokeUserGrants(stores, clientId, signIn.accountId);
    const grantExpiresAt = at + options.lifetimes.grant * 1000;
    const credentialRef = await vault.put(credentialOwnerOf(clientId, signIn.accountId), secret, {
      expiresAt: grantExpiresAt,
    });
    const provider = await loadProvider();
    const grant = new provider.Grant({ accountId: signIn.accountId, clientId });
    for (const resource of resources) grant.addResourceScope(resource.resource, granted.join(' '));
    const oidcScopes = String(details.params['scope'] ?? '')
      .split(' ')
      .filter((scope) => OIDC_SCOPES.has(scope));
    if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
    const grantId = await grant.save();
    const [first] = resources;
    await saveConsent(
      stores.oauth,
      {
        grantId,
        clientId,
        clientName,
        accountId: signIn.accountId,
        displayName: signIn.displayName,
        resource: first?.resource ?? options.resources.base,
        ...(first?.tenant !== undefined && { tenant: first.tenant }),
        scopes: granted,
        ...(signIn.tenants !== undefined && { workspaces }),
        credentialRef,
        grantedAt: at,
      },
      grantExpiresAt,
    );
    await forgetSignIn(details.uid);
    request.log.info(
      { clientId, principal: signIn.accountId, scopes: granted, grantId },
      'oauth consent given',
    );
    // remember: false: a browser-session cookie; sessions are never reused to skip sign-in anyway.
    return finish(request, reply, {
      login: { accountId: signIn.accountId, remember: false },
      consent: { grantId },
    });
  });
}

/** Read only: the requested scopes that do not write; read and write: all requested. */
export function scopeChoices(api: ApiDefinition, requested: readonly string[]): ScopeChoice[] {
  const describe = (scope: string) => ({
    scope,
    description: api.scopes.definitions.find((definition) => definition.name === scope)?.description ?? scope,
  });
  const readOnly = requested.filter((scope) => !api.scopes.write.includes(scope));
  const choices: ScopeChoice[] = [];
  if (readOnly.length > 0) choices.push({ value: 'read', label: 'Read only', items: readOnly.map(describe) });
  if (readOnly.length < requested.length) {
    choices.push({ value: 'write', label: 'Read and write', items: requested.map(describe) });
  }
  return choices;
}

function requestedResources(
  details: Interaction,
  resources: McpResources,
): { readonly resource: string; readonly tenant?: string }[] {
  const raw = details.params['resource'];
  const asked = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  const matched = asked
    .map((resource) => resources.match(resource))
    .filter((match): match is NonNullable<typeof match> => match !== undefined);
  return matched.length > 0 ? matched : [{ resource: resources.base }];
}

function sendPage(reply: FastifyReply, status: number, html: string, formTargets: readonly string[] = []) {
  reply.code(status).headers(pageHeaders(formTargets)).send(html);
}

function parseForm(text: string): FormBody {
  const form: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = form[key];
    if (existing === undefined) form[key] = value;
    else form[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return form;
}

function textField(body: FormBody, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function listField(body: FormBody, name: string): string[] {
  const value = body[name];
  if (value === undefined) return [];
  return [...new Set(typeof value === 'string' ? [value] : value)];
}

/** What the sign-in page asks for, from the security scheme the platform authenticates with. */
function describeCredential(api: ApiDefinition): string {
  const scheme = api.securitySchemes.find((candidate) => candidate.name === api.upstream.auth?.scheme);
  if (scheme?.type === 'apiKey') return 'API key';
  if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() === 'basic') return 'user:password';
  return 'access token';
}

/** `workspace_id` -> `workspace`: what the consent page calls a tenant. */
function describeTenant(argument: string | undefined): string {
  if (argument === undefined) return 'workspace';
  const words = argument
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .replace(/\s+id$/i, '')
    .trim()
    .toLowerCase();
  return words === '' ? 'workspace' : words;
}
