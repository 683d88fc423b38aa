/**
 * Fees a broker reports apart from its fills (Alpaca: FEE activities), attributed to the fills
 * they were charged for, so a round trip's realized P&L comes net of them. The rule, in order:
 * 1. a fee naming an order (Alpaca's `order_id`, or `parent_id` on a per-trade fee such as a
 *    commission) goes to that order's fills, or to the legs of that mleg order;
 * 2. else a fee naming a symbol and a date goes to that symbol's fills on that New York trade date:
 *    its sells when there are any (the SEC fee, FINRA's TAF and the options ORF are sell-side or
 *    per-contract regulatory fees Alpaca posts per symbol per day), else all of them;
 * 3. else (a bulk fee over many trades, no symbol) it is not attributed: it stays out of every
 *    trip's P&L and is counted in `unattributed`.
 * Within its fills a fee is shared pro rata to quantity, in integer micro-dollars, the last fill
 * taking the remainder, so the shares add back to the fee exactly. Fees are stored once by id
 * (memory.sqlite), so a fee read again is never counted twice.
 *
 * @example attributeFees([{ id: 'f', amount: 0.02, order_id: 'o1', symbol: null, date: null }], fills).byFill
 */
import { easternDate } from '../broker/calendar.js';
import { isoMs, type Fill } from './fills.js';
import { priceMicros, prorate, qtyNanos } from './money.js';

export interface FeeRecord {
  id: string;
  /** What was charged, in dollars (>= 0). */
  amount: number;
  order_id: string | null;
  symbol: string | null;
  /** The New York trade date it was charged for (YYYY-MM-DD). */
  date: string | null;
}

export interface FeeAttribution {
  /** Fee micro-dollars by fill id. */
  byFill: Map<string, number>;
  unattributed: FeeRecord[];
}

function targets(fee: FeeRecord, byOrder: Map<string, Fill[]>, byDay: Map<string, Fill[]>): Fill[] {
  if (fee.order_id) {
    const own = byOrder.get(fee.order_id);
    if (own?.length) return own;
  }
  if (fee.symbol && fee.date) {
    const day = byDay.get(`${fee.symbol}|${fee.date}`) ?? [];
    const sells = day.filter((f) => f.side === 'sell');
    return sells.length ? sells : day;
  }
  return [];
}

function push(map: Map<string, Fill[]>, key: string, f: Fill): void {
  const list = map.get(key);
  if (list) list.push(f);
  else map.set(key, [f]);
}

export function attributeFees(fees: readonly FeeRecord[], fills: readonly Fill[]): FeeAttribution {
  const byOrder = new Map<string, Fill[]>();
  const byDay = new Map<string, Fill[]>();
  for (const f of fills) {
    push(byOrder, f.order_id, f);
    if (f.parent_order_id) push(byOrder, f.parent_order_id, f);
    const ms = isoMs(f.at);
    if (Number.isFinite(ms)) push(byDay, `${f.symbol}|${easternDate(ms)}`, f);
  }
  const byFill = new Map<string, number>();
  const unattributed: FeeRecord[] = [];
  for (const fee of fees) {
    const to = targets(fee, byOrder, byDay);
    if (!to.length) {
      unattributed.push(fee);
      continue;
    }
    let left = priceMicros(fee.amount);
    let whole = 0;
    for (const f of to) whole += qtyNanos(f.qty);
    for (const f of to) {
      const part = prorate(left, qtyNanos(f.qty), whole);
      whole -= qtyNanos(f.qty);
      left -= part;
      byFill.set(f.id, (byFill.get(f.id) ?? 0) + part);
    }
  }
  return { byFill, unattributed };
}
