/**
 * Open lots marked to market: unrealized P&L at given prices, in the same integer micro-dollars as
 * realized P&L, so realized + unrealized equals the fills' cash flow plus the open quantity's value.
 * A lot with no usable price is listed as unpriced and the total is null: an unknown mark is never 0.
 *
 * @example markOpen(result.lots, (s) => quotes[s]?.mid ?? null).unrealized_pnl
 */
import { cashMicros, dollars, priceMicros, qtyNanos, safe, toMicros } from './money.js';
import type { OpenLot } from './trips.js';

export interface LotMark {
  fill_id: string;
  symbol: string;
  mark: number | null;
  /** Value at the mark less the lot's remaining cost and fee share (sign-flipped for a short); null when unpriced. */
  unrealized_pnl: number | null;
}

export interface Marks {
  /** Sum over the lots; null when any lot has no price. */
  unrealized_pnl: number | null;
  lots: LotMark[];
  /** Symbols without a usable price (absent, negative or not finite). */
  unpriced: string[];
}

/** Unrealized P&L of one lot at `mark`, in micro-dollars. */
export function unrealizedMicros(lot: OpenLot, mark: number): number {
  const value = cashMicros(qtyNanos(lot.qty), priceMicros(mark), lot.multiplier);
  const cost = toMicros(lot.cost);
  const fees = toMicros(lot.fees);
  return lot.direction === 'long' ? value - cost - fees : cost - value - fees;
}

export function markOpen(lots: readonly OpenLot[], priceOf: (symbol: string) => number | null | undefined): Marks {
  const unpriced = new Set<string>();
  let total = 0;
  const marks = lots.map((lot): LotMark => {
    const mark = priceOf(lot.symbol);
    if (typeof mark !== 'number' || !Number.isFinite(mark) || mark < 0) {
      unpriced.add(lot.symbol);
      return { fill_id: lot.fill_id, symbol: lot.symbol, mark: null, unrealized_pnl: null };
    }
    const micros = unrealizedMicros(lot, mark);
    total = safe(total + micros, 'unrealized P&L');
    return { fill_id: lot.fill_id, symbol: lot.symbol, mark, unrealized_pnl: dollars(micros) };
  });
  return { unrealized_pnl: unpriced.size ? null : dollars(total), lots: marks, unpriced: [...unpriced].sort() };
}
