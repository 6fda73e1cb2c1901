/**
 * Several verifiers behind one: API tokens, the embedded authorization server's tokens, external
 * JWTs and introspected tokens are all presented the same way (`Authorization: Bearer`), so each
 * verifier is asked in order whether the token is of its kind.
 */
import { AuthError, type Grant, type TokenVerifier, type VerifyContext } from './auth-types.js';

/**
 * The first verifier that recognises the token decides: its grant wins, its AuthError refuses.
 * A token no verifier recognises is `invalid_token` (401). Other errors (an unreachable JWKS or
 * introspection endpoint) propagate: the caller answers them as a temporary failure, not a refusal.
 */
export function chainTokenVerifiers(verifiers: readonly TokenVerifier[]): TokenVerifier {
  const chain = [...verifiers];
  return {
    name: chain.map((verifier) => verifier.name).join('+') || 'none',
    async verify(token: string, context: VerifyContext): Promise<Grant> {
      for (const verifier of chain) {
        const grant = await verifier.verify(token, context);
        if (grant !== undefined) return grant;
      }
      throw new AuthError(401, 'invalid_token', 'The access token is not one this server accepts.');
    },
  };
}
