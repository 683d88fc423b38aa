/** Fills: each writes the fill rows, the cash movement, the positions and the order's final state (inside the caller's transaction). */
import { parseOcc, type OrderLeg } from '../../orders/order.js';
import { optionPriceAt } from './chain.js';
import { cents, round2, type LegFill, type OrderRow, type SimState } from './db.js';
import type { Quote } from '../types.js';
import { afterFill, endOrder } from './exits.js';
import { applyPosition, holdAgainstShort } from './ledger.js';

/**
 * A single-symbol order fills whole at `price`: an equity by the share, an option (OCC symbol) by
 * the contract of 100. A sell to open an option leaves the short's collateral held on the position.
 * Then the order's group moves on (exits go live, or an exit's siblings are canceled).
 */
export function fillOrder(s: SimState, row: OrderRow, price: number, atMs: number): void {
  const qty = row.qty! - row.filled_qty;
  const at = new Date(atMs).toISOString();
  const signed = row.side === 'buy' ? qty : -qty;
  const option = parseOcc(row.symbol!);
  const assetClass = option ? 'us_option' : 'us_equity';
  const multiplier = option ? 100 : 1;
  s.db
    .prepare('INSERT INTO fills (order_id, symbol, asset_class, side, qty, price, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(row.id, row.symbol, assetClass, row.side, qty, price, at, atMs);
  const reason = option ? 'options' : row.side === 'buy' ? 'buy' : 'sell';
  s.db
    .prepare('INSERT INTO cash_movements (at, at_ms, amount_cents, reason, order_id) VALUES (?, ?, ?, ?, ?)')
    .run(at, atMs, -cents(signed * price * multiplier), reason, row.id);
  applyPosition(s, row.symbol!, assetClass, signed, price, multiplier);
  if (option && row.position_intent === 'sell_to_open') holdAgainstShort(s, row.symbol!, option, qty);
  s.db
    .prepare(
      "UPDATE orders SET status = 'filled', filled_qty = ?, filled_avg_price = ?, filled_at = ?, updated_at = ?, checked_until = ?, reserved_cents = 0 WHERE id = ?",
    )
    .run(row.qty, price, at, at, atMs, row.id);
  afterFill(s, row, atMs);
}

/**
 * While the market is open a market order, or a limit the quote already meets, fills at once at the
 * quote; an IOC or FOK that does not is canceled. Stops and trailing stops rest for the tape.
 */
export function fillIfMarketable(s: SimState, row: OrderRow, quote: Quote, now: Date): void {
  const buy = row.side === 'buy';
  const marketable = row.type === 'market' || (row.type === 'limit' && (buy ? quote.askPrice <= row.limit_price! : quote.bidPrice >= row.limit_price!));
  if (marketable) fillOrder(s, row, buy ? quote.askPrice : quote.bidPrice, now.getTime());
  else if (row.time_in_force === 'ioc' || row.time_in_force === 'fok') endOrder(s, row, 'canceled', now.toISOString());
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
