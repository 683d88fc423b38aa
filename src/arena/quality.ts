/**
 * The arena's signal to routing (SPEC §14 → §15): per model, the share of its closed shadow trades that
 * made money, over how many there were — `{ score: wins / closed, n: closed }`, null before its first
 * closed trade. The adaptive policy reads it as at most `externalWeight` pseudo-observations beside its own
 * (valid replies, council agreement).
 *
 * Routing reads it synchronously and the store answers asynchronously (it may be the shared database), so
 * the figures are read once when the source is made, then served from memory; a call that finds them
 * older than REFRESH_MS starts one refresh in the background and is answered with the figures it has. A
 * route never waits on the store; other processes' trades show up at the next refresh. A read that fails
 * (the file unreadable, the database gone) keeps the last figures and is retried at the next refresh: the
 * signal is advice, and a route must never fail because of it.
 */
import type { Deps } from '../deps.js';
import type { ExternalQuality } from '../llm/policies/index.js';
import { type ArenaStore, getArenaStore } from './store.js';

export const REFRESH_MS = 5_000;

type Closed = Map<string, { wins: number; closed: number }>;

export async function closedTrades(store: ArenaStore): Promise<Closed> {
  return new Map([...(await store.models()).values()].map((m) => [m.model, { wins: m.book.wins, closed: m.book.closed }]));
}

/** The source routing calls, and the refresh in flight (resolved when there is none), for tests. */
export type ArenaQuality = ExternalQuality & { refreshed(): Promise<void> };

export async function qualityFrom(store: ArenaStore, now: () => number = Date.now, onError: (err: Error) => void = () => undefined): Promise<ArenaQuality> {
  let cache: Closed = new Map();
  let readAt = now();
  let inFlight: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    readAt = now();
    inFlight = closedTrades(store)
      .then(
        (c) => {
          cache = c;
        },
        (err: Error) => onError(err),
      )
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
  await refresh();
  const quality: ExternalQuality = (model) => {
    if (!inFlight && now() - readAt >= REFRESH_MS) void refresh();
    const c = cache.get(model);
    return c && c.closed > 0 ? { score: c.wins / c.closed, n: c.closed } : null;
  };
  return Object.assign(quality, { refreshed: () => inFlight ?? Promise.resolve() });
}

export const arenaQuality = async (deps: Deps): Promise<ExternalQuality> =>
  qualityFrom(await getArenaStore(deps), Date.now, (err) =>
    deps.log.warn('the arena signal could not be read; routing keeps the last figures', { err: err.message }),
  );
