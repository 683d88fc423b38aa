/** Equity order submission (validation, buying-power or share reservation, immediate fill when marketable) and cancel. */
import { ToolError } from '../../errors.js';
import { isMarketOpen } from '../calendar.js';
import type { BrokerOrder, OrderSubmission } from '../types.js';
import { cents, rejected, SWEEPABLE, type SimState } from './db.js';
import { fillEquity } from './fills.js';
import { cashCents, positionQty, reservedTotalCents } from './ledger.js';
import { submitMleg } from './mleg.js';
import { assertNewClientOrderId, insertOrder, newOrderRow, orderRowById, setStatus, toOrder } from './order-rows.js';

/**
 * Inside the submit transaction: a buy reserves what it could cost at worst (the limit, else the ask
 * with a 5% collar for stops and queued market orders) out of free cash; a sell needs the shares not
 * already promised to open sells (no shorting). Returns the cents reserved.
 */
function reserveEquity(s: SimState, order: OrderSubmission, symbol: string, qty: number, refPrice: number, open: boolean): number {
  if (order.side === 'buy') {
    const worst = order.limit_price ?? (order.stop_price ? Math.max(order.stop_price, refPrice) * 1.05 : open ? refPrice : refPrice * 1.05);
    const reservedCents = order.notional !== null && open ? cents(order.notional) : cents(qty * worst);
    const available = cashCents(s) - reservedTotalCents(s);
    if (reservedCents > available) throw rejected(403, 'insufficient buying power', { required: reservedCents / 100, available: available / 100 });
    return reservedCents;
  }
  const held = positionQty(s, symbol);
  const pendingSells = (
    s.db
      .prepare(
        `SELECT COALESCE(SUM(qty - filled_qty), 0) AS q FROM orders WHERE symbol = ? AND side = 'sell' AND status IN (${SWEEPABLE.map(() => '?').join(',')})`,
      )
      .get(symbol, ...SWEEPABLE) as { q: number }
  ).q;
  const available = Math.max(0, held - pendingSells);
  if (qty > available + 1e-9)
    throw rejected(403, `insufficient qty available for order (requested: ${qty}, available: ${available})`, { requested: qty, available });
  return 0;
}

/** `now` is the sweep's: the order meets the tape as it stands after every resting order was evaluated. */
export function submitOrder(s: SimState, order: OrderSubmission, now: Date): BrokerOrder {
  const nowMs = now.getTime();
  const iso = now.toISOString();
  if (order.time_in_force === 'opg' || order.time_in_force === 'cls')
    throw rejected(422, `time_in_force ${order.time_in_force} is not supported by the sim broker`);
  if (order.order_class === 'mleg') return submitMleg(s, order, now);
  const symbol = order.symbol;
  if (!symbol) throw rejected(422, 'symbol is required');
  const qtyGiven = order.qty;
  if (qtyGiven !== null && !Number.isInteger(qtyGiven) && !(order.type === 'market' || order.type === 'limit'))
    throw rejected(422, 'fractional orders must be market or limit orders');
  if (order.notional !== null && order.type !== 'market') throw rejected(422, 'notional orders must be market orders');

  return s.tx(() => {
    assertNewClientOrderId(s, order.client_order_id);
    const open = isMarketOpen(now);
    const quote = s.market.quote(symbol, now);
    const refPrice = order.side === 'buy' ? quote.askPrice : quote.bidPrice;
    const qty = qtyGiven ?? Math.floor(((order.notional ?? 0) / refPrice) * 1e9) / 1e9;
    if (!(qty > 0)) throw rejected(422, 'qty must be > 0');
    const reservedCents = reserveEquity(s, order, symbol, qty, refPrice, open);
    const row = newOrderRow(order, now, open, {
      symbol,
      order_class: 'simple',
      qty,
      notional: order.notional,
      limit_price: order.limit_price,
      stop_price: order.stop_price,
      extended_hours: order.extended_hours ? 1 : 0,
      legs: null,
      reserved_cents: reservedCents,
    });
    insertOrder(s, row);
    if (open) {
      const marketable =
        order.type === 'market' ||
        (order.type === 'limit' && (order.side === 'buy' ? quote.askPrice <= order.limit_price! : quote.bidPrice >= order.limit_price!));
      if (marketable) fillEquity(s, row, refPrice, nowMs);
      else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') setStatus(s, row.id, 'canceled', iso);
    } else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') {
      setStatus(s, row.id, 'canceled', iso);
    }
    return toOrder(s, orderRowById(s, row.id)!);
  });
}

export function cancelOrder(s: SimState, id: string, now: Date): void {
  s.tx(() => {
    const row = orderRowById(s, id);
    if (!row) throw new ToolError('NOT_FOUND', `order ${id} not found`, { status: 404, broker: 'sim' });
    if (!SWEEPABLE.includes(row.status)) throw rejected(422, `order is already in "${row.status}" state`, { orderStatus: row.status });
    setStatus(s, id, 'canceled', now.toISOString());
  });
}
