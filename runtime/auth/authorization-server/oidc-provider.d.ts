/**
 * The part of oidc-provider 9 (which ships no types) the embedded authorization server uses. Kept
 * deliberately small: configuration is typed where this code sets it, everything else is unknown.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface AdapterPayload {
    readonly [key: string]: unknown;
    readonly jti?: string;
    readonly kind?: string;
    readonly grantId?: string;
    readonly clientId?: string;
    readonly accountId?: string;
    readonly uid?: string;
    readonly userCode?: string;
    readonly consumed?: unknown;
    readonly exp?: number;
  }

  /** oidc-provider's storage interface, one instance per model. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  /** The Koa context oidc-provider hands to configuration callbacks (only what this code reads). */
  export interface KoaContextWithOIDC {
    readonly oidc: {
      readonly route?: string;
      readonly client?: Client;
      readonly params?: { readonly [key: string]: unknown };
      readonly result?: { readonly [key: string]: unknown };
      readonly provider: Provider;
    };
    readonly method: string;
    readonly path: string;
    type: string;
    body: unknown;
    status: number;
    set(field: string, value: string): void;
  }

  export interface Client {
    readonly clientId: string;
    readonly clientName?: string;
    readonly clientAuthMethod: string;
    readonly redirectUris: readonly string[];
    readonly [key: string]: unknown;
  }

  export interface ResourceServerInfo {
    readonly scope: string;
    readonly audience?: string;
    readonly accessTokenTTL?: number;
    readonly accessTokenFormat?: 'opaque' | 'jwt';
  }

  export type Configuration = { readonly [key: string]: unknown };

  export interface Interaction {
    readonly uid: string;
    readonly exp: number;
    readonly returnTo: string;
    readonly prompt: { readonly name: string; readonly reasons: readonly string[] };
    readonly params: { readonly [key: string]: unknown };
    readonly session?: { readonly accountId?: string };
    readonly grantId?: string;
  }

  export interface InteractionResults {
    readonly [key: string]: unknown;
  }

  export interface Grant {
    readonly jti: string;
    readonly accountId?: string;
    readonly clientId?: string;
    readonly exp?: number;
    readonly resources?: { readonly [resource: string]: string };
    addResourceScope(resource: string, scope: string): void;
    addOIDCScope(scope: string): void;
    getResourceScope(resource: string): string;
    save(ttl?: number): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface AccessToken {
    readonly jti: string;
    readonly accountId: string;
    readonly clientId: string;
    readonly grantId: string;
    readonly scope?: string;
    readonly aud?: string | readonly string[];
    readonly exp?: number;
    readonly iat?: number;
    readonly isExpired: boolean;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's: trust X-Forwarded-* headers. */
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { readonly mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    on(event: string, listener: (...args: never[]) => void): this;
    readonly Grant: {
      new (properties: { readonly accountId: string; readonly clientId: string }): Grant;
      find(id: string, options?: { readonly ignoreExpiration?: boolean }): Promise<Grant | undefined>;
    };
    readonly AccessToken: {
      find(
        value: string,
        options?: { readonly ignoreExpiration?: boolean },
      ): Promise<AccessToken | undefined>;
    };
    readonly Client: {
      find(id: string): Promise<Client | undefined>;
    };
  }

  type ErrorClass = new (
    description?: string,
    detail?: string,
  ) => Error & {
    readonly error: string;
    readonly error_description?: string;
    status: number;
  };

  export const errors: {
    readonly InvalidTarget: ErrorClass;
    readonly InvalidClientMetadata: ErrorClass;
    readonly InvalidRequest: ErrorClass;
    readonly AccessDenied: ErrorClass;
  };

  export namespace interactionPolicy {
    class Check {
      constructor(
        reason: string,
        description: string,
        check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>,
      );
      static readonly REQUEST_PROMPT: true;
      static readonly NO_NEED_TO_PROMPT: false;
    }
    class Prompt {
      constructor(options: { readonly name: string; readonly requestable?: boolean }, ...checks: Check[]);
    }
  }

  export default Provider;
}
