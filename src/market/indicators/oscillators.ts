/** The Stochastic oscillator: the library's Williams %R normalisation over O(n) sliding extremes. */
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { rollingMean, seriesArray } from './rolling.js';

/**
 * Fast %K over `period` bars: the library's WilliamsR arithmetic, ((HH − close)/(HH − LL))·−100, plus 100
 * (fast %K = %R + 100 by definition, Lane; Williams), and 0 when the window has no range (the library's
 * −100). The window's highest high and lowest low come from monotonic deques of bar indices (each bar
 * enters and leaves each deque once) instead of the library's rescan of the whole window on every bar;
 * a max/min is the same number whichever way it is found.
 */
export function fastStochastic(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  const n = close.length;
  const out = seriesArray(n, period - 1);
  const maxQ = new Int32Array(n);
  const minQ = new Int32Array(n);
  let maxHead = 0;
  let maxTail = 0;
  let minHead = 0;
  let minTail = 0;
  for (let i = 0; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    while (maxTail > maxHead && high[maxQ[maxTail - 1]!]! <= h) maxTail--;
    maxQ[maxTail++] = i;
    while (minTail > minHead && low[minQ[minTail - 1]!]! >= l) minTail--;
    minQ[minTail++] = i;
    if (i < period - 1) continue;
    const oldest = i - period + 1;
    while (maxQ[maxHead]! < oldest) maxHead++;
    while (minQ[minHead]! < oldest) minHead++;
    const highest = high[maxQ[maxHead]!]!;
    const divisor = highest - low[minQ[minHead]!]!;
    out[i] = divisor === 0 ? 0 : ((highest - close[i]!) / divisor) * -100 + 100;
  }
  return out;
}

export function computeStoch({ s, n }: IndicatorContext, emit: Emit): void {
  // %K (slowing) and %D are SMAs of fast %K, as inside the library's StochasticOscillator (here the
  // rolling mean). Values match the library's StochasticOscillator (test/unit/market/library-parity.test.ts).
  const { k: kPeriod, kSlowing, d: dPeriod } = PARAMS.stoch;
  const fastK = fastStochastic(s.high, s.low, s.close, kPeriod);
  const k = rollingMean(fastK, kSlowing, kPeriod - 1);
  const d = rollingMean(k, dPeriod, kPeriod + kSlowing - 2);
  // Like the library, %K is reported together with %D only.
  k.fill(Number.NaN, 0, Math.min(n, kPeriod + kSlowing + dPeriod - 3));
  emit('stochK', k);
  emit('stochD', d);
}
