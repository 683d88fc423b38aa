/** What a quote says an order trades at: the mid, and the price a simple order would fill at. */
import type { Quote } from '../broker/types.js';
import type { NormalizedOrder } from '../orders/order.js';
import { finite } from './numbers.js';

/** The mid of a quote's positive sides; one side alone when the other is missing; null when crossed or empty. */
export function quoteMid(q: Quote | null | undefined): number | null {
  if (!q) return null;
  const bid = finite(q.bidPrice) && q.bidPrice > 0 ? q.bidPrice : null;
  const ask = finite(q.askPrice) && q.askPrice > 0 ? q.askPrice : null;
  if (bid !== null && ask !== null) return ask >= bid ? (bid + ask) / 2 : null;
  return bid ?? ask;
}

/** The side of the quote the order trades against (buy: the ask, sell: the bid), else the mid. */
export function farSide(side: 'buy' | 'sell', quote: Quote | null | undefined): number | null {
  if (!quote) return null;
  const far = side === 'buy' ? quote.askPrice : quote.bidPrice;
  return finite(far) && far > 0 ? far : quoteMid(quote);
}

/** A trailing stop's trail in dollars from `reference` (trail_price, or trail_percent of the reference); null for other types. */
export function trailDollars(order: NormalizedOrder, reference: number | null): number | null {
  if (order.type !== 'trailing_stop') return null;
  if (order.trail_price !== null) return order.trail_price;
  return order.trail_percent !== null && reference !== null ? (reference * order.trail_percent) / 100 : null;
}

/**
 * What a simple order would trade at: its limit, else its stop, else the far side of the quote.
 * A buy trailing stop may pay up to the far side plus its trail (it triggers there at the
 * latest while the price only rises); a sell trailing stop is valued at the bid (it may fill
 * anywhere from bid − trail upward), so a short it opens is margined on the higher figure.
 */
export function executionPrice(order: NormalizedOrder, quote: Quote | null | undefined): number | null {
  if (order.limit_price !== null) return order.limit_price;
  if (order.stop_price !== null) return order.stop_price;
  const far = farSide(order.side, quote);
  if (order.type !== 'trailing_stop' || order.side === 'sell' || far === null) return far;
  const trail = trailDollars(order, far);
  return trail === null ? null : far + trail;
}

export interface TrailFacts {
  /** The price the trail starts from: the far side of the quote (null without a quote). */
  reference: number | null;
  /** The trail in dollars. */
  trail: number | null;
  /** The worst fill while the market moves smoothly: reference − trail for a sell, reference + trail for a buy. */
  worstFill: number | null;
}

/** A trailing stop's reference, trail and worst-case fill (null for other types). */
export function trailFacts(order: NormalizedOrder, quote: Quote | null | undefined): TrailFacts | null {
  if (order.type !== 'trailing_stop') return null;
  const reference = farSide(order.side, quote);
  const trail = trailDollars(order, reference);
  const worstFill = reference === null || trail === null ? null : order.side === 'sell' ? reference - trail : reference + trail;
  return { reference, trail, worstFill };
}
