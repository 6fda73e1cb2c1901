/**
 * Test harness of the embedded authorization server: the Conveyor platform, a Fastify app with the
 * store, the upstream client and the authorization-server plugin listening on a real port, and a
 * small OAuth client (registration, PKCE, cookies) that drives the flow over plain HTTP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildPlatform } from '../../platform/conveyor/build-platform.js';
import type { ApiDefinition } from '../../runtime/define-tool.js';
import { loadApi } from '../../runtime/load-api.js';
import authorizationServer, {
  type AuthorizationServerOptions,
} from '../../runtime/plugins/authorization-server.js';
import storePlugin from '../../runtime/plugins/store.js';
import upstreamClient from '../../runtime/plugins/upstream-client.js';
import type { StoreConfig } from '../../runtime/stores/create-store.js';
import type { Store } from '../../runtime/stores/store-types.js';

export const CLIENT_REDIRECT = 'http://127.0.0.1:9/callback';

/** generated/conveyor with its x-mcp access settings (present once the generator emits them). */
export async function loadConveyorApi(): Promise<ApiDefinition> {
  const api = await loadApi('generated/conveyor');
  return {
    ...api,
    access: {
      whoamiTool: 'get_current_user',
      tenantArgument: 'workspace_id',
      tenantListTool: 'list_workspaces',
      ...api.access,
    },
  };
}

export interface AuthorizationServerHarness {
  readonly app: FastifyInstance;
  readonly platform: FastifyInstance;
  readonly api: ApiDefinition;
  /** Where it listens; also the issuer unless the test set another public URL. */
  readonly url: string;
  /** The MCP resource of the issuer. */
  readonly resource: string;
  readonly store: Store;
  close(): Promise<void>;
}

export async function startAuthorizationServer(
  options: {
    readonly store?: Store | StoreConfig;
    readonly plugin?: Partial<AuthorizationServerOptions>;
    readonly platformUrl?: string;
    /** Changes the API before serving it (tenancy settings, say). */
    readonly api?: (api: ApiDefinition) => ApiDefinition;
  } = {},
): Promise<AuthorizationServerHarness> {
  const conveyor = await loadConveyorApi();
  const api = options.api === undefined ? conveyor : options.api(conveyor);
  const platform = await buildPlatform({ logger: false, tickMs: 60_000 });
  const platformUrl = options.platformUrl ?? (await platform.listen({ port: 0, host: '127.0.0.1' }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = Fastify({ logger: false });
  await app.register(storePlugin, { store: options.store ?? { kind: 'memory' } });
  await app.register(upstreamClient, { baseUrl: `${platformUrl}/v1`, timeoutMs: 5_000 });
  await app.register(authorizationServer, {
    api,
    publicUrl: url,
    credentialKey: randomBytes(32),
    ...options.plugin,
  });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    platform,
    api,
    url,
    resource: app.authorizationServer.resource,
    store: app.store,
    async close() {
      await app.close();
      await platform.close();
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Cookies by name, as a browser would keep them for one site (paths are ignored: all are sent). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key, date] = attribute.trim().split('=');
        return key?.toLowerCase() === 'expires' && date !== undefined && Date.parse(date) < Date.now();
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface RegisteredClient {
  readonly client_id: string;
  readonly client_name?: string;
  readonly [key: string]: unknown;
}

export async function registerClient(
  baseUrl: string,
  metadata: Record<string, unknown> = {},
): Promise<RegisteredClient> {
  const response = await fetch(`${baseUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Test Agent',
      redirect_uris: [CLIENT_REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...metadata,
    }),
  });
  const body = (await response.json()) as RegisteredClient;
  if (response.status !== 201)
    throw new Error(`registration failed: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export interface AuthorizationRequest {
  readonly clientId: string;
  readonly pkce?: Pkce;
  readonly scope?: string;
  readonly resource?: string;
  readonly redirectUri?: string;
  readonly state?: string;
  readonly extra?: Readonly<Record<string, string>>;
}

export function authorizationUrl(baseUrl: string, request: AuthorizationRequest): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri ?? CLIENT_REDIRECT,
    state: request.state ?? 'state-1',
    ...(request.scope !== undefined && { scope: request.scope }),
    ...(request.resource !== undefined && { resource: request.resource }),
    ...(request.pkce !== undefined && {
      code_challenge: request.pkce.challenge,
      code_challenge_method: 'S256',
    }),
    ...request.extra,
  });
  return `${baseUrl}/oauth/authorize?${params}`;
}

/** A browser-like session: cookies kept, redirects not followed (the test follows them). */
export class BrowserSession {
  readonly jar = new CookieJar();

  constructor(readonly baseUrl: string) {}

  async get(url: string): Promise<Response> {
    const response = await fetch(new URL(url, this.baseUrl), {
      redirect: 'manual',
      headers: { cookie: this.jar.header() },
    });
    this.jar.store(response);
    return response;
  }

  async post(url: string, form: Record<string, string | readonly string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      for (const item of typeof value === 'string' ? [value] : value) body.append(key, item);
    }
    const response = await fetch(new URL(url, this.baseUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    this.jar.store(response);
    return response;
  }

  /** Follows same-site redirects; stops at the first redirect elsewhere (the client's) or a page. */
  async follow(response: Response): Promise<Response> {
    let current = response;
    for (let hops = 0; hops < 10 && current.status >= 300 && current.status < 400; hops++) {
      const location = current.headers.get('location') ?? '';
      const target = new URL(location, this.baseUrl);
      if (target.origin !== new URL(this.baseUrl).origin) return current;
      current = await this.get(target.href);
    }
    return current;
  }
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error(`no csrf token in page:\n${html}`);
  return match[1];
}

/** The interaction page path in an HTML page's forms. */
export function actionBaseOf(html: string): string {
  const match = /action="([^"]+)\/sign-in"|action="([^"]+)\/consent"/.exec(html);
  const base = match?.[1] ?? match?.[2];
  if (base === undefined) throw new Error(`no interaction form in page:\n${html}`);
  return base;
}

export interface ConsentChoice {
  readonly credential: string;
  readonly access?: 'read' | 'write';
  readonly workspaces?: readonly string[];
}

/**
 * Starts an authorization, signs in and consents; returns the redirect to the client (the code),
 * or throws with the page where the flow stopped.
 */
export async function authorize(
  session: BrowserSession,
  request: AuthorizationRequest,
  choice: ConsentChoice,
): Promise<URL> {
  const page = await session.follow(await session.get(authorizationUrl(session.baseUrl, request)));
  const signInHtml = await page.text();
  if (page.status !== 200)
    throw new Error(`authorization did not reach sign-in: ${page.status} ${signInHtml}`);
  const base = actionBaseOf(signInHtml);
  const signedIn = await session.follow(
    await session.post(`${base}/sign-in`, { csrf: csrfOf(signInHtml), credential: choice.credential }),
  );
  const consentHtml = await signedIn.text();
  if (signedIn.status !== 200 || !consentHtml.includes('/consent"')) {
    throw new Error(`sign-in did not reach consent: ${signedIn.status} ${consentHtml}`);
  }
  const done = await session.follow(
    await session.post(`${base}/consent`, {
      csrf: csrfOf(consentHtml),
      access: choice.access ?? 'read',
      workspace: choice.workspaces ?? ['wsp_acme'],
      decision: 'allow',
    }),
  );
  const location = done.headers.get('location');
  if (location === null)
    throw new Error(`consent did not redirect to the client: ${done.status} ${await done.text()}`);
  return new URL(location);
}

export interface TokenResponse {
  readonly status: number;
  readonly body: {
    readonly access_token?: string;
    readonly refresh_token?: string;
    readonly scope?: string;
    readonly expires_in?: number;
    readonly error?: string;
    readonly error_description?: string;
  };
}

export async function postToken(baseUrl: string, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse['body'] };
}
