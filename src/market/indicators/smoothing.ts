/** SMA-seeded EMA and Wilder (RMA) smoothing over the library's classes. */
import { EMA, NotEnoughDataError, RMA, SMA } from 'trading-signals';
import { seriesArray } from './rolling.js';

/**
 * EMA seeded with the SMA of its first `interval` prices — the convention of Appel, StockCharts,
 * TA-Lib and TradingView. The library's EMA seeds with the first price instead, which leaves a
 * 200-period EMA visibly off for hundreds of bars; feeding it the SMA as its first input gives
 * the standard seed while the library still does the smoothing. Undefined (null) until seeded.
 * computeIndicators feeds plain EMAs that seed directly (seededEma below, no per-bar subclass call);
 * this streaming form is the reference the parity test runs the library's MACD class with.
 */
export class SmaSeededEMA extends EMA {
  readonly #seed: SMA;
  #seeded = false;
  constructor(interval: number) {
    super(interval);
    this.#seed = new SMA(interval);
  }
  override update(price: number, replace: boolean): number {
    if (this.#seeded) return super.update(price, replace);
    const sma = this.#seed.update(price, replace);
    if (sma === null) return null as unknown as number; // MACD only reads it once the slow EMA is seeded
    this.#seeded = true;
    return super.update(sma, replace);
  }
}

/**
 * Wilder smoothing for the library's RSI, ATR and ADX (their `SmoothingIndicator` parameter): the
 * library's RMA recurrence (x/n + previous·(1 − 1/n)) seeded with the library's SMA of its first n
 * inputs. Same values as the library's default smoothing, WSMA (checked in
 * test/unit/market/library-parity.test.ts), without WSMA's inner SMA, which keeps re-averaging its
 * window on every bar long after the seed. Append-only: `replace` is not supported (never used here).
 */
export class SmaSeededRMA extends RMA {
  #seed: SMA | null;
  constructor(interval: number) {
    super(interval);
    this.#seed = new SMA(interval);
  }
  override update(price: number, replace: boolean): number {
    const seed = this.#seed;
    if (seed === null) return super.update(price, replace);
    const sma = seed.update(price, replace);
    if (sma === null) return null as unknown as number; // callers only read it once isStable
    this.#seed = null;
    return super.update(sma, replace);
  }
  override getResultOrThrow(): number {
    if (this.#seed !== null || this.result === undefined) throw new NotEnoughDataError(this.interval);
    return this.result;
  }
  override get isStable(): boolean {
    return this.#seed === null;
  }
}

/**
 * The library's EMA over x[from..] with the standard seed, as one loop: the seed is the library's
 * average of the first `period` values (a left-to-right sum over `period`), then the library's
 * recurrence price·k + previous·(1 − k) with k = 2/(period + 1) (its first update, with no previous
 * result, is seed·k + seed·(1 − k)). What SmaSeededEMA does, without a class call per bar.
 */
export function seededEma(x: Float64Array, period: number, from = 0): Float64Array {
  const n = x.length;
  const first = from + period - 1;
  const out = seriesArray(n, first);
  if (n <= first) return out;
  const k = 2 / (period + 1);
  const keep = 1 - k;
  let sum = 0;
  for (let i = from; i <= first; i++) sum += x[i]!;
  const seed = sum / period;
  let prev = seed * k + seed * keep;
  out[first] = prev;
  for (let i = first + 1; i < n; i++) {
    prev = x[i]! * k + prev * keep;
    out[i] = prev;
  }
  return out;
}
