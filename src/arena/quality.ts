/**
 * The arena's signal to routing (SPEC §14 → §15): per model, the share of its closed shadow trades that
 * made money, over how many there were — `{ score: wins / closed, n: closed }`, null before its first
 * closed trade. The adaptive policy reads it as at most `externalWeight` pseudo-observations beside its own
 * (valid replies, council agreement). Read from the arena's store, refreshed at most every REFRESH_MS, so a
 * route never waits on it; other processes' trades on the data dir show up at the next refresh. A read that
 * fails (the file unreadable, the disk gone) keeps the last figures and is retried at the next refresh: the
 * signal is advice, and a route must never fail because of it.
 */
import type { Deps } from '../deps.js';
import type { ExternalQuality } from '../llm/policies/index.js';
import { type ArenaStore, getArenaStore } from './store.js';

export const REFRESH_MS = 5_000;

export function closedTrades(store: ArenaStore): Map<string, { wins: number; closed: number }> {
  return new Map([...store.models().values()].map((m) => [m.model, { wins: m.book.wins, closed: m.book.closed }]));
}

export function qualityFrom(store: ArenaStore, now: () => number = Date.now, onError: (err: Error) => void = () => undefined): ExternalQuality {
  let cache = new Map<string, { wins: number; closed: number }>();
  let readAt = Number.NEGATIVE_INFINITY;
  return (model) => {
    if (now() - readAt >= REFRESH_MS) {
      readAt = now();
      try {
        cache = closedTrades(store);
      } catch (err) {
        onError(err as Error);
      }
    }
    const c = cache.get(model);
    return c && c.closed > 0 ? { score: c.wins / c.closed, n: c.closed } : null;
  };
}

export const arenaQuality = async (deps: Deps): Promise<ExternalQuality> =>
  qualityFrom(await getArenaStore(deps), Date.now, (err) =>
    deps.log.warn('the arena signal could not be read; routing keeps the last figures', { err: err.message }),
  );
