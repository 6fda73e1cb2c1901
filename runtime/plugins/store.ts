/**
 * The store (idempotency records, rate-limit counters, audit) behind `app.store`. Given a config it
 * opens the store and closes it after the server's in-flight calls end; a given `Store` instance
 * stays the caller's to close (tests share one between servers).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { createStore, type StoreConfig } from '../stores/create-store.js';
import type { Store } from '../stores/store-types.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

export interface StorePluginOptions {
  readonly store: Store | StoreConfig;
}

const storePlugin: FastifyPluginAsync<StorePluginOptions> = async (app, options) => {
  const owned = !isStore(options.store);
  const store = isStore(options.store)
    ? options.store
    : await createStore(options.store, app.log.child({ component: 'store' }));
  app.decorate('store', store);
  // onClose runs after in-flight requests finished, so no call loses its record or audit line.
  if (owned) app.addHook('onClose', async () => store.close());
  app.log.debug({ store: store.kind, owner: store.owner }, 'store ready');
};

function isStore(value: Store | StoreConfig): value is Store {
  return typeof (value as Store).ping === 'function';
}

export default fp(storePlugin, { name: 'store', fastify: '5.x' });
