/**
 * The embedded authorization server's paths, cookie names and lifetimes, apart from
 * create-provider.ts: the routes are mounted at startup, while oidc-provider is imported on the
 * first request that needs it (plugins/authorization-server.ts).
 */

/** Lifetimes in seconds. */
export interface TokenLifetimes {
  readonly accessToken: number;
  /** OAuth 2.1 recommends short-lived codes; 10 minutes is the RFC 6749 maximum. */
  readonly authorizationCode: number;
  /** Idle lifetime: each rotation starts a new one, within the grant's. */
  readonly refreshToken: number;
  /** How long a consent lasts; after it the user authorizes again. */
  readonly grant: number;
  /** Time to finish the sign-in and consent page. */
  readonly interaction: number;
  readonly session: number;
}

export const DEFAULT_LIFETIMES: TokenLifetimes = {
  accessToken: 60 * 60,
  authorizationCode: 10 * 60,
  refreshToken: 30 * 24 * 60 * 60,
  grant: 90 * 24 * 60 * 60,
  interaction: 30 * 60,
  session: 24 * 60 * 60,
};

/** Paths of the protocol endpoints, below the issuer's path. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  // Disabled features still need a path; none of these is served.
  end_session: '/oauth/logout',
  userinfo: '/oauth/userinfo',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
} as const;

export const INTERACTION_PATH = '/oauth/interaction';

export const COOKIE_NAMES = {
  session: 'spec2mcp_session',
  interaction: 'spec2mcp_interaction',
  resume: 'spec2mcp_resume',
} as const;
