/** What every indicator family reads: the series, its closes and the shared rolling means. */
import type { Timeframe } from '../../broker/types.js';
import type { PriceSeries } from '../series.js';
import { rollingMean } from './rolling.js';

export interface ComputeOptions {
  timeframe: Timeframe;
  /** Index of the first bar of the analysed window (after warm-up): a daily VWAP is anchored there. */
  windowStart: number;
}

export interface IndicatorContext {
  s: PriceSeries;
  n: number;
  close: Float64Array;
  /** One rolling mean of the closes per period: SMA(20) and the Bollinger middle band are the same series. */
  meanOf: (period: number) => Float64Array;
  options: ComputeOptions;
}

/** Records one output series of the family being computed. */
export type Emit = (key: string, values: Float64Array) => void;

export function makeContext(s: PriceSeries, options: ComputeOptions): IndicatorContext {
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
  return { s, n: s.length, close, meanOf, options };
}
