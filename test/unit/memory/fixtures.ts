/** Fills for the trade-memory tests: one builder with defaults, a clock that ticks a minute a fill. */
import type { Fill } from '../../../src/memory/fills.js';

export const T0 = Date.parse('2026-03-02T15:00:00.000Z');
export const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

let seq = 0;

/** A fill; `order` is the order id (client_order_id c-<order>), `min` the minutes after T0. */
export function fill(side: 'buy' | 'sell', qty: number, symbol: string, price: number, order: string, min: number, extra: Partial<Fill> = {}): Fill {
  seq += 1;
  return { id: `f${String(seq).padStart(5, '0')}`, order_id: order, client_order_id: `c-${order}`, symbol, side, qty, price, fee: 0, at: at(min), ...extra };
}

/** OCC symbol of a SPY option expiring 2026-04-17. */
export const spy = (type: 'C' | 'P', strike: number): string => `SPY260417${type}${String(strike * 1000).padStart(8, '0')}`;
