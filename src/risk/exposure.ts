/**
 * Positions and open-order reservations: the accounting the model-based test
 * (test/unit/risk/accounting.model.test.ts) pins against the sim broker.
 */
import type { BrokerOrder, Position } from '../broker/types.js';
import { OPEN_ORDER_STATUSES } from '../broker/types.js';
import type { OrderLeg } from '../orders/order.js';
import { finite } from './numbers.js';
import { optionsMaxLoss } from './payoff.js';
import { normalizeSymbol } from './symbols.js';

/** Whether the broker still works the order (it can fill). */
export const isOpen = (o: BrokerOrder) => OPEN_ORDER_STATUSES.has(o.status);

/** Shares still to fill on an open simple order (notional orders priced at `price`). */
export function remainingQty(o: BrokerOrder, price: number | null): number {
  if (o.qty !== null && finite(o.qty)) return Math.max(0, o.qty - (finite(o.filledQty) ? o.filledQty : 0));
  if (o.notional !== null && finite(o.notional) && price && price > 0) {
    const spent = (o.filledQty || 0) * (o.filledAvgPrice ?? price);
    return Math.max(0, (o.notional - spent) / price);
  }
  return 0;
}

export interface Exposure {
  /** Signed shares held now. */
  position: number;
  /** Shares still to buy on open buy orders / to sell on open sell orders of this symbol. */
  openBuys: number;
  openSells: number;
}

/** Position and open-order quantities of one symbol (symbols matched after normalisation). */
export function exposureOf(symbol: string, positions: Position[], openOrders: BrokerOrder[], price: number | null): Exposure {
  const key = normalizeSymbol(symbol);
  let position = 0;
  for (const p of positions) if (normalizeSymbol(p.symbol) === key && finite(p.qty)) position += p.qty;
  let openBuys = 0;
  let openSells = 0;
  for (const o of openOrders) {
    if (!isOpen(o) || o.symbol === null || normalizeSymbol(o.symbol) !== key || o.legs?.length) continue;
    const left = remainingQty(o, price);
    if (o.side === 'buy') openBuys += left;
    else if (o.side === 'sell') openSells += left;
  }
  return { position, openBuys, openSells };
}

/**
 * Signed position after this order and every same-side open order fill (the worst case), and
 * the same without this order.
 */
export function projectedPosition(side: 'buy' | 'sell', qty: number, e: Exposure): { before: number; after: number } {
  const before = side === 'buy' ? e.position + e.openBuys : e.position - e.openSells;
  return { before, after: side === 'buy' ? before + qty : before - qty };
}

/**
 * Buying power held by open orders: remaining buys at their limit (else stop, else a known
 * price for the symbol), notional buys at their unspent notional, multi-leg orders at their
 * max loss. Sells reserve nothing (a short sale's margin is charged to the order that opens it).
 */
export function reservedBuyingPower(openOrders: BrokerOrder[], priceOf: (symbol: string) => number | null): number {
  let reserved = 0;
  for (const o of openOrders) {
    if (!isOpen(o)) continue;
    if (o.legs?.length) {
      const legs: OrderLeg[] = o.legs.map((l) => ({
        symbol: l.symbol,
        side: l.side,
        ratio_qty: l.ratioQty,
        position_intent: (l.positionIntent ?? (l.side === 'buy' ? 'buy_to_open' : 'sell_to_open')) as OrderLeg['position_intent'],
      }));
      const loss = optionsMaxLoss(legs, o.limitPrice, Math.max(0, (o.qty ?? 0) - (o.filledQty || 0)));
      if (loss !== null && finite(loss.maxLossUsd)) reserved += loss.maxLossUsd;
      continue;
    }
    if (o.side !== 'buy') continue;
    const price = o.limitPrice ?? o.stopPrice ?? (o.symbol ? priceOf(o.symbol) : null);
    if (o.qty === null && o.notional !== null) {
      reserved += Math.max(0, o.notional - (o.filledQty || 0) * (o.filledAvgPrice ?? 0));
      continue;
    }
    if (price !== null && finite(price)) reserved += remainingQty(o, price) * price;
  }
  return reserved;
}
