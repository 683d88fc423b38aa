/** Fills: each writes the fill rows, the cash movement, the positions and the order's final state (inside the caller's transaction). */
import type { OrderLeg } from '../../orders/order.js';
import { optionPriceAt } from './chain.js';
import { cents, round2, type LegFill, type OrderRow, type SimState } from './db.js';
import { applyPosition } from './ledger.js';

export function fillEquity(s: SimState, row: OrderRow, price: number, atMs: number): void {
  const qty = row.qty! - row.filled_qty;
  const at = new Date(atMs).toISOString();
  const signed = row.side === 'buy' ? qty : -qty;
  s.db
    .prepare('INSERT INTO fills (order_id, symbol, asset_class, side, qty, price, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(row.id, row.symbol, 'us_equity', row.side, qty, price, at, atMs);
  s.db
    .prepare('INSERT INTO cash_movements (at, at_ms, amount_cents, reason, order_id) VALUES (?, ?, ?, ?, ?)')
    .run(at, atMs, -cents(signed * price), row.side === 'buy' ? 'buy' : 'sell', row.id);
  applyPosition(s, row.symbol!, 'us_equity', signed, price, 1);
  s.db
    .prepare(
      "UPDATE orders SET status = 'filled', filled_qty = ?, filled_avg_price = ?, filled_at = ?, updated_at = ?, checked_until = ?, reserved_cents = 0 WHERE id = ?",
    )
    .run(row.qty, price, at, at, atMs, row.id);
}

export function fillMleg(s: SimState, row: OrderRow, atMs: number): void {
  const legs = JSON.parse(row.legs!) as OrderLeg[];
  const at = new Date(atMs).toISOString();
  const qty = row.qty!;
  const fills: LegFill[] = legs.map((l) => {
    const q = optionPriceAt(s.market, l.symbol, atMs).quote;
    return { symbol: l.symbol, side: l.side, qty: qty * l.ratio_qty, price: l.side === 'buy' ? q.askPrice : q.bidPrice };
  });
  let netCents = 0;
  for (const f of fills) {
    s.db
      .prepare('INSERT INTO fills (order_id, symbol, asset_class, side, qty, price, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, f.symbol, 'us_option', f.side, f.qty, f.price, at, atMs);
    const signed = f.side === 'buy' ? f.qty : -f.qty;
    netCents += cents(signed * f.price * 100);
    applyPosition(s, f.symbol, 'us_option', signed, f.price, 100);
  }
  s.db.prepare("INSERT INTO cash_movements (at, at_ms, amount_cents, reason, order_id) VALUES (?, ?, ?, 'options', ?)").run(at, atMs, -netCents, row.id);
  const netPerShare = round2(netCents / 100 / 100 / qty);
  s.db
    .prepare(
      "UPDATE orders SET status = 'filled', filled_qty = ?, filled_avg_price = ?, filled_at = ?, updated_at = ?, checked_until = ?, reserved_cents = 0 WHERE id = ?",
    )
    .run(qty, netPerShare, at, at, atMs, row.id);
}
