/**
 * oidc-provider's Adapter over the spec2mcp Store's oauth sub-store, so grants, codes and tokens
 * live in the same SQLite file or PostgreSQL database as everything else and are shared by every
 * instance. Bearer values (tokens, codes) are stored under their SHA-256: a copy of the database
 * does not hand out working tokens.
 */
import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OAuthRecordInput, OAuthStore } from '../../stores/oauth-store-types.js';

/** Models whose id is a bearer secret (the token or code value itself). */
const HASHED_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'RegistrationAccessToken',
  'InitialAccessToken',
  'PushedAuthorizationRequest',
]);

export function hashTokenValue(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** The key a model's record is stored under. */
export function storedIdOf(model: string, id: string): string {
  return HASHED_MODELS.has(model) ? hashTokenValue(id) : id;
}

export function createAdapterFactory(
  store: OAuthStore,
  now: () => number = Date.now,
): (model: string) => Adapter {
  return (model) => new StoreAdapter(model, store, now);
}

class StoreAdapter implements Adapter {
  readonly #hashed: boolean;

  constructor(
    readonly model: string,
    readonly store: OAuthStore,
    readonly now: () => number,
  ) {
    this.#hashed = HASHED_MODELS.has(model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const { jti: _value, ...rest } = payload;
    const stored = this.#hashed ? rest : payload;
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const grantId = this.model === 'Grant' ? id : text(payload.grantId);
    const clientId =
      text(payload.clientId) ?? (this.model === 'Client' ? text(payload['client_id']) : undefined);
    const consumed = typeof payload.consumed === 'number' ? payload.consumed * 1000 : undefined;
    const record: OAuthRecordInput = {
      model: this.model,
      id: storedIdOf(this.model, id),
      payload: stored,
      ...(grantId !== undefined && { grantId }),
      ...(clientId !== undefined && { clientId }),
      ...(text(payload.accountId) !== undefined && { accountId: text(payload.accountId) }),
      ...(text(payload.uid) !== undefined && { uid: text(payload.uid) }),
      ...(text(payload.userCode) !== undefined && { userCode: text(payload.userCode) }),
      ...(typeof expiresIn === 'number' && { expiresAt: this.now() + Math.round(expiresIn * 1000) }),
      ...(consumed !== undefined && { consumedAt: Math.round(consumed) }),
    };
    await this.store.upsert(record);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const record = await this.store.find(this.model, storedIdOf(this.model, id));
    if (record === undefined) return undefined;
    return this.#toPayload(record.payload, record.consumedAt, id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const record = await this.store.findByUid(this.model, uid);
    return record === undefined ? undefined : this.#toPayload(record.payload, record.consumedAt);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const record = await this.store.findByUserCode(this.model, userCode);
    return record === undefined ? undefined : this.#toPayload(record.payload, record.consumedAt);
  }

  async consume(id: string): Promise<void> {
    await this.store.consume(this.model, storedIdOf(this.model, id));
  }

  async destroy(id: string): Promise<void> {
    await this.store.destroy(this.model, storedIdOf(this.model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.revokeGrant(grantId, [this.model]);
  }

  #toPayload(
    payload: { readonly [key: string]: unknown },
    consumedAt: number | undefined,
    value?: string,
  ): AdapterPayload {
    return {
      ...payload,
      // The value was left out of the stored payload (only its hash is kept); the caller has it.
      ...(this.#hashed && value !== undefined && { jti: value }),
      ...(consumedAt !== undefined && { consumed: Math.floor(consumedAt / 1000) }),
    };
  }
}
