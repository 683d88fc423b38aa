/** Series allocation and the rolling mean / Bollinger deviation (OURS, for speed only). */

export function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

/** A series of n bars, NaN over its first `undefinedBars` (the rest is written by the caller). */
export function seriesArray(n: number, undefinedBars: number): Float64Array {
  const out = new Float64Array(n);
  if (undefinedBars > 0) out.fill(Number.NaN, 0, Math.min(undefinedBars, n));
  return out;
}

/**
 * OURS, for speed only: the rolling mean over `period` values of x[from..] (the SMA), in O(1) per bar with a
 * Neumaier-compensated running sum. trading-signals 8's SMA re-averages its whole window on every
 * bar (O(period); 270 additions a bar for SMA 20/50/200) and offers no running-sum or batch path.
 * Verified against the library's own SMA in test/unit/market/library-parity.test.ts (and against the
 * independent reference in indicators.test.ts).
 */
export function rollingMean(x: Float64Array, period: number, from = 0): Float64Array {
  const n = x.length;
  const first = from + period - 1;
  const out = seriesArray(n, first);
  let sum = 0;
  let comp = 0; // the low-order bits the running sum has lost
  for (let i = from; i < n; i++) {
    const v = x[i]!;
    let t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
    if (i > first) {
      const w = -x[i - period]!;
      t = sum + w;
      comp += Math.abs(sum) >= Math.abs(w) ? sum - t + w : w - t + sum;
      sum = t;
    }
    if (i >= first) out[i] = (sum + comp) / period;
  }
  return out;
}

/**
 * The library's SMA arithmetic itself, for a short window: out[i] = (x[i − period + 1] + … + x[i]) / period,
 * summed oldest first as its getAverage does (from x[from]; NaN before x[from + period − 1]). O(period)
 * a bar, so for the Stochastic's 3-bar means only, where it is cheaper than rollingMean's compensated
 * running sum and gives the library's own numbers.
 */
export function windowMean(x: Float64Array, period: number, from = 0): Float64Array {
  const n = x.length;
  const first = from + period - 1;
  const out = seriesArray(n, first);
  for (let i = first; i < n; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += x[j]!;
    out[i] = sum / period;
  }
  return out;
}

/**
 * OURS, for speed only: Bollinger Bands over the rolling mean above, with the population standard
 * deviation computed exactly as the library does (two-pass over the window: mean of squared
 * deviations from the middle band; the sum in four partial sums). The library's BollingerBands re-averages the window and
 * allocates two arrays and a result object per bar. Verified against the library's BollingerBands
 * in test/unit/market/library-parity.test.ts.
 */
export function bollinger(x: Float64Array, period: number, multiplier: number, middle: Float64Array): { upper: Float64Array; lower: Float64Array } {
  const n = x.length;
  const upper = seriesArray(n, period - 1);
  const lower = seriesArray(n, period - 1);
  for (let i = period - 1; i < n; i++) {
    const m = middle[i]!;
    const sd = Math.sqrt(sumSquaredDeviations(x, i - period + 1, i, m) / period);
    upper[i] = m + sd * multiplier;
    lower[i] = m - sd * multiplier;
  }
  return { upper, lower };
}

/**
 * Σ (x[j] − m)² over j in [from, to], two-pass style (the mean is given), in four interleaved partial
 * sums: one running sum waits on each addition in turn (the loop is bound by add latency), four do not.
 * The same terms in another order: equal to the plain loop within a few units of the last place.
 */
export function sumSquaredDeviations(x: Float64Array, from: number, to: number, m: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let j = from;
  for (; j + 3 <= to; j += 4) {
    const d0 = x[j]! - m;
    const d1 = x[j + 1]! - m;
    const d2 = x[j + 2]! - m;
    const d3 = x[j + 3]! - m;
    a += d0 * d0;
    b += d1 * d1;
    c += d2 * d2;
    d += d3 * d3;
  }
  for (; j <= to; j++) {
    const e = x[j]! - m;
    a += e * e;
  }
  return a + b + (c + d);
}
