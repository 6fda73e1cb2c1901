/**
 * The CredentialVault of the embedded authorization server: users' upstream credentials (the API
 * key they signed in with), encrypted with AES-256-GCM before they reach the store. The record's
 * ref is the additional authenticated data, so a ciphertext copied onto another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CredentialStore } from '../../stores/oauth-store-types.js';
import type { CredentialVault } from '../auth-types.js';
import { CREDENTIAL_KEY_ENV } from './credential-key.js';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PutOptions {
  /** Epoch ms after which the credential is gone (a sign-in that never reached consent). */
  readonly expiresAt?: number;
}

export interface EncryptingCredentialVault extends CredentialVault {
  put(owner: string, secret: string, options?: PutOptions): Promise<string>;
}

export class CredentialDecryptError extends Error {
  override readonly name = 'CredentialDecryptError';
}

export function createCredentialVault(
  store: CredentialStore,
  key: Buffer,
  now: () => number = Date.now,
): EncryptingCredentialVault {
  if (key.length !== 32) throw new RangeError('The credential key must be 32 bytes.');
  return {
    async put(owner, secret, options = {}) {
      const ref = `cred_${randomBytes(18).toString('base64url')}`;
      await store.replace({
        ref,
        owner,
        ciphertext: encrypt(key, ref, secret),
        createdAt: now(),
        ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt }),
      });
      return ref;
    },
    async get(ref) {
      const record = await store.get(ref);
      return record === undefined ? undefined : decrypt(key, ref, record.ciphertext);
    },
    async delete(ref) {
      await store.delete(ref);
    },
  };
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function encrypt(key: Buffer, ref: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(`spec2mcp-credential:${ref}`, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [FORMAT, iv, body, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decrypt(key: Buffer, ref: string, ciphertext: string): string {
  const [format, iv, body, tag] = ciphertext.split('.');
  if (format !== FORMAT || iv === undefined || body === undefined || tag === undefined) {
    throw new CredentialDecryptError(`Credential ${ref} is not in a format this runtime reads.`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(`spec2mcp-credential:${ref}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    throw new CredentialDecryptError(
      `Credential ${ref} does not decrypt: ${CREDENTIAL_KEY_ENV} differs from the key it was stored with ` +
        '(the user has to authorize again), or the row was altered.',
      { cause: error },
    );
  }
}
