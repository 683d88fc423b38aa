/** Order rows: insert, status changes, lookups and the mapping to BrokerOrder. */
import { randomUUID } from 'node:crypto';
import { parseOcc, type OrderLeg } from '../../orders/order.js';
import { currentOrNextSession } from '../calendar.js';
import { OPEN_ORDER_STATUSES, type BrokerOrder, type OrderFilter, type OrderStatus, type OrderSubmission } from '../types.js';
import { rejected, type OrderRow, type SimState } from './db.js';

export function insertOrder(s: SimState, r: OrderRow): void {
  s.db
    .prepare(
      `INSERT INTO orders (id, client_order_id, symbol, side, order_class, type, time_in_force, qty, notional, limit_price, stop_price, extended_hours, legs, status,
        filled_qty, filled_avg_price, stop_triggered, created_at, submitted_at, updated_at, checked_until, expires_at, reserved_cents)
       VALUES (@id, @client_order_id, @symbol, @side, @order_class, @type, @time_in_force, @qty, @notional, @limit_price, @stop_price, @extended_hours, @legs, @status,
        @filled_qty, @filled_avg_price, @stop_triggered, @created_at, @submitted_at, @updated_at, @checked_until, @expires_at, @reserved_cents)`,
    )
    .run(r);
}

export function setStatus(s: SimState, id: string, status: 'canceled' | 'expired', at: string): void {
  s.db
    .prepare(`UPDATE orders SET status = ?, ${status === 'canceled' ? 'canceled_at = ?,' : ''} updated_at = ?, reserved_cents = 0 WHERE id = ?`)
    .run(...(status === 'canceled' ? [status, at, at, id] : [status, at, id]));
}

export function orderRowById(s: SimState, id: string): OrderRow | undefined {
  return s.db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as OrderRow | undefined;
}

export function orderRowByClientId(s: SimState, clientOrderId: string): OrderRow | undefined {
  return s.db.prepare('SELECT * FROM orders WHERE client_order_id = ?').get(clientOrderId) as OrderRow | undefined;
}

/** Inside the submit transaction: a reused client_order_id is refused the way Alpaca refuses it. */
export function assertNewClientOrderId(s: SimState, clientOrderId: string): void {
  if (s.db.prepare('SELECT 1 FROM orders WHERE client_order_id = ?').get(clientOrderId)) {
    throw rejected(422, 'client_order_id must be unique', { reason: 'duplicate_client_order_id', clientOrderId });
  }
}

/** Newest first, the symbol filter matching a plain symbol, an option leg or a leg's underlying. */
export function queryOrders(s: SimState, filter: OrderFilter): BrokerOrder[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const status = filter.status ?? 'open';
  const openList = [...OPEN_ORDER_STATUSES];
  if (status !== 'all') {
    where.push(`status ${status === 'open' ? '' : 'NOT '}IN (${openList.map(() => '?').join(',')})`);
    args.push(...openList);
  }
  if (filter.after) {
    where.push('submitted_at > ?');
    args.push(new Date(filter.after).toISOString());
  }
  if (filter.until) {
    where.push('submitted_at < ?');
    args.push(new Date(filter.until).toISOString());
  }
  let rows = s.db
    .prepare(`SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY submitted_at DESC, seq DESC`)
    .all(...args) as OrderRow[];
  if (filter.symbols?.length) {
    const wanted = new Set(filter.symbols);
    rows = rows.filter(
      (r) =>
        (r.symbol && wanted.has(r.symbol)) ||
        (r.legs && (JSON.parse(r.legs) as OrderLeg[]).some((l) => wanted.has(l.symbol) || wanted.has(parseOcc(l.symbol)?.underlying ?? ''))),
    );
  }
  return rows.slice(0, filter.limit ?? 50).map((r) => toOrder(s, r));
}

export function toOrder(s: SimState, r: OrderRow): BrokerOrder {
  const legs = r.legs ? (JSON.parse(r.legs) as OrderLeg[]) : null;
  const legFills = legs
    ? (s.db.prepare('SELECT symbol, qty, price FROM fills WHERE order_id = ?').all(r.id) as Array<{ symbol: string; qty: number; price: number }>)
    : [];
  return {
    id: r.id,
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    orderClass: r.order_class,
    type: r.type,
    timeInForce: r.time_in_force,
    qty: r.qty,
    notional: r.notional,
    filledQty: r.filled_qty,
    filledAvgPrice: r.filled_avg_price,
    limitPrice: r.limit_price,
    stopPrice: r.stop_price,
    trailPrice: null,
    trailPercent: null,
    hwm: null,
    positionIntent: null,
    extendedHours: r.extended_hours === 1,
    status: r.status as OrderStatus,
    rawStatus: r.status,
    submittedAt: r.submitted_at,
    filledAt: r.filled_at,
    canceledAt: r.canceled_at,
    createdAt: r.created_at,
    replaces: null,
    replacedBy: null,
    exits: null,
    legs: legs
      ? legs.map((l) => {
          const f = legFills.find((x) => x.symbol === l.symbol);
          return {
            symbol: l.symbol,
            side: l.side,
            ratioQty: l.ratio_qty,
            positionIntent: l.position_intent,
            filledQty: f?.qty ?? 0,
            filledAvgPrice: f?.price ?? null,
          };
        })
      : null,
  };
}

export type OrderShape = Pick<
  OrderRow,
  'symbol' | 'order_class' | 'qty' | 'notional' | 'limit_price' | 'stop_price' | 'extended_hours' | 'legs' | 'reserved_cents'
>;

/** A just-accepted order: `new` while the market is open (else `accepted`), nothing filled, day orders expiring at the session's close. */
export function newOrderRow(order: OrderSubmission, now: Date, open: boolean, shape: OrderShape): OrderRow {
  const iso = now.toISOString();
  return {
    seq: 0,
    id: randomUUID(),
    client_order_id: order.client_order_id,
    side: order.side,
    type: order.type,
    time_in_force: order.time_in_force,
    ...shape,
    status: open ? 'new' : 'accepted',
    filled_qty: 0,
    filled_avg_price: null,
    stop_triggered: 0,
    created_at: iso,
    submitted_at: iso,
    filled_at: null,
    canceled_at: null,
    updated_at: iso,
    checked_until: now.getTime(),
    expires_at: order.time_in_force === 'day' ? currentOrNextSession(now).close.getTime() : null,
  };
}
