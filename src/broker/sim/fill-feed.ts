/**
 * The sim's fills as trade memory reads them (Broker.listFills): its `fills` rows after a cursor,
 * joined to their orders for the client_order_id. The cursor is the last fill row id (decimal text).
 * The sim charges no fees, so every fill's fee is 0 (known, not absent). A multi-leg order writes
 * one row per leg under the mleg order's id; each leg gets its own order id `<mleg id>:<OCC symbol>`
 * with the mleg order as its parent, the shape Alpaca gives its legs.
 */
import { ToolError } from '../../errors.js';
import type { Fill } from '../../memory/fills.js';
import type { FillCursor, FillPage } from '../types.js';
import type { SimState } from './db.js';

interface FillRow {
  id: number;
  order_id: string;
  symbol: string;
  asset_class: 'us_equity' | 'us_option';
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  at: string;
  client_order_id: string;
  order_class: string;
}

function afterId(cursor: FillCursor | null): number {
  if (cursor === null) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw new ToolError('INVALID_INPUT', `not a sim fill cursor: ${JSON.stringify(cursor)}`, { field: 'cursor' });
  return Number(cursor);
}

function toFill(r: FillRow): Fill {
  const leg = r.order_class === 'mleg';
  return {
    id: `sim-fill-${r.id}`,
    order_id: leg ? `${r.order_id}:${r.symbol}` : r.order_id,
    client_order_id: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    qty: r.qty,
    price: r.price,
    fee: 0,
    at: r.at,
    parent_order_id: leg ? r.order_id : null,
    asset_class: r.asset_class,
    multiplier: r.asset_class === 'us_option' ? 100 : 1,
  };
}

export function listFills(s: SimState, after: FillCursor | null): FillPage {
  const from = afterId(after);
  const rows = s.db
    .prepare(
      `SELECT f.id, f.order_id, f.symbol, f.asset_class, f.side, f.qty, f.price, f.at, o.client_order_id, o.order_class
       FROM fills f JOIN orders o ON o.id = f.order_id WHERE f.id > ? ORDER BY f.id`,
    )
    .all(from) as FillRow[];
  return { fills: rows.map(toFill), cursor: rows.length ? String(rows[rows.length - 1]!.id) : after };
}
