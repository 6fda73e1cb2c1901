/**
 * The authorization server's one secret: a 32-byte key from env SPEC2MCP_CREDENTIAL_KEY (base64).
 * It encrypts users' upstream credentials (AES-256-GCM) and, through HKDF, gives the cookie-signing
 * keys, the CSRF key and the ES256 key that signs ID tokens, so instances sharing a database need
 * only this one setting to agree on all of them. Without it a key is generated into the data
 * directory (0600) with a warning: fine for one machine, not for production.
 */
import { createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIAL_KEY_ENV = 'SPEC2MCP_CREDENTIAL_KEY';
export const CREDENTIAL_KEY_FILE_NAME = 'credential.key';
const KEY_BYTES = 32;

export interface CredentialKeyLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export interface LoadCredentialKeyOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Folder for the generated key; absent: an in-memory key (the memory store loses credentials anyway). */
  readonly dataDir?: string;
  readonly logger?: CredentialKeyLogger;
}

export interface CredentialKey {
  readonly key: Buffer;
  /** Where it came from, for logs and docs: `env`, a file path, or `memory`. */
  readonly source: string;
}

export function loadCredentialKey(options: LoadCredentialKeyOptions = {}): CredentialKey {
  const env = options.env ?? process.env;
  const configured = env[CREDENTIAL_KEY_ENV];
  if (configured !== undefined && configured.trim() !== '') {
    return { key: decodeKey(configured.trim(), CREDENTIAL_KEY_ENV), source: 'env' };
  }
  if (options.dataDir === undefined) {
    options.logger?.info(
      { env: CREDENTIAL_KEY_ENV },
      'no credential key set; using a key that lives only as long as this process',
    );
    return { key: randomBytes(KEY_BYTES), source: 'memory' };
  }
  const file = join(options.dataDir, CREDENTIAL_KEY_FILE_NAME);
  const key = readOrCreateKeyFile(file);
  options.logger?.warn(
    { env: CREDENTIAL_KEY_ENV, file },
    `${CREDENTIAL_KEY_ENV} is not set: using the key in ${file}. Set ${CREDENTIAL_KEY_ENV} ` +
      '(32 random bytes, base64: `openssl rand -base64 32`) in production; every instance sharing a database needs the same key.',
  );
  return { key, source: file };
}

function readOrCreateKeyFile(file: string): Buffer {
  try {
    return decodeKey(readFileSync(file, 'utf8').trim(), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  try {
    // `wx`: two processes starting at once must not each write their own key.
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // the umask may have cleared bits, never added any; this is belt and braces
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return decodeKey(readFileSync(file, 'utf8').trim(), file);
  }
}

function decodeKey(text: string, from: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `${from} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`); got ${key.length} bytes.`,
    );
  }
  return key;
}

/** Independent keys for each use, so no use can be turned against another. */
export interface DerivedKeys {
  /** Keys that sign oidc-provider's cookies (Koa keygrip). */
  readonly cookieKeys: readonly string[];
  /** Signs the consent form's CSRF tokens. */
  readonly csrfKey: Buffer;
  /** Private ES256 JWK that signs ID tokens (only clients asking for `openid` get one). */
  readonly signingJwk: { readonly [key: string]: string };
}

export function deriveKeys(key: Buffer): DerivedKeys {
  const derive = (info: string, length = 32) =>
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `spec2mcp/oauth/${info}`, length));
  return {
    cookieKeys: [derive('cookies').toString('base64url')],
    csrfKey: derive('csrf'),
    signingJwk: deriveEs256Jwk(derive('id-token-signing', 48)),
  };
}

// Order of the P-256 group: a private key must be in [1, n - 1].
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/**
 * A deterministic P-256 key from 48 bytes of key material: reduced mod n-1 plus 1 (the FIPS 186
 * "extra random bits" method), so the bias is negligible and the key is always valid.
 */
function deriveEs256Jwk(material: Buffer): { readonly [key: string]: string } {
  const scalar = (BigInt(`0x${material.toString('hex')}`) % (P256_ORDER - 1n)) + 1n;
  const d = Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // 0x04 || x || y
  // No kid: oidc-provider derives it from the public key (RFC 7638 style).
  return {
    kty: 'EC',
    crv: 'P-256',
    alg: 'ES256',
    use: 'sig',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
    d: d.toString('base64url'),
  };
}
