/** Order rows: insert, status changes, lookups and the mapping to BrokerOrder (a parent's exits nested under it). */
import { randomUUID } from 'node:crypto';
import { parseOcc, type OrderLeg } from '../../orders/order.js';
import { currentOrNextSession } from '../calendar.js';
import { OPEN_ORDER_STATUSES, type BrokerOrder, type ExitOrder, type OrderFilter, type OrderStatus, type OrderSubmission } from '../types.js';
import { inList, rejected, type OrderRow, type SimState } from './db.js';

const COLUMNS: ReadonlyArray<Exclude<keyof OrderRow, 'seq'>> = [
  'id',
  'client_order_id',
  'symbol',
  'side',
  'order_class',
  'type',
  'time_in_force',
  'qty',
  'notional',
  'limit_price',
  'stop_price',
  'extended_hours',
  'legs',
  'status',
  'filled_qty',
  'filled_avg_price',
  'stop_triggered',
  'created_at',
  'submitted_at',
  'filled_at',
  'canceled_at',
  'updated_at',
  'checked_until',
  'expires_at',
  'reserved_cents',
  'trail_price',
  'trail_percent',
  'hwm',
  'take_profit',
  'stop_loss',
  'position_intent',
  'replaces',
  'replaced_by',
  'parent_id',
  'exit_role',
];
const INSERT = `INSERT INTO orders (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`;

export function insertOrder(s: SimState, r: OrderRow): void {
  const { seq: _seq, ...values } = r;
  s.db.prepare(INSERT).run(values);
}

/** An order ends: nothing more fills and its reservation is released. */
export function setStatus(s: SimState, id: string, status: 'canceled' | 'expired' | 'replaced', at: string): void {
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

/** The exits whose parent is `id`, oldest first (a bracket's take-profit before its stop-loss). */
export function childRows(s: SimState, id: string): OrderRow[] {
  return s.db.prepare('SELECT * FROM orders WHERE parent_id = ? ORDER BY seq').all(id) as OrderRow[];
}

/** Inside the submit transaction: a reused client_order_id is refused the way Alpaca refuses it. */
export function assertNewClientOrderId(s: SimState, clientOrderId: string): void {
  if (s.db.prepare('SELECT 1 FROM orders WHERE client_order_id = ?').get(clientOrderId)) {
    throw rejected(422, 'client_order_id must be unique', { reason: 'duplicate_client_order_id', clientOrderId });
  }
}

const underlyingOf = (symbol: string | null) => (symbol ? (parseOcc(symbol)?.underlying ?? null) : null);

/**
 * Newest first, the symbol filter matching a plain symbol, an option (or leg) or its underlying.
 * Every order is listed on its own, exits included; a parent also carries its exits.
 */
export function queryOrders(s: SimState, filter: OrderFilter): BrokerOrder[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const status = filter.status ?? 'open';
  const openList = [...OPEN_ORDER_STATUSES];
  if (status !== 'all') {
    where.push(`status ${status === 'open' ? '' : 'NOT '}IN (${inList(openList)})`);
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
    const matches = (symbol: string | null) => symbol !== null && (wanted.has(symbol) || wanted.has(underlyingOf(symbol) ?? ''));
    rows = rows.filter((r) => matches(r.symbol) || (r.legs && (JSON.parse(r.legs) as OrderLeg[]).some((l) => matches(l.symbol))));
  }
  return rows.slice(0, filter.limit ?? 50).map((r) => toOrder(s, r));
}

/** A parent of exits: a bracket or OTO entry, or an OCO's own take-profit order. */
const isParent = (r: OrderRow) => r.parent_id === null && (r.order_class === 'bracket' || r.order_class === 'oco' || r.order_class === 'oto');

/** A parent carries its exits as they stand now: a replaced exit gives way to its replacement. */
export function toOrder(s: SimState, r: OrderRow): BrokerOrder {
  const exits = isParent(r)
    ? childRows(s, r.id)
        .filter((c) => c.status !== 'replaced')
        .map((c): ExitOrder => ({ ...orderFields(s, c), exits: null }))
    : null;
  return { ...orderFields(s, r), exits };
}

function orderFields(s: SimState, r: OrderRow): Omit<BrokerOrder, 'exits'> {
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
    trailPrice: r.trail_price,
    trailPercent: r.trail_percent,
    hwm: r.hwm,
    positionIntent: r.position_intent,
    extendedHours: r.extended_hours === 1,
    status: r.status as OrderStatus,
    rawStatus: r.status,
    submittedAt: r.submitted_at,
    filledAt: r.filled_at,
    canceledAt: r.canceled_at,
    createdAt: r.created_at,
    replaces: r.replaces,
    replacedBy: r.replaced_by,
    legs: r.legs ? legsOf(s, r) : null,
  };
}

function legsOf(s: SimState, r: OrderRow): BrokerOrder['legs'] {
  const legs = JSON.parse(r.legs!) as OrderLeg[];
  const fills = s.db.prepare('SELECT symbol, qty, price FROM fills WHERE order_id = ?').all(r.id) as Array<{ symbol: string; qty: number; price: number }>;
  return legs.map((l) => {
    const f = fills.find((x) => x.symbol === l.symbol);
    return {
      symbol: l.symbol,
      side: l.side,
      ratioQty: l.ratio_qty,
      positionIntent: l.position_intent,
      filledQty: f?.qty ?? 0,
      filledAvgPrice: f?.price ?? null,
    };
  });
}

export type OrderShape = Pick<
  OrderRow,
  'symbol' | 'order_class' | 'qty' | 'notional' | 'limit_price' | 'stop_price' | 'extended_hours' | 'legs' | 'reserved_cents'
> &
  Partial<
    Pick<
      OrderRow,
      'side' | 'type' | 'status' | 'trail_price' | 'trail_percent' | 'hwm' | 'take_profit' | 'stop_loss' | 'position_intent' | 'parent_id' | 'exit_role'
    >
  >;

/** A just-accepted order: `new` while the market is open (else `accepted`), nothing filled, day orders expiring at the session's close. */
export function newOrderRow(
  order: Pick<OrderSubmission, 'client_order_id' | 'side' | 'type' | 'time_in_force'>,
  now: Date,
  open: boolean,
  shape: OrderShape,
): OrderRow {
  const iso = now.toISOString();
  return {
    seq: 0,
    id: randomUUID(),
    client_order_id: order.client_order_id,
    side: order.side,
    type: order.type,
    time_in_force: order.time_in_force,
    status: open ? 'new' : 'accepted',
    trail_price: null,
    trail_percent: null,
    hwm: null,
    take_profit: null,
    stop_loss: null,
    position_intent: null,
    replaces: null,
    replaced_by: null,
    parent_id: null,
    exit_role: null,
    ...shape,
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
