/**
 * Trailing stops on the tape (Alpaca's rule): a sell trails the high-water mark, its stop at
 * hwm − trail_price or hwm × (1 − trail_percent / 100); a buy trails the low-water mark, its stop
 * at lwm + trail_price or lwm × (1 + trail_percent / 100). The stop only ever moves in the
 * position's favour (a sell's rises, a buy's falls). Pure functions; the sweep persists the state.
 *
 * @example trailOnBar({ side: 'sell', trailPrice: 2, trailPercent: null }, { mark: 100, stop: 98 }, { o: 101, h: 103, l: 100.5, c: 102 })
 *   // → { state: { mark: 103, stop: 101 }, trigger: null }
 */

export interface TrailSpec {
  side: 'buy' | 'sell';
  trailPrice: number | null;
  trailPercent: number | null;
}

/** The water mark (`mark`: high for a sell, low for a buy) and the stop in force. */
export interface TrailState {
  mark: number;
  stop: number;
}

export interface PriceBar {
  o: number;
  h: number;
  l: number;
  c: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The stop a water mark implies, rounded to the cent. */
export function stopFor(spec: TrailSpec, mark: number): number {
  const sell = spec.side === 'sell';
  if (spec.trailPrice !== null) return round2(sell ? mark - spec.trailPrice : mark + spec.trailPrice);
  const pct = (spec.trailPercent ?? 0) / 100;
  return round2(sell ? mark * (1 - pct) : mark * (1 + pct));
}

/** A trailing stop as placed at `price` (the last trade). */
export function startTrail(spec: TrailSpec, price: number): TrailState {
  return { mark: price, stop: stopFor(spec, price) };
}

/**
 * One bar. It triggers when its low (a buy: high) reaches the stop in force at its start — at the
 * stop, or at the open when the bar gaps through it — or when its close is through the stop the
 * bar's own extreme raised (the close comes after the extreme, so the price crossed that stop).
 * `trigger` is the price the stop became a market order at; the mark and stop move otherwise.
 */
export function trailOnBar(spec: TrailSpec, state: TrailState, bar: PriceBar): { state: TrailState; trigger: number | null } {
  const sell = spec.side === 'sell';
  if (sell ? bar.l <= state.stop : bar.h >= state.stop) {
    return { state, trigger: sell ? Math.min(state.stop, bar.o) : Math.max(state.stop, bar.o) };
  }
  const mark = sell ? Math.max(state.mark, bar.h) : Math.min(state.mark, bar.l);
  const implied = stopFor(spec, mark);
  const stop = sell ? Math.max(state.stop, implied) : Math.min(state.stop, implied);
  const next = { mark, stop };
  if (sell ? bar.c <= stop : bar.c >= stop) return { state: next, trigger: stop };
  return { state: next, trigger: null };
}
