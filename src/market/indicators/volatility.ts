/** Close-to-close historical volatility, its rank and percentile (OURS: the library has none). */
import { PERIODS_PER_YEAR } from '../series.js';
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { nanArray, rollingMean, seriesArray } from './rolling.js';

/**
 * OURS (trading-signals has no close-to-close volatility): annualised sample standard deviation of
 * log returns over `period` returns, and its rank within the trailing `rankWindow` HV values,
 * IV-rank style: 100 × (hv − min) / (max − min). Rolling min/max by monotonic deques (O(n)).
 */
export function historicalVolatility(
  close: Float64Array,
  period: number,
  periodsPerYear: number,
  rankWindow: number,
  minObservations: number,
): { hv: Float64Array; rank: Float64Array } {
  const n = close.length;
  const hv = seriesArray(n, period);
  const rank = nanArray(n);
  const ret = new Float64Array(n);
  for (let i = 1; i < n; i++) ret[i] = Math.log(close[i]! / close[i - 1]!);
  const annualise = Math.sqrt(periodsPerYear);
  const means = rollingMean(ret, period, 1); // mean of ret[i - period + 1 .. i]
  for (let i = period; i < n; i++) {
    const mean = means[i]!;
    let sq = 0;
    for (let j = i - period + 1; j <= i; j++) {
      const d = ret[j]! - mean;
      sq += d * d;
    }
    hv[i] = Math.sqrt(sq / (period - 1)) * annualise;
  }
  // Deques of indices into hv, over the window (i - rankWindow, i].
  const maxQ = new Int32Array(n);
  const minQ = new Int32Array(n);
  let maxHead = 0;
  let maxTail = 0;
  let minHead = 0;
  let minTail = 0;
  for (let i = period; i < n; i++) {
    const x = hv[i]!;
    while (maxTail > maxHead && hv[maxQ[maxTail - 1]!]! <= x) maxTail--;
    maxQ[maxTail++] = i;
    while (minTail > minHead && hv[minQ[minTail - 1]!]! >= x) minTail--;
    minQ[minTail++] = i;
    const oldest = i - rankWindow + 1;
    while (maxQ[maxHead]! < oldest) maxHead++;
    while (minQ[minHead]! < oldest) minHead++;
    const observations = i - Math.max(oldest, period) + 1;
    if (observations < minObservations) continue;
    const hi = hv[maxQ[maxHead]!]!;
    const lo = hv[minQ[minHead]!]!;
    if (hi > lo) rank[i] = (100 * (x - lo)) / (hi - lo); // a flat history has no rank
  }
  return { hv, rank };
}

/** OURS: share (0–100) of the trailing `window` defined values strictly below the latest one. */
export function percentileOfLast(values: Float64Array, window: number): { percentile: number; observations: number } | null {
  const last = values[values.length - 1];
  if (last === undefined || Number.isNaN(last)) return null;
  let below = 0;
  let count = 0;
  for (let i = Math.max(0, values.length - window); i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    count += 1;
    if (v < last) below += 1;
  }
  return { percentile: (100 * below) / count, observations: count };
}

export function computeHv({ close, options }: IndicatorContext, emit: Emit): void {
  const { hv, rank } = historicalVolatility(close, PARAMS.hv.period, PERIODS_PER_YEAR[options.timeframe], PARAMS.hv.rankWindow, PARAMS.hv.minRankObservations);
  emit(`hv${PARAMS.hv.period}`, hv);
  emit('hvRank', rank);
}
