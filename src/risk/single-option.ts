/**
 * A simple order on one OCC option contract: what it does to the book (its position intent, as
 * given or inferred from the contract held), its premium, and the underlying shares free to
 * cover a call it sells to open. Pure: derived from the order, positions and working orders.
 * @example singleOption(order, occ, exposure, 10, 1.2, positions, openOrders)!.intent === 'sell_to_open'
 */
import type { BrokerOrder, Position } from '../broker/types.js';
import { parseOcc, type NormalizedOrder, type OccParts, type OrderLeg } from '../orders/order.js';
import { exposureOf, remainingQty, type Exposure } from './exposure.js';
import { dollars, finite } from './numbers.js';
import { CONTRACT_MULTIPLIER } from './payoff.js';
import { normalizeSymbol } from './symbols.js';

export type PositionIntent = OrderLeg['position_intent'];

export interface SingleOption {
  occ: OccParts;
  /** As given; else inferred: a sell beyond the long contracts free to sell opens short, a buy beyond the short held opens long. */
  intent: PositionIntent;
  inferred: boolean;
  opening: boolean;
  /** price × 100 × qty (null when unpriced). */
  premiumUsd: number | null;
  /** Underlying shares free to cover calls sold to open: held, less on open sells, less 100 × calls already short or on open sells. */
  cover: { held: number; onOpenSells: number; committed: number; free: number };
}

/** The facts of a single-leg option order (null when the symbol is not a readable OCC contract). */
export function singleOption(
  order: NormalizedOrder,
  exposure: Exposure | null,
  qty: number | null,
  price: number | null,
  positions: Position[],
  openOrders: BrokerOrder[],
): SingleOption | null {
  const occ = order.symbol ? parseOcc(order.symbol) : null;
  if (!occ || !exposure) return null;
  const intent = order.position_intent ?? inferIntent(order.side, qty ?? 0, exposure);
  return {
    occ,
    intent,
    inferred: order.position_intent === null,
    opening: intent.endsWith('_to_open'),
    premiumUsd: qty !== null && price !== null ? dollars(price * CONTRACT_MULTIPLIER * qty) : null,
    cover: callCover(occ.underlying, positions, openOrders),
  };
}

function inferIntent(side: 'buy' | 'sell', qty: number, e: Exposure): PositionIntent {
  if (side === 'sell') return e.position - e.openSells >= qty && qty > 0 ? 'sell_to_close' : 'sell_to_open';
  return -e.position - e.openBuys >= qty && qty > 0 ? 'buy_to_close' : 'buy_to_open';
}

/** Shares of `underlying` not yet promised: covered calls need 100 each. */
function callCover(underlying: string, positions: Position[], openOrders: BrokerOrder[]): SingleOption['cover'] {
  const key = normalizeSymbol(underlying);
  const shares = exposureOf(underlying, positions, openOrders, null);
  let shortCalls = 0;
  for (const p of positions) {
    const occ = parseOcc(p.symbol);
    if (occ && occ.type === 'call' && normalizeSymbol(occ.underlying) === key && finite(p.qty) && p.qty < 0) shortCalls -= p.qty;
  }
  for (const o of openOrders) {
    const occ = o.symbol ? parseOcc(o.symbol) : null;
    if (occ && occ.type === 'call' && normalizeSymbol(occ.underlying) === key && o.side === 'sell' && o.positionIntent !== 'sell_to_close')
      shortCalls += remainingQty(o, null);
  }
  const held = Math.max(0, shares.position);
  const committed = shortCalls * CONTRACT_MULTIPLIER;
  return { held, onOpenSells: shares.openSells, committed, free: Math.max(0, held - shares.openSells - committed) };
}
