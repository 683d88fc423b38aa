/**
 * Price series hygiene for technical analysis: turns broker bars into a clean, time-ordered
 * struct of arrays, and says exactly what it dropped and why. Pure; no I/O.
 *
 * Documented handling (get_technicals reports all of it under `dataQuality`):
 * - out-of-order bars are sorted; bars repeating a timestamp keep the last copy (counted);
 * - a bar with a non-finite or non-positive open/high/low/close, a negative or non-finite
 *   volume, or high < low, is dropped and listed with its reason;
 * - a series with more than 5% bad bars, or whose latest bar is bad, is refused (INVALID_INPUT):
 *   analysis of a broken feed would be misleading;
 * - time gaps (a pause much longer than the timeframe's usual spacing) are counted and kept:
 *   indicators are bar-based, as every charting package computes them.
 *
 * @example const series = cleanSeries(bars, '1Day'); series.close[series.length - 1]
 */
import type { Bar, Timeframe } from '../broker/types.js';
import { ToolError } from '../errors.js';

export interface PriceSeries {
  readonly length: number;
  readonly t: string[];
  readonly ms: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface DroppedBar {
  t: string;
  reason: string;
}

export interface DataQuality {
  received: number;
  used: number;
  duplicates: number;
  reordered: boolean;
  dropped: DroppedBar[];
  droppedCount: number;
  gapCount: number;
  largestGap: { from: string; to: string; hours: number } | null;
}

/** Bars per year, for annualising volatility: 252 sessions of 6.5 regular hours. */
export const PERIODS_PER_YEAR: Record<Timeframe, number> = {
  '1Min': 252 * 390,
  '5Min': 252 * 78,
  '15Min': 252 * 26,
  '1Hour': 252 * 7,
  '1Day': 252,
};

/** Expected spacing between bars, and how long a pause counts as a gap (nights, weekends, holidays are not gaps). */
const GAP_THRESHOLD_MS: Record<Timeframe, number> = {
  '1Min': 4 * 86_400_000, // intraday: only a pause spanning more than a long weekend
  '5Min': 4 * 86_400_000,
  '15Min': 4 * 86_400_000,
  '1Hour': 4 * 86_400_000,
  '1Day': 5 * 86_400_000, // a normal long weekend is 4 calendar days between sessions
};

export const MAX_BAD_SHARE = 0.05;

/** Every price finite and positive, volume finite and non-negative, high >= low (NaN fails every comparison). */
function plainlyGood(b: Bar): boolean {
  const { o, h, l, c, v } = b;
  if (typeof o !== 'number' || typeof h !== 'number' || typeof l !== 'number' || typeof c !== 'number' || typeof v !== 'number') return false;
  return o > 0 && h > 0 && l > 0 && c > 0 && v >= 0 && h >= l && o < Infinity && h < Infinity && l < Infinity && c < Infinity && v < Infinity;
}

function badReason(b: Bar): string | null {
  if (plainlyGood(b)) return null; // the common case, without the per-bar list below
  const prices: Array<[string, unknown]> = [
    ['open', b.o],
    ['high', b.h],
    ['low', b.l],
    ['close', b.c],
  ];
  for (const [name, p] of prices) {
    if (typeof p !== 'number' || !Number.isFinite(p)) return `${name} is not a finite number`;
    if (p <= 0) return `${name} is ${p} (prices must be positive)`;
  }
  if (typeof b.v !== 'number' || !Number.isFinite(b.v) || b.v < 0) return 'volume is negative or not a finite number';
  if (b.h < b.l) return `high ${b.h} is below low ${b.l}`;
  return null;
}

type Stamped = { bar: Bar; ms: number };

/** Bars with a parseable timestamp, in time order; the others go to `dropped`. */
function stampBars(bars: readonly Bar[], dropped: DroppedBar[]): { stamped: Stamped[]; reordered: boolean } {
  const stamped: Stamped[] = [];
  let reordered = false;
  for (const bar of bars) {
    const ms = Date.parse(bar.t);
    if (!Number.isFinite(ms)) {
      dropped.push({ t: String(bar.t), reason: 'timestamp is not an ISO date' });
      continue;
    }
    if (stamped.length && ms < stamped[stamped.length - 1]!.ms) reordered = true;
    stamped.push({ bar, ms });
  }
  if (reordered) stamped.sort((a, b) => a.ms - b.ms);
  return { stamped, reordered };
}

/** Keep the last copy of a repeated timestamp (a corrected bar supersedes the first print). */
function dedupe(stamped: Stamped[]): { unique: Stamped[]; duplicates: number } {
  const unique: Stamped[] = [];
  let duplicates = 0;
  for (const s of stamped) {
    const last = unique[unique.length - 1];
    if (last && last.ms === s.ms) {
      unique[unique.length - 1] = s;
      duplicates += 1;
    } else unique.push(s);
  }
  return { unique, duplicates };
}

/** The usable bars; a bad one goes to `dropped`, and a bad latest bar refuses the series. */
function keepGood(unique: Stamped[], dropped: DroppedBar[], timeframe: Timeframe, symbol: string): Stamped[] {
  const good: Stamped[] = [];
  for (const [i, s] of unique.entries()) {
    const reason = badReason(s.bar);
    if (reason === null) {
      good.push(s);
      continue;
    }
    if (i === unique.length - 1) {
      throw new ToolError(
        'INVALID_INPUT',
        `the latest ${timeframe} bar for ${symbol} (${s.bar.t}) is unusable: ${reason}; refusing to analyse a series whose last price is unknown`,
        {
          reason: 'bad_latest_bar',
          symbol,
          timeframe,
          bar: s.bar.t,
          problem: reason,
        },
      );
    }
    dropped.push({ t: s.bar.t, reason });
  }
  return good;
}

function assertMostlyGood(received: number, dropped: DroppedBar[], timeframe: Timeframe, symbol: string): void {
  if (received > 0 && dropped.length / received > MAX_BAD_SHARE) {
    throw new ToolError(
      'INVALID_INPUT',
      `${dropped.length} of ${received} ${timeframe} bars for ${symbol} are unusable (NaN, zero or negative prices, bad timestamps); more than ${MAX_BAD_SHARE * 100}% bad data, refusing to analyse`,
      {
        reason: 'bad_series',
        symbol,
        timeframe,
        bad: dropped.length,
        received,
        examples: dropped.slice(0, 5),
      },
    );
  }
}

/** The struct of arrays over the good bars, with the time gaps it contains. */
function toSeries(good: Stamped[], timeframe: Timeframe): { series: PriceSeries; gapCount: number; largestGap: DataQuality['largestGap'] } {
  const n = good.length;
  const series: PriceSeries = {
    length: n,
    t: new Array<string>(n),
    ms: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let gapCount = 0;
  let largestGap: DataQuality['largestGap'] = null;
  let largestGapMs = 0;
  const threshold = GAP_THRESHOLD_MS[timeframe];
  for (let i = 0; i < n; i++) {
    const { bar, ms } = good[i]!;
    series.t[i] = bar.t;
    series.ms[i] = ms;
    series.open[i] = bar.o;
    series.high[i] = bar.h;
    series.low[i] = bar.l;
    series.close[i] = bar.c;
    series.volume[i] = bar.v;
    if (i > 0) {
      const gap = ms - series.ms[i - 1]!;
      if (gap > threshold) {
        gapCount += 1;
        if (gap > largestGapMs) {
          largestGapMs = gap;
          largestGap = { from: series.t[i - 1]!, to: bar.t, hours: Math.round(gap / 36e5) };
        }
      }
    }
  }
  return { series, gapCount, largestGap };
}

export function cleanSeries(bars: readonly Bar[], timeframe: Timeframe, symbol: string): { series: PriceSeries; quality: DataQuality } {
  const dropped: DroppedBar[] = [];
  const { stamped, reordered } = stampBars(bars, dropped);
  const { unique, duplicates } = dedupe(stamped);
  const good = keepGood(unique, dropped, timeframe, symbol);
  assertMostlyGood(bars.length, dropped, timeframe, symbol);
  const { series, gapCount, largestGap } = toSeries(good, timeframe);
  return {
    series,
    quality: {
      received: bars.length,
      used: good.length,
      duplicates,
      reordered,
      dropped: dropped.slice(0, 10),
      droppedCount: dropped.length,
      gapCount,
      largestGap,
    },
  };
}

/** The last `count` bars of a series (a view over new arrays; the input is left untouched). */
export function tailSeries(s: PriceSeries, count: number): PriceSeries {
  const from = Math.max(0, s.length - count);
  return {
    length: s.length - from,
    t: s.t.slice(from),
    ms: s.ms.slice(from),
    open: s.open.slice(from),
    high: s.high.slice(from),
    low: s.low.slice(from),
    close: s.close.slice(from),
    volume: s.volume.slice(from),
  };
}
