/**
 * Positions and open-order reservations: the accounting the model-based test
 * (test/unit/risk/accounting.model.test.ts) pins against the sim broker.
 */
import type { BrokerOrder, ExitOrder, Position } from '../broker/types.js';
import { OPEN_ORDER_STATUSES } from '../broker/types.js';
import { parseOcc, type OrderLeg } from '../orders/order.js';
import { finite } from './numbers.js';
import { CONTRACT_MULTIPLIER, optionsMaxLoss } from './payoff.js';
import { normalizeSymbol } from './symbols.js';

/** Whether the broker still works the order (it can fill). */
export const isOpen = (o: BrokerOrder | ExitOrder) => OPEN_ORDER_STATUSES.has(o.status);

/**
 * The orders that can still change a position, one row per group: an open order (a bracket's
 * exits wait for its entry and are not counted beside it), or, once a bracket's entry has filled
 * (or an OCO parent is gone), the one exit of the pair still working with the most left (only
 * one of take-profit and stop-loss can fill). `replaces` (a replace_order) is dropped with the
 * group it stands in: the replacement is checked in its place.
 */
export function workingOrders(orders: BrokerOrder[], replaces: BrokerOrder | null = null): BrokerOrder[] {
  const out: BrokerOrder[] = [];
  // An exit listed on its own as well as under its parent is counted with the parent's group.
  const seen = new Set<string>(orders.flatMap((o) => (o.exits ?? []).map((e) => e.id)));
  const dropped = new Set(replaces ? [replaces.id, ...(replaces.exits ?? []).map((e) => e.id)] : []);
  for (const o of orders) {
    if (seen.has(o.id)) continue;
    const group = [o.id, ...(o.exits ?? []).map((e) => e.id)];
    seen.add(o.id);
    if (group.some((id) => dropped.has(id))) continue;
    if (isOpen(o)) out.push(o);
    else {
      const exit = largestOpenExit(o.exits ?? []);
      if (exit) out.push(exit);
    }
  }
  return out;
}

function largestOpenExit(exits: ExitOrder[]): ExitOrder | null {
  let best: ExitOrder | null = null;
  for (const e of exits) if (isOpen(e) && (!best || remainingQty(e, null) > remainingQty(best, null))) best = e;
  return best;
}

/** Shares (contracts) still to fill on an open simple order (notional orders priced at `price`). */
export function remainingQty(o: BrokerOrder | ExitOrder, price: number | null): number {
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
 * price for the symbol; × 100 for an option contract), notional buys at their unspent notional,
 * multi-leg orders at their max loss, a put sold to open at its strike × 100 (cash-secured).
 * Other sells reserve nothing (a short sale's margin is charged to the order that opens it).
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
    const occ = o.symbol ? parseOcc(o.symbol) : null;
    if (o.side === 'sell' && occ?.type === 'put' && o.positionIntent === 'sell_to_open') {
      reserved += remainingQty(o, null) * occ.strike * CONTRACT_MULTIPLIER;
      continue;
    }
    if (o.side !== 'buy') continue;
    const price = o.limitPrice ?? o.stopPrice ?? (o.symbol ? priceOf(o.symbol) : null);
    if (o.qty === null && o.notional !== null) {
      reserved += Math.max(0, o.notional - (o.filledQty || 0) * (o.filledAvgPrice ?? 0));
      continue;
    }
    if (price !== null && finite(price)) reserved += remainingQty(o, price) * price * (occ ? CONTRACT_MULTIPLIER : 1);
  }
  return reserved;
}
