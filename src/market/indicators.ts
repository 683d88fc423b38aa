/**
 * Technical indicators over a clean price series, computed by `trading-signals` 8 (maintained,
 * ESM, typed, streaming). Every series is a Float64Array aligned with the bars; NaN means "not
 * defined yet at this bar" and never leaves this module as a number (see technicals.ts).
 *
 * From the library: EMA, RSI (Wilder), MACD (composed of its EMAs), ATR (Wilder),
 * Stochastic (via its Williams %R), OBV, VWAP. ADX/+DI/-DI is the library's arithmetic as plain loops
 * with a zero-range guard the library lacks (wilder.ts). Ours, because the library has no such indicator
 * (marked OURS below): close-to-close historical volatility, its rank/percentile, and the session
 * anchoring of VWAP. Ours for speed only, because the library's versions re-average their whole
 * window on every bar and it has no running-sum or batch path: the rolling mean (SMA, the Bollinger
 * middle band, the Stochastic's smoothing) and the Bollinger standard deviation. Every one of those
 * is checked against the library's own output in test/unit/market/library-parity.test.ts, and all
 * indicators against independent references in indicators.test.ts.
 * Speed (bench/technicals.ts, 100,000 bars): no per-bar result objects or spread/map copies, one
 * rolling mean per period shared between SMA(20) and the Bollinger middle band, and outputs written
 * once (no NaN pre-fill beyond each warm-up).
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

const CANDLE_BASED: readonly IndicatorName[] = ['stoch', 'obv', 'vwap'];

export function computeIndicators(s: PriceSeries, which: ReadonlySet<IndicatorName>, options: ComputeOptions): IndicatorResult {
  const series = new Map<string, Float64Array>();
  const produced = Object.fromEntries(INDICATOR_NAMES.map((k) => [k, [] as string[]])) as Record<IndicatorName, string[]>;
  const ctx = makeContext(
    s,
    CANDLE_BASED.some((k) => which.has(k)),
    options,
  );
  for (const [name, compute] of FAMILIES) {
    if (!which.has(name)) continue;
    compute(ctx, (key, values) => {
      series.set(key, values);
      produced[name].push(key);
    });
  }
  return { series, produced };
}
