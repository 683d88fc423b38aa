/** The Stochastic oscillator, via the library's Williams %R. */
import { WilliamsR } from 'trading-signals';
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { rollingMean, seriesArray } from './rolling.js';

export function computeStoch({ candles, n }: IndicatorContext, emit: Emit): void {
  // The library's StochasticOscillator finds the window's high and low with Math.max(...candles.map())
  // on every bar. Its WilliamsR computes the same normalisation with a plain loop, and
  // fast %K = %R + 100 by definition (Lane; Williams): both are (close − LL)/(HH − LL) on a 0–100 or
  // −100–0 scale, and both read 0 when the window has no range. %K (slowing) and %D are SMAs, as
  // inside the library's oscillator (here the rolling mean above). Values match the library's
  // StochasticOscillator (test/unit/market/library-parity.test.ts).
  const { k: kPeriod, kSlowing, d: dPeriod } = PARAMS.stoch;
  const fastK = seriesArray(n, kPeriod - 1);
  const willR = new WilliamsR(kPeriod);
  for (let i = 0; i < n; i++) {
    const r = willR.update(candles[i]!, false);
    if (r !== null) fastK[i] = r + 100;
  }
  const k = rollingMean(fastK, kSlowing, kPeriod - 1);
  const d = rollingMean(k, dPeriod, kPeriod + kSlowing - 2);
  // Like the library, %K is reported together with %D only.
  k.fill(Number.NaN, 0, Math.min(n, kPeriod + kSlowing + dPeriod - 3));
  emit('stochK', k);
  emit('stochD', d);
}
