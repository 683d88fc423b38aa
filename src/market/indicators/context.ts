/** What every indicator family reads: the series, its closes, its library candles and the shared rolling means. */
import type { Timeframe } from '../../broker/types.js';
import type { PriceSeries } from '../series.js';
import { rollingMean } from './rolling.js';

export interface ComputeOptions {
  timeframe: Timeframe;
  /** Index of the first bar of the analysed window (after warm-up): a daily VWAP is anchored there. */
  windowStart: number;
}

export type Candle = { open: number; high: number; low: number; close: number; volume: number };

export interface IndicatorContext {
  s: PriceSeries;
  n: number;
  close: Float64Array;
  /** The library's candle objects (empty unless a candle-based indicator was asked for). */
  candles: Candle[];
  /** One rolling mean of the closes per period: SMA(20) and the Bollinger middle band are the same series. */
  meanOf: (period: number) => Float64Array;
  options: ComputeOptions;
}

/** Records one output series of the family being computed. */
export type Emit = (key: string, values: Float64Array) => void;

const CANDLES = new WeakMap<PriceSeries, Candle[]>();
/** The library's candle objects for a series, built once per series. */
export function candlesOf(s: PriceSeries): Candle[] {
  let candles = CANDLES.get(s);
  if (!candles) {
    candles = new Array<Candle>(s.length);
    for (let i = 0; i < s.length; i++) candles[i] = { open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
    CANDLES.set(s, candles);
  }
  return candles;
}

export function makeContext(s: PriceSeries, needsCandles: boolean, options: ComputeOptions): IndicatorContext {
  const { close } = s;
  const means = new Map<number, Float64Array>();
  const meanOf = (p: number) => {
    let m = means.get(p);
    if (!m) {
      m = rollingMean(close, p);
      means.set(p, m);
    }
    return m;
  };
  return { s, n: s.length, close, candles: needsCandles ? candlesOf(s) : [], meanOf, options };
}
