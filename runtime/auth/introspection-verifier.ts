/**
 * Verifies opaque access tokens of an external authorization server by RFC 7662 introspection: a
 * POST with the server's client credentials, `active` false refused, the audience checked against
 * the MCP resource. Answers are cached (bounded, never beyond the token's `exp`; inactive answers
 * briefly too), so a busy client costs one introspection per token per cache period.
 */
import { createHash } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import { AuthError, type Grant, type TokenVerifier, type VerifyContext } from './auth-types.js';
import { AuthConfigError, audienceOf, grantOfClaims } from './jwt-verifier.js';

export interface IntrospectionVerifierOptions {
  /** The introspection endpoint. */
  readonly url: string;
  /** This resource server's client at the authorization server (HTTP Basic, RFC 7662 §2.1). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** When set, an `iss` in the answer must be this. */
  readonly issuer?: string;
  /** Accepted `aud` values; default: the resource URL the token is presented to. */
  readonly audience?: readonly string[];
  /** How long an active answer is reused (never beyond the token's exp). Default 60; 0: no cache. */
  readonly cacheSeconds?: number;
  /** How long an inactive answer is reused (at most cacheSeconds). Default 10. */
  readonly inactiveCacheSeconds?: number;
  /** Most cached answers; the least recently used go first. Default 10,000. */
  readonly maxCacheEntries?: number;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  /** Allowed clock skew for exp/nbf. Default 30 s. */
  readonly clockToleranceSeconds?: number;
  /** undici dispatcher (connection pool); the global one when absent. */
  readonly dispatcher?: Dispatcher;
  /** Clock in ms; tests move it. */
  readonly now?: () => number;
}

type Answer = Readonly<Record<string, unknown>>;

interface CachedAnswer {
  readonly answer: Answer;
  readonly until: number;
}

// An introspection answer is a few hundred bytes; anything far larger is not one.
const MAX_ANSWER_BYTES = 64 * 1024;

export function createIntrospectionVerifier(options: IntrospectionVerifierOptions): TokenVerifier {
  const url = checkUrl(options.url);
  if (options.clientId === '' || options.clientSecret === '') {
    throw new AuthConfigError('Token introspection needs the client id and secret of this resource server.');
  }
  const now = options.now ?? Date.now;
  const cacheMs = Math.max(0, options.cacheSeconds ?? 60) * 1000;
  const inactiveMs = Math.min(cacheMs, Math.max(0, options.inactiveCacheSeconds ?? 10) * 1000);
  const maxEntries = options.maxCacheEntries ?? 10_000;
  const toleranceSeconds = options.clockToleranceSeconds ?? 30;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`;
  // Keyed by a hash: the cache must not become a second place that holds live tokens.
  const cache = new Map<string, CachedAnswer>();
  const inFlight = new Map<string, Promise<Answer>>();

  const remember = (key: string, answer: Answer) => {
    const expiresAt = typeof answer['exp'] === 'number' ? answer['exp'] * 1000 : Number.POSITIVE_INFINITY;
    const ttl = answer['active'] === true ? Math.min(cacheMs, expiresAt - now()) : inactiveMs;
    if (ttl <= 0) return;
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, { answer, until: now() + ttl });
  };

  const lookUp = (key: string): Answer | undefined => {
    const cached = cache.get(key);
    if (cached === undefined) return undefined;
    cache.delete(key);
    if (cached.until <= now()) return undefined;
    cache.set(key, cached); // most recently used last
    return cached.answer;
  };

  const introspect = async (token: string): Promise<Answer> => {
    const response = await request(url, {
      method: 'POST',
      headers: {
        authorization,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `token=${formEncode(token)}&token_type_hint=access_token`,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
    });
    const text = await readLimited(response.body);
    if (response.statusCode !== 200) {
      throw new Error(`The token introspection endpoint answered HTTP ${response.statusCode}.`);
    }
    const answer = JSON.parse(text) as unknown;
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
      throw new Error('The token introspection endpoint answered something other than a JSON object.');
    }
    return answer as Answer;
  };

  return {
    name: 'external-introspection',
    async verify(token: string, context: VerifyContext): Promise<Grant> {
      const key = createHash('sha256').update(token).digest('base64url');
      let answer = cacheMs > 0 ? lookUp(key) : undefined;
      if (answer === undefined) {
        // Concurrent requests with one token share one introspection call.
        let pending = inFlight.get(key);
        if (pending === undefined) {
          pending = introspect(token).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        answer = await pending;
        if (cacheMs > 0) remember(key, answer);
      }
      return judge(answer, context);
    },
  };

  function judge(answer: Answer, context: VerifyContext): Grant {
    const refuse = (description: string) => new AuthError(401, 'invalid_token', description);
    if (answer['active'] !== true) {
      throw refuse('The access token is not active (expired, revoked or unknown).');
    }
    const seconds = now() / 1000;
    const exp = answer['exp'];
    if (typeof exp === 'number' && exp + toleranceSeconds < seconds)
      throw refuse('The access token expired.');
    const nbf = answer['nbf'];
    if (typeof nbf === 'number' && nbf - toleranceSeconds > seconds) {
      throw refuse('The access token is not valid yet.');
    }
    if (answer['token_type'] === 'refresh_token') throw refuse('A refresh token is not an access token.');
    const issuer = answer['iss'];
    if (options.issuer !== undefined && typeof issuer === 'string' && issuer !== options.issuer) {
      throw refuse('The access token was issued by another authorization server.');
    }
    const accepted = options.audience ?? audienceOf(context.resource);
    const audience = answer['aud'];
    const audiences = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : [];
    if (!audiences.some((value) => typeof value === 'string' && accepted.includes(value))) {
      throw refuse('The access token is for another resource (its audience is not this MCP server).');
    }
    return grantOfClaims(answer, 'external-introspection');
  }
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AuthConfigError(`The token introspection URL "${text}" is not an absolute URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AuthConfigError(`The token introspection URL "${text}" must be http or https.`);
  }
  return url.href;
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for the Basic credentials too. */
function formEncode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new Error('The token introspection answer is too large.');
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
