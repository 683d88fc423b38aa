/**
 * The live Streamable HTTP sessions (SPEC §11 "HTTP sessions are bounded and owned"): at most
 * `maxSessions` of them, counting those still initializing; one with no request for `idleMs` is
 * closed (its transport, and through it its server); each is bound to the credential that opened
 * it, and a request with another credential finds no session at all.
 *
 * @example
 * const slot = registry.reserve(); // null at the cap: answer 503, build nothing
 * slot.commit(id, transport, credentialOf(req)); // on initialize; slot.release() if it never comes
 * registry.find(id, credentialOf(req)); // undefined when unknown, expired or someone else's
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a session needs of its transport: a way to end it. */
export interface Closable {
  close(): Promise<void>;
}

export interface SessionLimits {
  maxSessions: number;
  idleMs: number;
}

interface LiveSession<T extends Closable> {
  transport: T;
  credential: Buffer;
  lastSeen: number;
  /** POSTs still being answered: a long tool call is activity, an open notification stream is not. */
  inFlight: number;
}

export interface SessionSlot<T extends Closable> {
  commit(id: string, transport: T, credential: Buffer): void;
  release(): void;
  readonly committed: boolean;
}

/**
 * The credential a request carries: a hash of its Authorization header, or of its absence. With a
 * token configured that is the token; on loopback without one it is whatever the creator sent.
 */
export function credentialOf(req: Pick<IncomingMessage, 'headers'>): Buffer {
  const auth = req.headers.authorization;
  return createHash('sha256')
    .update(auth === undefined ? 'none' : `authorization:${auth}`)
    .digest();
}

export class SessionRegistry<T extends Closable> {
  private readonly live = new Map<string, LiveSession<T>>();
  private pending = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: SessionLimits,
    private readonly onExpired: (id: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    // Sweep a few times per idle period so a session outlives its limit by at most a quarter of it.
    this.sweeper = setInterval(() => void this.sweep(), Math.min(Math.max(limits.idleMs / 4, 250), 60_000));
    this.sweeper.unref();
  }

  /** Sessions open or opening. */
  get size(): number {
    return this.live.size + this.pending;
  }

  /** A slot for one new session, or null at the cap (nothing may be built then). */
  reserve(): SessionSlot<T> | null {
    if (this.size >= this.limits.maxSessions) return null;
    this.pending++;
    let state: 'open' | 'committed' | 'released' = 'open';
    return {
      commit: (id, transport, credential) => {
        if (state !== 'open') return;
        state = 'committed';
        this.pending--;
        this.live.set(id, { transport, credential, lastSeen: this.now(), inFlight: 0 });
      },
      release: () => {
        if (state !== 'open') return;
        state = 'released';
        this.pending--;
      },
      get committed() {
        return state === 'committed';
      },
    };
  }

  /** Seconds until the stalest session would expire: the Retry-After of a refused initialize. */
  retryAfterSeconds(): number {
    let soonest = this.limits.idleMs;
    for (const s of this.live.values()) soonest = Math.min(soonest, s.lastSeen + this.limits.idleMs - this.now());
    return Math.max(1, Math.ceil(soonest / 1000));
  }

  /** The session's transport, only for the credential that opened it. */
  find(id: string, credential: Buffer): T | undefined {
    const session = this.live.get(id);
    if (!session || !timingSafeEqual(session.credential, credential)) return undefined;
    return session.transport;
  }

  /** Marks a request on the session; call the returned function when its response has closed. */
  begin(id: string, counts: boolean): () => void {
    const session = this.live.get(id);
    if (!session) return () => undefined;
    session.lastSeen = this.now();
    if (counts) session.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      session.lastSeen = this.now();
      if (counts) session.inFlight--;
    };
  }

  /** Forgets a session whose transport has closed (DELETE, client gone, expiry, shutdown). */
  remove(id: string): void {
    this.live.delete(id);
  }

  /** Closes every session idle past the limit; returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.now() - this.limits.idleMs;
    const idle = [...this.live].filter(([, s]) => s.inFlight === 0 && s.lastSeen <= cutoff);
    for (const [id, s] of idle) {
      this.live.delete(id);
      this.onExpired(id);
      await s.transport.close().catch(() => undefined);
    }
    return idle.length;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.live.values()];
    this.live.clear();
    for (const s of all) await s.transport.close().catch(() => undefined);
  }
}
