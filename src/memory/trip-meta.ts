/**
 * Metadata on trips: what the gate recorded for the opening order (strategy, tags, rationale) and the
 * regime at entry, set on the trip's own fields. Kept apart from matching: a trip matched once takes
 * metadata recorded or read later (a regime read after the fill) by being given it again.
 *
 * Frozen tags and regimes are shared, not copied (the store hands out one frozen array per tags text
 * and one frozen regime per trend × volatility): nothing can change them, and 50k trips then make no
 * object each for their metadata. Anything else is copied, so a caller's objects never leak in (a
 * regime into a frozen copy shared by every trip of that trend × volatility).
 *
 * @example const metaOf = cachedMeta(lookup); for (const t of trips) setMeta(t, metaOf(t));
 */
import type { MetaLookup, Regime, TradeMeta, TripFacts } from './trips.js';

/** The tags of a trip with none (frozen: shared by every such trip). */
export const NO_TAGS = Object.freeze([]) as readonly string[] as string[];

export function tagsOf(tags: readonly string[] | undefined): string[] {
  if (!tags?.length) return NO_TAGS;
  return Object.isFrozen(tags) ? (tags as string[]) : tags.slice();
}

/** One frozen regime per trend × volatility seen (bounded): a caller's regime objects become shared copies, not one per trip. */
const REGIMES = new Map<string | null, Map<string | null, Regime>>();

/** The last regime interned: trips come in runs of one trend × volatility, so most calls end here. */
let last: Regime | null = null;

function internedRegime(trend: string | null, volatility: string | null): Regime {
  if (last !== null && last.trend === trend && last.volatility === volatility) return last;
  let byVolatility = REGIMES.get(trend);
  if (byVolatility === undefined) {
    if (REGIMES.size >= 1000) REGIMES.clear();
    byVolatility = new Map();
    REGIMES.set(trend, byVolatility);
  }
  let regime = byVolatility.get(volatility);
  if (regime === undefined) {
    if (byVolatility.size >= 1000) byVolatility.clear();
    regime = Object.freeze({ trend, volatility });
    byVolatility.set(volatility, regime);
  }
  last = regime;
  return regime;
}

export function regimeOf(regime: Regime | null | undefined): Regime | null {
  if (!regime) return null;
  if (Object.isFrozen(regime) && regime.trend !== undefined && regime.volatility !== undefined) return regime;
  return internedRegime(regime.trend ?? null, regime.volatility ?? null);
}

/** Set (or clear) a trip's metadata fields. */
export function setMeta(trip: TripFacts, meta: TradeMeta | null | undefined): void {
  trip.strategy = meta?.strategy ?? null;
  trip.tags = tagsOf(meta?.tags);
  trip.rationale = meta?.rationale ?? null;
  trip.regime = regimeOf(meta?.regime);
}

/** A lookup's answer as trips carry it, frozen (tags and regime too), so the trips of one order share it. */
function frozenMeta(meta: TradeMeta | null | undefined): TradeMeta | null {
  if (!meta) return null;
  const tags = tagsOf(meta.tags);
  const regime = regimeOf(meta.regime);
  return Object.freeze({
    strategy: meta.strategy ?? null,
    tags: Object.isFrozen(tags) ? tags : Object.freeze(tags),
    rationale: meta.rationale ?? null,
    regime: regime && !Object.isFrozen(regime) ? Object.freeze(regime) : regime,
  });
}

/** The lookup asked once per opening order (a multi-leg order's legs and position share one answer, frozen). */
export function cachedMeta(lookup: MetaLookup): (trip: Pick<TripFacts, 'opening_order_id' | 'opening_client_order_id'>) => TradeMeta | null {
  const seen = new Map<string, TradeMeta | null>();
  return (trip) => {
    let meta = seen.get(trip.opening_order_id);
    if (meta === undefined) {
      meta = frozenMeta(lookup({ order_id: trip.opening_order_id, client_order_id: trip.opening_client_order_id }));
      seen.set(trip.opening_order_id, meta);
    }
    return meta;
  };
}
