/**
 * Equity order submission — simple, trailing stop, bracket, OCO, OTO — (validation, buying-power
 * or share reservation, immediate fill when marketable) and cancel. Options go to options-single.ts
 * (one contract) and mleg.ts (spreads).
 */
import { OCC_SYMBOL } from '../../orders/order.js';
import { ToolError } from '../../errors.js';
import { isMarketOpen } from '../calendar.js';
import type { BrokerOrder, OrderSubmission } from '../types.js';
import { cents, LIVE, rejected, type OrderRow, type SimState } from './db.js';
import { endOrder, exitRows, insertExits } from './exits.js';
import { fillIfMarketable } from './fills.js';
import { cashCents, positionQty, promisedShares, reservedTotalCents } from './ledger.js';
import { submitMleg } from './mleg.js';
import { submitOption } from './options-single.js';
import { assertNewClientOrderId, insertOrder, newOrderRow, orderRowById, toOrder } from './order-rows.js';
import { startTrail } from './trail.js';

/** What a reservation reads of an order (a submission, or a replacement of one). */
export type Reservable = Pick<OrderSubmission, 'side' | 'type' | 'limit_price' | 'stop_price' | 'notional'>;

/**
 * Inside the submit transaction: a buy reserves what it could cost at worst (the limit, else the ask
 * with a 5% collar for stops and queued market orders) out of free cash; a sell needs the shares not
 * already promised (no shorting). An exit reserves nothing: it closes. Returns the cents reserved.
 */
export function reserveEquity(s: SimState, order: Reservable, symbol: string, qty: number, refPrice: number, open: boolean): number {
  if (order.side === 'buy') {
    const worst = order.limit_price ?? (order.stop_price ? Math.max(order.stop_price, refPrice) * 1.05 : open ? refPrice : refPrice * 1.05);
    const reservedCents = order.notional !== null && open ? cents(order.notional) : cents(qty * worst);
    const available = cashCents(s) - reservedTotalCents(s);
    if (reservedCents > available) throw rejected(403, 'insufficient buying power', { required: reservedCents / 100, available: available / 100 });
    return reservedCents;
  }
  const available = Math.max(0, positionQty(s, symbol) - promisedShares(s, symbol));
  if (qty > available + 1e-9)
    throw rejected(403, `insufficient qty available for order (requested: ${qty}, available: ${available})`, { requested: qty, available });
  return 0;
}

/** `now` is the sweep's: the order meets the tape as it stands after every resting order was evaluated. */
export function submitOrder(s: SimState, order: OrderSubmission, now: Date): BrokerOrder {
  if (order.time_in_force === 'opg' || order.time_in_force === 'cls')
    throw rejected(422, `time_in_force ${order.time_in_force} is not supported by the sim broker`);
  if (order.order_class === 'mleg') return submitMleg(s, order, now);
  const symbol = order.symbol;
  if (!symbol) throw rejected(422, 'symbol is required');
  if (OCC_SYMBOL.test(symbol)) return submitOption(s, order, symbol, now);
  const qtyGiven = order.qty;
  if (qtyGiven !== null && !Number.isInteger(qtyGiven) && !(order.type === 'market' || order.type === 'limit'))
    throw rejected(422, 'fractional orders must be market or limit orders');
  if (order.notional !== null && order.type !== 'market') throw rejected(422, 'notional orders must be market orders');
  assertCashAccountClass(order);

  return s.tx(() => {
    assertNewClientOrderId(s, order.client_order_id);
    const open = isMarketOpen(now);
    const quote = s.market.quote(symbol, now);
    const refPrice = order.side === 'buy' ? quote.askPrice : quote.bidPrice;
    const qty = qtyGiven ?? Math.floor(((order.notional ?? 0) / refPrice) * 1e9) / 1e9;
    if (!(qty > 0)) throw rejected(422, 'qty must be > 0');
    const row = equityRow(s, order, symbol, qty, now, open);
    row.reserved_cents = reserveEquity(s, { ...order, stop_price: row.stop_price }, symbol, qty, refPrice, open);
    insertOrder(s, row);
    insertExits(s, exitRows(order, row, now, open));
    if (open) fillIfMarketable(s, row, quote, now);
    else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') endOrder(s, row, 'canceled', now.toISOString());
    return toOrder(s, orderRowById(s, row.id)!);
  });
}

/**
 * The sim is a cash account: a sell bracket or OTO would enter a short, and a buy OCO would be the
 * exit of one, so both are refused (Alpaca refuses a short in a cash account the same way).
 */
function assertCashAccountClass(order: OrderSubmission): void {
  const cls = order.order_class;
  if ((cls === 'bracket' || cls === 'oto') && order.side === 'sell')
    throw rejected(403, `a sell ${cls} order would open a short position; the sim is a cash account (no equity shorting)`, { reason: 'no_shorting' });
  if (cls === 'oco' && order.side === 'buy')
    throw rejected(403, 'a buy oco order exits a short position; the sim is a cash account (no equity shorting)', { reason: 'no_shorting' });
}

function equityRow(s: SimState, order: OrderSubmission, symbol: string, qty: number, now: Date, open: boolean): OrderRow {
  const trail =
    order.type === 'trailing_stop'
      ? startTrail({ side: order.side, trailPrice: order.trail_price ?? null, trailPercent: order.trail_percent ?? null }, s.market.trade(symbol, now).price)
      : null;
  const advanced = order.order_class === 'bracket' || order.order_class === 'oco' || order.order_class === 'oto';
  return newOrderRow(order, now, open, {
    symbol,
    order_class: order.order_class,
    qty,
    notional: order.notional,
    // an OCO is itself the take-profit limit
    limit_price: order.order_class === 'oco' ? (order.take_profit?.limit_price ?? null) : order.limit_price,
    stop_price: trail ? trail.stop : order.stop_price,
    extended_hours: order.extended_hours ? 1 : 0,
    legs: null,
    reserved_cents: 0,
    trail_price: order.trail_price ?? null,
    trail_percent: order.trail_percent ?? null,
    hwm: trail ? trail.mark : null,
    take_profit: advanced && order.take_profit ? JSON.stringify(order.take_profit) : null,
    stop_loss: advanced && order.stop_loss ? JSON.stringify(order.stop_loss) : null,
    exit_role: order.order_class === 'oco' ? 'take_profit' : null,
  });
}

/** Cancel an open order (a held exit too) and what it takes along in its group (exits.ts). */
export function cancelOrder(s: SimState, id: string, now: Date): void {
  s.tx(() => {
    const row = orderRowById(s, id);
    if (!row) throw new ToolError('NOT_FOUND', `order ${id} not found`, { status: 404, broker: 'sim' });
    if (!LIVE.includes(row.status)) throw rejected(422, `order is already in "${row.status}" state`, { orderStatus: row.status });
    endOrder(s, row, 'canceled', now.toISOString());
  });
}
