/**
 * Technical indicators over a clean price series, with the arithmetic of `trading-signals` 8
 * (maintained, ESM, typed, streaming). Every series is a Float64Array aligned with the bars; NaN
 * means "not defined yet at this bar" and never leaves this module as a number (see technicals.ts).
 *
 * The library's indicators re-average or rescan their window and allocate on every `update`, and it
 * has no batch path; so each one here is the library's own arithmetic written as a single pass over
 * typed arrays (no per-bar objects, no candle objects): EMA (SMA-seeded), MACD (composed of those
 * EMAs), RSI, ATR and ADX/±DI (Wilder smoothing, SMA-seeded), the Stochastic (Williams %R + 100 over
 * sliding extremes, then the library's 3-bar means), OBV, VWAP, the rolling mean (SMA, the Bollinger middle
 * band) and the Bollinger deviation. ADX has a zero-range guard the library lacks (wilder.ts). Ours,
 * because the library has no such indicator (marked OURS): close-to-close historical volatility, its
 * rank/percentile, and the session anchoring of VWAP. Each is checked against the library's own classes
 * in test/unit/market/library-parity.test.ts, and all against independent references in indicators.test.ts.
 * Speed: bench/technicals.ts (100,000 bars, cleaning included).
 *
 * Load this module lazily (`await import()`): it pulls trading-signals in.
 *
 * @example const r = computeIndicators(series, new Set(['rsi', 'macd']), { timeframe: '1Day', windowStart: 200 });
 *          r.series.get('rsi14') // Float64Array
 */
import { computeHv } from './indicators/volatility.js';
import { type ComputeOptions, type Emit, type IndicatorContext, makeContext } from './indicators/context.js';
import { computeStoch } from './indicators/oscillators.js';
import { INDICATOR_NAMES, type IndicatorName, MIN_BARS, PARAMS } from './indicators/params.js';
import { computeBbands, computeEma, computeMacd, computeSma } from './indicators/trend.js';
import { computeAdx, computeAtr, computeRsi } from './indicators/wilder.js';
import { computeObv, computeVwap } from './indicators/volume.js';
import type { PriceSeries } from './series.js';

export type { ComputeOptions } from './indicators/context.js';
export { INDICATOR_NAMES, type IndicatorName, MIN_BARS, PARAMS } from './indicators/params.js';
export { bollinger, rollingMean } from './indicators/rolling.js';
export { SmaSeededEMA, SmaSeededRMA } from './indicators/smoothing.js';
export { historicalVolatility, percentileOfLast } from './indicators/volatility.js';

/** History to fetch before the analysed window so every value in it is defined (SMA200, a year of HV for its rank). */
export function warmupBars(which: ReadonlySet<IndicatorName>): number {
  let need = 0;
  if (which.has('sma')) need = Math.max(need, Math.max(...PARAMS.sma) - 1);
  if (which.has('ema')) need = Math.max(need, Math.max(...PARAMS.ema) - 1);
  if (which.has('hv')) need = Math.max(need, PARAMS.hv.period + PARAMS.hv.rankWindow - 1);
  for (const name of which) need = Math.max(need, MIN_BARS[name] - 1);
  return need;
}

export interface IndicatorResult {
  /** Named series aligned with the input bars: sma20, ema9, rsi14, macd, macdSignal, macdHist, bbUpper, ... */
  series: Map<string, Float64Array>;
  /** Which series each indicator produced. */
  produced: Record<IndicatorName, string[]>;
}

/** Each indicator family, in output order (the order of INDICATOR_NAMES). */
const FAMILIES: ReadonlyArray<[IndicatorName, (ctx: IndicatorContext, emit: Emit) => void]> = [
  ['sma', computeSma],
  ['ema', computeEma],
  ['rsi', computeRsi],
  ['macd', computeMacd],
  ['bbands', computeBbands],
  ['atr', computeAtr],
  ['adx', computeAdx],
  ['stoch', computeStoch],
  ['obv', computeObv],
  ['vwap', computeVwap],
  ['hv', computeHv],
];

export function computeIndicators(s: PriceSeries, which: ReadonlySet<IndicatorName>, options: ComputeOptions): IndicatorResult {
  const series = new Map<string, Float64Array>();
  const produced = Object.fromEntries(INDICATOR_NAMES.map((k) => [k, [] as string[]])) as Record<IndicatorName, string[]>;
  const ctx = makeContext(s, options);
  for (const [name, compute] of FAMILIES) {
    if (!which.has(name)) continue;
    compute(ctx, (key, values) => {
      series.set(key, values);
      produced[name].push(key);
    });
  }
  return { series, produced };
}
