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
import { isoMs } from './iso-time.js';

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

/**
 * The time order of the bars with a parseable timestamp, one index per distinct timestamp (the last copy
 * of a repeated one: a corrected bar supersedes the first print); the others go to `dropped`. `null`
 * when the bars are already strictly increasing, all parseable (the broker's usual answer), so the
 * caller reads them in place without an index array.
 */
function timeOrder(bars: readonly Bar[], ms: Float64Array, dropped: DroppedBar[]): { order: Int32Array | null; reordered: boolean; duplicates: number } {
  let reordered = false;
  let duplicates = 0;
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < bars.length; i++) {
    const t = bars[i]!.t;
    const m = isoMs(t);
    ms[i] = m;
    if (!Number.isFinite(m)) {
      dropped.push({ t: String(t), reason: 'timestamp is not an ISO date' });
      continue;
    }
    if (m < prev) reordered = true;
    else if (m === prev) duplicates += 1;
    prev = m;
  }
  if (!reordered && !duplicates && !dropped.length) return { order: null, reordered, duplicates };
  const stamped: number[] = [];
  for (let i = 0; i < bars.length; i++) if (Number.isFinite(ms[i]!)) stamped.push(i);
  if (reordered) stamped.sort((x, y) => ms[x]! - ms[y]!); // stable: equal timestamps keep their input order
  const order: number[] = [];
  duplicates = 0;
  for (const i of stamped) {
    if (order.length && ms[order[order.length - 1]!] === ms[i]) {
      order[order.length - 1] = i;
      duplicates += 1;
    } else order.push(i);
  }
  return { order: Int32Array.from(order), reordered, duplicates };
}

function refuseLatest(bar: Bar, reason: string, timeframe: Timeframe, symbol: string): never {
  throw new ToolError(
    'INVALID_INPUT',
    `the latest ${timeframe} bar for ${symbol} (${bar.t}) is unusable: ${reason}; refusing to analyse a series whose last price is unknown`,
    {
      reason: 'bad_latest_bar',
      symbol,
      timeframe,
      bar: bar.t,
      problem: reason,
    },
  );
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

function emptySeries(n: number): PriceSeries {
  return {
    length: n,
    t: new Array<string>(n),
    ms: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

/** The first `n` bars of a series built with room to spare (copies; only when bars were dropped). */
function truncated(s: PriceSeries, n: number): PriceSeries {
  if (n === s.length) return s;
  return {
    length: n,
    t: s.t.slice(0, n),
    ms: s.ms.slice(0, n),
    open: s.open.slice(0, n),
    high: s.high.slice(0, n),
    low: s.low.slice(0, n),
    close: s.close.slice(0, n),
    volume: s.volume.slice(0, n),
  };
}

/** A good bar into row `at` of the struct of arrays. */
function put(out: PriceSeries, at: number, bar: Bar, m: number): void {
  out.t[at] = bar.t;
  out.ms[at] = m;
  out.open[at] = bar.o;
  out.high[at] = bar.h;
  out.low[at] = bar.l;
  out.close[at] = bar.c;
  out.volume[at] = bar.v;
}

/** A bad bar goes to `dropped`; a bad latest bar refuses the series. */
function drop(bar: Bar, latest: boolean, dropped: DroppedBar[], timeframe: Timeframe, symbol: string): void {
  const reason = badReason(bar)!;
  if (latest) refuseLatest(bar, reason, timeframe, symbol);
  dropped.push({ t: bar.t, reason });
}

/**
 * The broker's usual answer in one pass: every timestamp parseable and later than the one before, read
 * and copied together with the bar. `null` (and `dropped` left empty) as soon as one is not: the general
 * path then starts over.
 */
function fillInOrder(bars: readonly Bar[], dropped: DroppedBar[], timeframe: Timeframe, symbol: string): PriceSeries | null {
  const n = bars.length;
  const out = emptySeries(n);
  let used = 0;
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const bar = bars[i]!;
    const m = isoMs(bar.t);
    if (!(m > prev)) {
      dropped.length = 0; // NaN, a repeat or an earlier time: sorting needed
      return null;
    }
    prev = m;
    if (plainlyGood(bar)) put(out, used++, bar, m);
    else drop(bar, i === n - 1, dropped, timeframe, symbol);
  }
  return truncated(out, used);
}

/** The good bars in the given time order (after timeOrder), straight into the struct of arrays. */
function fillSeries(
  bars: readonly Bar[],
  ms: Float64Array,
  order: Int32Array | null,
  dropped: DroppedBar[],
  timeframe: Timeframe,
  symbol: string,
): PriceSeries {
  const count = order ? order.length : bars.length;
  const out = emptySeries(count);
  let used = 0;
  for (let k = 0; k < count; k++) {
    const i = order ? order[k]! : k;
    const bar = bars[i]!;
    if (plainlyGood(bar)) put(out, used++, bar, ms[i]!);
    else drop(bar, k === count - 1, dropped, timeframe, symbol);
  }
  return truncated(out, used);
}

/** The time gaps between consecutive kept bars (a pause longer than the timeframe's threshold), and the largest. */
function gapsOf(s: PriceSeries, timeframe: Timeframe): { gapCount: number; largestGap: DataQuality['largestGap'] } {
  const threshold = GAP_THRESHOLD_MS[timeframe];
  const { ms, t } = s;
  let gapCount = 0;
  let largestGap: DataQuality['largestGap'] = null;
  let largestGapMs = 0;
  for (let k = 1; k < s.length; k++) {
    const gap = ms[k]! - ms[k - 1]!;
    if (!(gap > threshold)) continue;
    gapCount += 1;
    if (gap > largestGapMs) {
      largestGapMs = gap;
      largestGap = { from: t[k - 1]!, to: t[k]!, hours: Math.round(gap / 36e5) };
    }
  }
  return { gapCount, largestGap };
}

/** The general path: read every timestamp, sort and de-duplicate when needed, then check and copy. */
function sortAndFill(
  bars: readonly Bar[],
  dropped: DroppedBar[],
  timeframe: Timeframe,
  symbol: string,
): { series: PriceSeries; reordered: boolean; duplicates: number } {
  const ms = new Float64Array(bars.length);
  const { order, reordered, duplicates } = timeOrder(bars, ms, dropped);
  return { series: fillSeries(bars, ms, order, dropped, timeframe, symbol), reordered, duplicates };
}

/**
 * One pass reading, checking and copying the bars when they come in time order (the broker's usual
 * answer); otherwise one pass to read the timestamps, a sort, and one to check and copy. No per-bar
 * objects either way.
 */
export function cleanSeries(bars: readonly Bar[], timeframe: Timeframe, symbol: string): { series: PriceSeries; quality: DataQuality } {
  const dropped: DroppedBar[] = [];
  const inOrder = fillInOrder(bars, dropped, timeframe, symbol);
  const { series, reordered, duplicates } = inOrder ? { series: inOrder, reordered: false, duplicates: 0 } : sortAndFill(bars, dropped, timeframe, symbol);
  const { gapCount, largestGap } = gapsOf(series, timeframe);
  assertMostlyGood(bars.length, dropped, timeframe, symbol);
  return {
    series,
    quality: {
      received: bars.length,
      used: series.length,
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
