/**
 * Metadata on trips: what the gate recorded for the opening order (strategy, tags, rationale) and the
 * regime at entry, set on the trip's own fields. Kept apart from matching: a trip matched once takes
 * metadata recorded or read later (a regime read after the fill) by being given it again.
 *
 * @example const metaOf = cachedMeta(lookup); for (const t of trips) setMeta(t, metaOf(t));
 */
import type { MetaLookup, TradeMeta, TripFacts } from './trips.js';

/** Set (or clear) a trip's metadata fields. */
export function setMeta(trip: TripFacts, meta: TradeMeta | null | undefined): void {
  trip.strategy = meta?.strategy ?? null;
  trip.tags = meta?.tags?.length ? meta.tags.slice() : [];
  trip.rationale = meta?.rationale ?? null;
  trip.regime = meta?.regime ? { trend: meta.regime.trend ?? null, volatility: meta.regime.volatility ?? null } : null;
}

/** The lookup asked once per opening order (a multi-leg order's legs and position share one answer). */
export function cachedMeta(lookup: MetaLookup): (trip: Pick<TripFacts, 'opening_order_id' | 'opening_client_order_id'>) => TradeMeta | null {
  const seen = new Map<string, TradeMeta | null>();
  return (trip) => {
    let meta = seen.get(trip.opening_order_id);
    if (meta === undefined) {
      meta = lookup({ order_id: trip.opening_order_id, client_order_id: trip.opening_client_order_id }) ?? null;
      seen.set(trip.opening_order_id, meta);
    }
    return meta;
  };
}
