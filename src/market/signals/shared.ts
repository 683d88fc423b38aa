/** What every signal rule shares: the signal shape, the thresholds, small numeric helpers. */
import type { IndicatorName } from '../indicators.js';

export type Direction = 'bullish' | 'bearish' | 'neutral';

export interface Signal {
  id: string;
  indicator: IndicatorName;
  state: string;
  direction: Direction;
  /** The rule that fired, with the values it compared. */
  rule: string;
  values: Record<string, number>;
}

export const RULES = {
  rsiOverbought: 70,
  rsiOversold: 30,
  stochOverbought: 80,
  stochOversold: 20,
  macdCrossLookback: 3,
  maCrossLookback: 5,
  squeezeLookback: 120,
  adxTrending: 25,
  adxNoTrend: 20,
  atrStopMultiple: 2,
  obvLookback: 20,
  hvRankHigh: 80,
  hvRankLow: 20,
} as const;

/** Format a number for a rule line: enough digits to tell the compared values apart. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs !== 0 && abs < 0.01) return x.toPrecision(3);
  if (abs >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  return x.toFixed(digits);
}

export function at(arr: Float64Array | undefined, i: number): number {
  return arr && i >= 0 && i < arr.length ? arr[i]! : Number.NaN;
}
export const ok = (...xs: number[]) => xs.every((x) => Number.isFinite(x));

/** Bars ago (0 = last bar) of the most recent sign change of a − b within `lookback` bars, or -1. */
export function lastCross(a: Float64Array, b: Float64Array, lookback: number): { barsAgo: number; up: boolean } | null {
  const n = a.length;
  for (let k = 0; k < lookback; k++) {
    const i = n - 1 - k;
    const now = at(a, i) - at(b, i);
    const before = at(a, i - 1) - at(b, i - 1);
    if (!ok(now, before)) return null;
    if (now > 0 && before <= 0) return { barsAgo: k, up: true };
    if (now < 0 && before >= 0) return { barsAgo: k, up: false };
  }
  return null;
}

export const ago = (k: number) => (k === 0 ? 'on the last bar' : k === 1 ? '1 bar ago' : `${k} bars ago`);

/** What every rule reads: the closes, the indicator series, and the last bar. */
export interface SignalContext {
  close: Float64Array;
  n: number;
  last: number;
  /** The last close. */
  c: number;
  s: (key: string) => Float64Array | undefined;
}

export type Rule = (ctx: SignalContext, out: Signal[]) => void;
