/**
 * Exits of bracket, OCO and OTO orders, kept as orders of their own (Alpaca's `legs`):
 * - bracket / OTO: the entry is the parent; its exits (take-profit limit, stop-loss stop or
 *   stop-limit, opposite side) wait `held` until the entry fills, then go live for the qty filled;
 * - OCO: the order itself is the take-profit limit and the parent of its stop-loss; both are live
 *   at once, closing a position already held.
 * When one exit of a group fills, the others are canceled (Alpaca cancels the sibling as soon as
 * one leg fills, partly or fully; the sim fills an order whole, so a partial never happens).
 * Canceling any order of a group whose entry has not filled cancels the whole group; canceling a
 * live exit cancels its siblings. Exits reserve nothing: they close what the entry bought.
 */
import { randomUUID } from 'node:crypto';
import { currentOrNextSession, isMarketOpen } from '../calendar.js';
import type { OrderSubmission } from '../types.js';
import { inList, LIVE, type OrderRow, type SimState } from './db.js';
import { childRows, insertOrder, newOrderRow, orderRowById, setStatus } from './order-rows.js';

/** The group an exit belongs to: its parent's id, or its own for an OCO's take-profit. */
export const groupOf = (r: OrderRow) => r.parent_id ?? r.id;

/** The other live or held exits of an exit's group. */
export function siblingsOf(s: SimState, r: OrderRow): OrderRow[] {
  const group = groupOf(r);
  return s.db
    .prepare(`SELECT * FROM orders WHERE (parent_id = ? OR id = ?) AND exit_role IS NOT NULL AND id != ? AND status IN (${inList(LIVE)})`)
    .all(group, group, r.id, ...LIVE) as OrderRow[];
}

/** The exit rows of a submission: held for a bracket / OTO, live at once for an OCO (whose own row is the take-profit). */
export function exitRows(order: OrderSubmission, parent: OrderRow, now: Date, open: boolean): OrderRow[] {
  const exitSide = order.order_class === 'oco' ? order.side : order.side === 'buy' ? 'sell' : 'buy';
  const base = (type: 'limit' | 'stop' | 'stop_limit') => ({ client_order_id: randomUUID(), side: exitSide, time_in_force: order.time_in_force, type });
  const shape = {
    symbol: parent.symbol,
    order_class: order.order_class,
    qty: parent.qty,
    notional: null,
    extended_hours: 0,
    legs: null,
    reserved_cents: 0,
    parent_id: parent.id,
    status: order.order_class === 'oco' ? parent.status : 'held',
  };
  const rows: OrderRow[] = [];
  if (order.take_profit && order.order_class !== 'oco') {
    rows.push(newOrderRow(base('limit'), now, open, { ...shape, limit_price: order.take_profit.limit_price, stop_price: null, exit_role: 'take_profit' }));
  }
  if (order.stop_loss) {
    const sl = order.stop_loss;
    rows.push(
      newOrderRow(base(sl.limit_price !== null ? 'stop_limit' : 'stop'), now, open, {
        ...shape,
        limit_price: sl.limit_price,
        stop_price: sl.stop_price,
        exit_role: 'stop_loss',
      }),
    );
  }
  return rows;
}

export function insertExits(s: SimState, rows: OrderRow[]): void {
  for (const r of rows) insertOrder(s, r);
}

/**
 * After `row` filled at `atMs` (inside the fill's transaction): an entry's held exits go live
 * for the qty filled, checked from the fill on; an exit's siblings are canceled.
 */
export function afterFill(s: SimState, row: OrderRow, atMs: number): void {
  const at = new Date(atMs).toISOString();
  if (row.exit_role !== null) {
    for (const sib of siblingsOf(s, row)) setStatus(s, sib.id, 'canceled', at);
    return;
  }
  const status = isMarketOpen(new Date(atMs)) ? 'new' : 'accepted';
  const close = currentOrNextSession(new Date(atMs)).close.getTime();
  s.db
    .prepare(
      `UPDATE orders SET status = ?, qty = ?, checked_until = ?, updated_at = ?, expires_at = CASE WHEN time_in_force = 'day' THEN ? ELSE NULL END
       WHERE parent_id = ? AND status = 'held'`,
    )
    .run(status, row.qty, atMs, at, close, row.id);
}

/**
 * An order ends canceled or expired, and its group with it: an entry that never filled takes its
 * held exits along (canceled); a canceled exit cancels its siblings, and its entry too while that
 * has not filled. An exit that expires leaves its siblings to expire on their own.
 */
export function endOrder(s: SimState, row: OrderRow, status: 'canceled' | 'expired', at: string): void {
  setStatus(s, row.id, status, at);
  if (row.exit_role === null) {
    for (const child of childRows(s, row.id)) if (LIVE.includes(child.status)) setStatus(s, child.id, 'canceled', at);
    return;
  }
  if (status === 'expired') return;
  for (const sib of siblingsOf(s, row)) setStatus(s, sib.id, 'canceled', at);
  const parent = row.parent_id ? orderRowById(s, row.parent_id) : undefined;
  if (parent && parent.exit_role === null && LIVE.includes(parent.status)) setStatus(s, parent.id, 'canceled', at);
}
