/** The Stochastic oscillator: the library's Williams %R normalisation over sliding extremes carried bar to bar. */
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { seriesArray, windowMean } from './rolling.js';

/** Index of the highest of x[from..to] (the latest of equals). */
function argMax(x: Float64Array, from: number, to: number): number {
  let at = to;
  for (let j = to - 1; j >= from; j--) if (x[j]! > x[at]!) at = j;
  return at;
}

/** Index of the lowest of x[from..to] (the latest of equals). */
function argMin(x: Float64Array, from: number, to: number): number {
  let at = to;
  for (let j = to - 1; j >= from; j--) if (x[j]! < x[at]!) at = j;
  return at;
}

/**
 * Fast %K over `period` bars: the library's WilliamsR arithmetic, ((HH − close)/(HH − LL))·−100, plus 100
 * (fast %K = %R + 100 by definition, Lane; Williams), and 0 when the window has no range (the library's
 * −100). The window's highest high and lowest low are carried from bar to bar: a new bar at or past the
 * extreme replaces it, and only when the extreme leaves the window is the window scanned again (instead
 * of the library's rescan on every bar; about twice as fast as monotonic deques on a 14-bar window, whose
 * pops are unpredictable branches; O(n·period) only for a series falling or rising bar after bar). A
 * max/min is the same number whichever way it is found.
 */
export function fastStochastic(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  const n = close.length;
  const out = seriesArray(n, period - 1);
  let highAt = -1;
  let lowAt = -1;
  let highest = Number.NEGATIVE_INFINITY;
  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const oldest = i - period + 1;
    const h = high[i]!;
    const l = low[i]!;
    if (highAt < oldest) {
      highAt = argMax(high, oldest, i);
      highest = high[highAt]!;
    } else if (h >= highest) {
      highAt = i;
      highest = h;
    }
    if (lowAt < oldest) {
      lowAt = argMin(low, oldest, i);
      lowest = low[lowAt]!;
    } else if (l <= lowest) {
      lowAt = i;
      lowest = l;
    }
    if (oldest < 0) continue;
    const divisor = highest - lowest;
    out[i] = divisor === 0 ? 0 : ((highest - close[i]!) / divisor) * -100 + 100;
  }
  return out;
}

export function computeStoch({ s, n }: IndicatorContext, emit: Emit): void {
  // %K (slowing) and %D are SMAs of fast %K, as inside the library's StochasticOscillator (here its
  // arithmetic over the 3-bar windows, windowMean). Values match the library's StochasticOscillator (test/unit/market/library-parity.test.ts).
  const { k: kPeriod, kSlowing, d: dPeriod } = PARAMS.stoch;
  const fastK = fastStochastic(s.high, s.low, s.close, kPeriod);
  const k = windowMean(fastK, kSlowing, kPeriod - 1);
  const d = windowMean(k, dPeriod, kPeriod + kSlowing - 2);
  // Like the library, %K is reported together with %D only.
  k.fill(Number.NaN, 0, Math.min(n, kPeriod + kSlowing + dPeriod - 3));
  emit('stochK', k);
  emit('stochD', d);
}
