/**
 * How big an order is in dollars, derived for the context: a simple order's quote, price, size
 * and value (× 100 for an option contract), and a multi-leg order's spreads, net premium, max
 * loss and leg mids.
 */
import type { Quote } from '../broker/types.js';
import type { NormalizedOrder, OrderLeg } from '../orders/order.js';
import type { QuoteBook } from './input.js';
import { dollars } from './numbers.js';
import { estimatedNetPremium, optionsMaxLoss, type MaxLoss } from './payoff.js';
import { executionPrice, quoteMid } from './prices.js';

export interface SimplePricing {
  quote: Quote | null;
  mid: number | null;
  price: number | null;
  /** Shares, or contracts of an option. */
  qty: number | null;
  /** Dollars: qty × price × multiplier (a notional order: its notional). */
  notional: number | null;
}

/** What a simple order trades at and how big it is (all null for multi-leg). */
export function simplePricing(order: NormalizedOrder, isMleg: boolean, quotes: QuoteBook, multiplier: number): SimplePricing {
  const quote = !isMleg && order.symbol ? (quotes[order.symbol] ?? null) : null;
  const mid = quoteMid(quote);
  const price = !isMleg ? executionPrice(order, quote) : null;
  const qty = !isMleg ? (order.qty ?? (order.notional !== null && price ? order.notional / (price * multiplier) : null)) : null;
  const notional = !isMleg ? (order.notional ?? (order.qty !== null && price !== null ? dollars(order.qty * price * multiplier) : null)) : null;
  return { quote, mid, price, qty, notional };
}

export interface MlegPricing {
  spreads: number;
  netPremium: number | null;
  maxLoss: MaxLoss | null;
  grossMid: number | null;
  netMid: number | null;
}

/** Spreads, net premium per spread, max loss and leg mids of a multi-leg order (0 / null otherwise). */
export function mlegPricing(order: NormalizedOrder, isMleg: boolean, allLegsParse: boolean, quotes: QuoteBook): MlegPricing {
  const legs = order.legs ?? [];
  const spreads = isMleg ? (order.qty ?? 0) : 0;
  const netPremium = isMleg ? (order.limit_price ?? estimatedNetPremium(legs, quotes)) : null;
  const maxLoss = isMleg && allLegsParse && netPremium !== null ? optionsMaxLoss(legs, netPremium, spreads) : null;
  const grossMid = isMleg ? legMids(legs, quotes, () => 1) : null;
  const netMid = isMleg ? legMids(legs, quotes, (l) => (l.side === 'buy' ? 1 : -1)) : null;
  return { spreads, netPremium, maxLoss, grossMid, netMid };
}

/** Σ sign × ratio × mid over the legs; null when a leg has no usable quote. */
function legMids(legs: OrderLeg[], quotes: QuoteBook, sign: (l: OrderLeg) => number): number | null {
  return legs.reduce<number | null>((acc, l) => {
    const m = quoteMid(quotes[l.symbol]);
    return acc === null || m === null ? null : acc + sign(l) * l.ratio_qty * m;
  }, 0);
}
