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

/** What a simple order would trade at: its limit, else its stop, else the far side of the quote. */
export function executionPrice(order: NormalizedOrder, quote: Quote | null | undefined): number | null {
  if (order.limit_price !== null) return order.limit_price;
  if (order.stop_price !== null) return order.stop_price;
  if (!quote) return quoteMid(quote);
  const far = order.side === 'buy' ? quote.askPrice : quote.bidPrice;
  return finite(far) && far > 0 ? far : quoteMid(quote);
}
