/**
 * The authentication a deployed server gets by default (`main`, `spec2mcp serve`, `npm start`):
 * API tokens whenever tokens are checked, plus the embedded authorization server in `embedded`
 * mode. Passed to buildServer as `wireAuthorization`, which runs it once the store exists.
 */
import type { FastifyInstance } from 'fastify';
import type { AuthorizationWiring } from '../build-server.js';
import type { ApiDefinition } from '../define-tool.js';
import { apiTokenPrefixOf } from './api-tokens/api-token-format.js';
import { createApiTokenVerifier } from './api-tokens/api-token-verifier.js';

export interface DefaultAuthorizationOptions {
  readonly api: ApiDefinition;
  readonly mode: 'embedded' | 'external';
  /** The server's public base URL: the issuer of the embedded authorization server. */
  readonly publicUrl: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function wireDefaultAuthorization(
  options: DefaultAuthorizationOptions,
): (app: FastifyInstance) => Promise<AuthorizationWiring> {
  return async (app) => {
    const apiTokens = createApiTokenVerifier(app.store, {
      prefix: apiTokenPrefixOf(options.api),
      onTouchError: (error) => app.log.warn({ err: error }, 'recording an API token use failed'),
    });
    // Last-used writes still in flight finish before the store closes.
    app.addHook('preClose', async () => apiTokens.settle());
    if (options.mode !== 'embedded') return { tokenVerifiers: [apiTokens] };
    if (options.publicUrl === undefined) {
      throw new Error(
        'The embedded authorization server needs a fixed public URL: set SPEC2MCP_PUBLIC_URL (or a fixed PORT).',
      );
    }
    // Loaded only here: oidc-provider and Koa cost startup time that other modes never need.
    const { default: authorizationServer } = await import('../plugins/authorization-server.js');
    await app.register(authorizationServer, {
      api: options.api,
      publicUrl: options.publicUrl,
      ...(options.env !== undefined && { env: options.env }),
    });
    const embedded = app.authorizationServer;
    return {
      // The prefix check of API tokens is cheaper than the embedded lookup, so it goes first.
      tokenVerifiers: [apiTokens, embedded.tokenVerifier],
      credentialVault: embedded.credentialVault,
      authorizationServers: [embedded.issuer],
    };
  };
}
