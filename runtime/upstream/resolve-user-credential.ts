/**
 * A user's own upstream credential (bound at consent, stored encrypted in the CredentialVault),
 * placed per `api.upstream.auth` like the service credential. Placements are kept briefly per ref,
 * so a busy user costs one vault read (and decryption) per period, not one per call; a ref the
 * vault no longer has is not remembered, so reconnecting takes effect at once.
 */
import type { CredentialVault } from '../auth/auth-types.js';
import type { ApiDefinition } from '../define-tool.js';
import { type CredentialPlacement, resolveCredentialPlacement } from './resolve-credential.js';

export interface UserCredentialCacheOptions {
  /** How long a resolved placement is reused. Default 30 s (a revoked credential stops within it). */
  readonly ttlMs?: number;
  /** Most refs kept; the least recently used go first. Default 1,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export type UserCredentialResolver = (ref: string) => Promise<CredentialPlacement | undefined>;

export function createUserCredentialResolver(
  api: ApiDefinition,
  vault: CredentialVault,
  options: UserCredentialCacheOptions = {},
): UserCredentialResolver {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly placement: CredentialPlacement; readonly until: number }>();
  return async (ref) => {
    const cached = cache.get(ref);
    if (cached !== undefined) {
      cache.delete(ref);
      if (cached.until > now()) {
        cache.set(ref, cached); // most recently used last
        return cached.placement;
      }
    }
    const secret = await vault.get(ref);
    if (secret === undefined || secret === '') return undefined;
    const placement = resolveCredentialPlacement(api, secret);
    if (ttlMs > 0) {
      if (cache.size >= maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(ref, { placement, until: now() + ttlMs });
    }
    return placement;
  };
}
