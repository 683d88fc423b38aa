/** Defined-risk multi-leg option orders: net pricing, worst loss at expiry, submission and evaluation on the tape. */
import { parseOcc, type OrderLeg } from '../../orders/order.js';
import { easternDate, isMarketOpen, sessionsBetween } from '../calendar.js';
import type { BrokerOrder, OrderSubmission } from '../types.js';
import { optionPriceAt } from './chain.js';
import { cents, MINUTE, rejected, round2, type OrderRow, type SimState } from './db.js';
import { fillMleg } from './fills.js';
import { cashCents, reservedTotalCents } from './ledger.js';
import { assertNewClientOrderId, insertOrder, newOrderRow, orderRowById, setStatus, toOrder } from './order-rows.js';

/** Net price per spread (per share): buy legs at the ask, sell legs at the bid; positive = debit. */
export function mlegNet(s: SimState, legs: OrderLeg[], at: number): number {
  let net = 0;
  for (const leg of legs) {
    const q = optionPriceAt(s.market, leg.symbol, at).quote;
    net += (leg.side === 'buy' ? q.askPrice : -q.bidPrice) * leg.ratio_qty;
  }
  return round2(net);
}

/** Worst loss per spread in dollars at expiry, or null when it is unbounded (a naked short call). */
export function mlegMaxLoss(legs: OrderLeg[], netPerShare: number): number | null {
  const parsed = legs.map((l) => ({ ...l, occ: parseOcc(l.symbol)! }));
  const slopeUp = parsed.reduce((a, l) => a + (l.occ.type === 'call' ? (l.side === 'buy' ? 1 : -1) * l.ratio_qty : 0), 0);
  if (slopeUp < 0) return null;
  const strikes = parsed.map((l) => l.occ.strike);
  const points = [0, ...strikes, Math.max(...strikes) * 2];
  let worst = Infinity;
  for (const price of points) {
    let payoff = 0;
    for (const l of parsed) {
      const intrinsic = l.occ.type === 'call' ? Math.max(0, price - l.occ.strike) : Math.max(0, l.occ.strike - price);
      payoff += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * intrinsic;
    }
    worst = Math.min(worst, payoff - netPerShare);
  }
  return Math.max(0, -worst) * 100;
}

/**
 * Inside the transaction: a spread reserves its worst loss at expiry, at the limit or the current
 * net, whichever loses more, out of free cash. A spread with unbounded loss is refused.
 */
export function reserveMleg(s: SimState, legs: OrderLeg[], qty: number, limitPrice: number | null, at: number): number {
  const net = mlegNet(s, legs, at);
  const maxLoss = mlegMaxLoss(legs, net);
  if (maxLoss === null) throw rejected(403, 'account not eligible to trade uncovered option contracts (the sim accepts defined-risk multi-leg orders only)');
  const reservedCents = cents(Math.max(maxLoss, mlegMaxLoss(legs, limitPrice ?? net) ?? maxLoss) * qty);
  const available = cashCents(s) - reservedTotalCents(s);
  if (reservedCents > available) throw rejected(403, 'insufficient options buying power', { required: reservedCents / 100, available: available / 100 });
  return reservedCents;
}

export function submitMleg(s: SimState, order: OrderSubmission, now: Date): BrokerOrder {
  const legs = order.legs ?? [];
  const qty = order.qty;
  if (legs.length < 2 || qty === null || !Number.isInteger(qty)) throw rejected(422, 'a multi-leg order needs 2–4 legs and a whole qty');
  const today = easternDate(now);
  for (const leg of legs) {
    const p = parseOcc(leg.symbol);
    if (!p) throw rejected(422, `invalid option symbol ${leg.symbol}`);
    if (p.expiration < today) throw rejected(422, `option contract ${leg.symbol} has expired`);
  }
  const at = s.market.effectiveTime(now);
  const net = mlegNet(s, legs, at);
  return s.tx(() => {
    assertNewClientOrderId(s, order.client_order_id);
    const reservedCents = reserveMleg(s, legs, qty, order.limit_price, at);
    const open = isMarketOpen(now);
    const iso = now.toISOString();
    const row = newOrderRow(order, now, open, {
      symbol: null,
      order_class: 'mleg',
      qty,
      notional: null,
      limit_price: order.limit_price,
      stop_price: null,
      extended_hours: 0,
      legs: JSON.stringify(legs),
      reserved_cents: reservedCents,
    });
    insertOrder(s, row);
    if (open && (order.type === 'market' || net <= order.limit_price! + 1e-9)) fillMleg(s, row, at);
    else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') setStatus(s, row.id, 'canceled', iso);
    return toOrder(s, orderRowById(s, row.id)!);
  });
}

export function evaluateMleg(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number): boolean {
  const legs = JSON.parse(row.legs!) as OrderLeg[];
  for (const session of sessionsBetween(new Date(from), new Date(nowMs))) {
    const start = Math.max(session.open.getTime(), Math.ceil(from / MINUTE) * MINUTE);
    const end = Math.min(session.close.getTime(), nowMs, expiresAt);
    for (let t = start; t <= end; t += MINUTE) {
      if (row.type === 'market' || mlegNet(s, legs, t) <= row.limit_price! + 1e-9) {
        fillMleg(s, row, t);
        return true;
      }
    }
  }
  return false;
}
