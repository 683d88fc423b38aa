/** Close-to-close historical volatility, its rank and percentile (OURS: the library has none). */
import { PERIODS_PER_YEAR } from '../series.js';
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { nanArray, rollingMean, seriesArray, sumSquaredDeviations } from './rolling.js';

/**
 * OURS (trading-signals has no close-to-close volatility): annualised sample standard deviation of
 * log returns over `period` returns, and its rank within the trailing `rankWindow` HV values,
 * IV-rank style: 100 × (hv − min) / (max − min). Rolling min/max in O(n) (rankInWindow).
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
    hv[i] = Math.sqrt(sumSquaredDeviations(ret, i - period + 1, i, means[i]!) / (period - 1)) * annualise;
  }
  // ret and means are spent: their memory holds the block extremes of the rank's window.
  rankInWindow(hv, period, rankWindow, minObservations, rank, ret, means);
  return { hv, rank };
}

/**
 * rank[i] = 100 × (v[i] − min)/(max − min) over the trailing `window` values v[max(from, i − window + 1)..i]
 * (left NaN with fewer than `minObservations` of them, or no range). The window's extremes by van
 * Herk–Gil-Werman: v[from..] is cut into blocks of `window`; a window is the tail of one block (its
 * suffix extreme, precomputed into `sufMax`/`sufMin`) plus the head of the next (a running extreme):
 * three comparisons a value and no unpredictable branches, where monotonic deques pop. The extremes are
 * the same numbers whichever way they are found.
 */
function rankInWindow(
  v: Float64Array,
  from: number,
  window: number,
  minObservations: number,
  rank: Float64Array,
  sufMax: Float64Array,
  sufMin: Float64Array,
): void {
  const n = v.length;
  for (let start = from; start < n; start += window) {
    const end = Math.min(start + window, n) - 1;
    let hi = v[end]!;
    let lo = hi;
    sufMax[end] = hi;
    sufMin[end] = lo;
    for (let j = end - 1; j >= start; j--) {
      const x = v[j]!;
      if (x > hi) hi = x;
      if (x < lo) lo = x;
      sufMax[j] = hi;
      sufMin[j] = lo;
    }
  }
  let blockStart = from;
  let headMax = Number.NEGATIVE_INFINITY;
  let headMin = Number.POSITIVE_INFINITY;
  for (let i = from; i < n; i++) {
    if (i === blockStart + window) {
      blockStart = i;
      headMax = Number.NEGATIVE_INFINITY;
      headMin = Number.POSITIVE_INFINITY;
    }
    const x = v[i]!;
    if (x > headMax) headMax = x;
    if (x < headMin) headMin = x;
    const oldest = i - window + 1;
    if (i - Math.max(oldest, from) + 1 < minObservations) continue;
    let hi = headMax;
    let lo = headMin;
    if (oldest >= from && oldest < blockStart) {
      // The window reaches back into the previous block: its tail from `oldest`.
      if (sufMax[oldest]! > hi) hi = sufMax[oldest]!;
      if (sufMin[oldest]! < lo) lo = sufMin[oldest]!;
    }
    if (hi > lo) rank[i] = (100 * (x - lo)) / (hi - lo); // a flat history has no rank
  }
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
