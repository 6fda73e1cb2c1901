/**
 * The 2025-era sessions of one instance: a bounded table in least-recently-used order with idle
 * expiry. A session with an open response (a GET notification stream, a call still streaming) is
 * never idle; the rest expire `idleMs` after their last request. When the table is full a new
 * session takes the place of the least recently used idle one, or is refused.
 */

export interface SessionTableOptions {
  /** A session without requests or open streams for this long is closed. */
  readonly idleMs: number;
  /** Most sessions held at once. */
  readonly maxSessions: number;
  readonly now?: () => number;
}

/** What the table needs of a session: who may use it and how to end it. */
export interface TableSession {
  /** The principal and endpoint that opened the session; only the same binding may use it. */
  readonly binding: string;
  close(): Promise<void>;
}

interface Slot<S> {
  readonly session: S;
  lastSeen: number;
  /** Responses still open (streams); the session is not idle while any is. */
  open: number;
}

export class SessionTable<S extends TableSession> {
  readonly #slots = new Map<string, Slot<S>>();
  readonly #idleMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;

  constructor(options: SessionTableOptions) {
    if (!(options.idleMs > 0))
      throw new RangeError(`Session idle time must be positive, got ${options.idleMs} ms.`);
    if (!(options.maxSessions >= 1)) {
      throw new RangeError(`The session cap must be at least 1, got ${options.maxSessions}.`);
    }
    this.#idleMs = options.idleMs;
    this.#maxSessions = options.maxSessions;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Whether a new session fits, after closing the least recently used idle one if needed. */
  makeRoom(): boolean {
    if (this.#slots.size < this.#maxSessions) return true;
    for (const [id, slot] of this.#slots) {
      if (slot.open === 0) {
        this.#drop(id, slot);
        return true;
      }
    }
    return false;
  }

  add(id: string, session: S): void {
    this.#slots.set(id, { session, lastSeen: this.#now(), open: 0 });
  }

  /** The session under `id` for a caller with `binding`, marked as just used; else undefined. */
  use(id: string, binding: string): S | undefined {
    const slot = this.#slots.get(id);
    if (slot === undefined || slot.session.binding !== binding) return undefined;
    slot.lastSeen = this.#now();
    // Re-inserting keeps the map in least-recently-used order for makeRoom().
    this.#slots.delete(id);
    this.#slots.set(id, slot);
    return slot.session;
  }

  /** Counts an open response of the session; the returned function ends it (idempotent). */
  openResponse(id: string): () => void {
    const slot = this.#slots.get(id);
    if (slot === undefined) return () => {};
    slot.open += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      slot.open -= 1;
      slot.lastSeen = this.#now();
    };
  }

  /** Forgets the session (it closed itself, e.g. on DELETE). */
  delete(id: string): void {
    this.#slots.delete(id);
  }

  sessions(): S[] {
    return [...this.#slots.values()].map((slot) => slot.session);
  }

  /** Closes the sessions idle for longer than the idle time; returns how many. */
  sweep(): number {
    const cutoff = this.#now() - this.#idleMs;
    let closed = 0;
    for (const [id, slot] of this.#slots) {
      if (slot.open === 0 && slot.lastSeen <= cutoff) {
        this.#drop(id, slot);
        closed += 1;
      }
    }
    return closed;
  }

  async closeAll(): Promise<void> {
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    await Promise.allSettled(slots.map((slot) => slot.session.close()));
  }

  #drop(id: string, slot: Slot<S>): void {
    this.#slots.delete(id);
    slot.session.close().catch(() => {});
  }
}
