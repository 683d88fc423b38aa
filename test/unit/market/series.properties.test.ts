/**
 * The one-pass cleanSeries gives exactly what the cleaning gave before it (a verbatim copy of the old
 * code, below, is the reference; its `isoMs` is written as `Date.parse`, which it equals:
 * iso-time.test.ts) on random series with time gaps, repeated timestamps, out-of-order bars, flat
 * stretches, bad bars, unparseable and other-shaped timestamps: the same series and data quality, or
 * the same refusal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar, Timeframe } from '../../../src/broker/types.js';
import { ToolError } from '../../../src/errors.js';
import { cleanSeries, type DataQuality, type DroppedBar, type PriceSeries } from '../../../src/market/series.js';

const TIMEFRAMES: Timeframe[] = ['1Min', '5Min', '15Min', '1Hour', '1Day'];

/** One generated bar: how far its time moves from the previous one, how it is written, and its prices. */
const step = fc.record({
  move: fc.oneof(
    { weight: 20, arbitrary: fc.constant(300_000) }, // the usual 5 minutes
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 10 * 86_400_000 }) }, // any pause, gaps included
    { weight: 1, arbitrary: fc.constantFrom(4 * 86_400_000, 5 * 86_400_000) }, // exactly a gap threshold
    { weight: 2, arbitrary: fc.constant(0) }, // a repeated timestamp
    { weight: 2, arbitrary: fc.integer({ min: -3 * 86_400_000, max: -1 }) }, // out of order
  ),
  shape: fc.oneof(
    { weight: 20, arbitrary: fc.constant('millis' as const) },
    { weight: 5, arbitrary: fc.constant('seconds' as const) },
    { weight: 1, arbitrary: fc.constant('offset' as const) },
  ),
  flat: fc.boolean(),
  change: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
  /** Below the series' bad-bar rate, the bar is broken this way. */
  u: fc.integer({ min: 0, max: 999 }).map((k) => k / 1000),
  bad: fc.constantFrom('timestamp', 'nan', 'zero', 'negative', 'inverted', 'infinite', 'volume', 'string'),
});

/** The share of bad bars in a series: none, a few (kept, dropped), too many (refused). */
const badRate = fc.constantFrom(0, 0.02, 0.04, 0.3);

function stamp(ms: number, shape: 'millis' | 'seconds' | 'offset'): string {
  const iso = new Date(ms).toISOString();
  if (shape === 'seconds') return `${iso.slice(0, 19)}Z`;
  if (shape === 'offset') return `${iso.slice(0, 19)}+00:00`;
  return iso;
}

function barsOf(start: number, steps: fc.infer<typeof step>[], rate: number): Bar[] {
  let ms = start;
  let price = 100;
  return steps.map((s) => {
    ms += s.move;
    if (!s.flat) price *= 1 + s.change;
    const bad = s.u < rate ? s.bad : null;
    const bar: Bar = {
      t: bad === 'timestamp' ? 'not a timestamp' : stamp(ms, s.shape),
      o: price,
      h: s.flat ? price : price * 1.01,
      l: s.flat ? price : price * 0.99,
      c: price,
      v: s.flat ? 0 : 1000,
    };
    if (bad === 'nan') bar.c = Number.NaN;
    if (bad === 'zero') bar.o = 0;
    if (bad === 'negative') bar.l = -1;
    if (bad === 'inverted') bar.h = bar.l * 0.9;
    if (bad === 'infinite') bar.h = Number.POSITIVE_INFINITY;
    if (bad === 'volume') bar.v = -5;
    if (bad === 'string') (bar as unknown as Record<string, unknown>).o = String(price);
    return bar;
  });
}

/** The result, or the refusal as plain data. */
function outcome(run: () => { series: PriceSeries; quality: DataQuality }): unknown {
  try {
    return run();
  } catch (err) {
    if (err instanceof ToolError) return { refused: err.code, message: err.message, details: err.details };
    throw err;
  }
}

describe('cleanSeries (one pass) = the cleaning before it', () => {
  it('same series, data quality or refusal on random series with gaps, repeats, disorder, flat stretches and bad bars', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.array(step, { maxLength: 120, size: 'max' }),
        badRate,
        fc.constantFrom(...TIMEFRAMES),
        (start, steps, rate, timeframe) => {
          const bars = barsOf(start, steps, rate);
          const before = outcome(() => referenceCleanSeries(bars, timeframe, 'T'));
          const after = outcome(() => cleanSeries(bars, timeframe, 'T'));
          expect(after).toEqual(before);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('the generator reaches every path: in order, reordered, repeated, dropped, refused, gaps', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.array(step, { maxLength: 120, size: 'max' }),
        badRate,
        (start, steps, rate) => {
          const r = outcome(() => cleanSeries(barsOf(start, steps, rate), '5Min', 'T')) as { quality?: DataQuality; refused?: string };
          if (r.refused) seen.add('refused');
          else {
            const q = r.quality!;
            seen.add(q.reordered ? 'reordered' : 'in order');
            if (q.duplicates) seen.add('repeated');
            if (q.droppedCount) seen.add('dropped');
            if (q.gapCount) seen.add('gaps');
          }
        },
      ),
      { numRuns: 500 },
    );
    expect([...seen].sort()).toEqual(['dropped', 'gaps', 'in order', 'refused', 'reordered', 'repeated']);
  });
});

// ---- the reference: the old cleaning, verbatim (src/market/series.ts before the one-pass rewrite) ----

/** Expected spacing between bars, and how long a pause counts as a gap (nights, weekends, holidays are not gaps). */
const GAP_THRESHOLD_MS: Record<Timeframe, number> = {
  '1Min': 4 * 86_400_000, // intraday: only a pause spanning more than a long weekend
  '5Min': 4 * 86_400_000,
  '15Min': 4 * 86_400_000,
  '1Hour': 4 * 86_400_000,
  '1Day': 5 * 86_400_000, // a normal long weekend is 4 calendar days between sessions
};

const MAX_BAD_SHARE = 0.05;

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
    const m = Date.parse(t);
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
function truncatedRef(s: PriceSeries, n: number): PriceSeries {
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

/**
 * The good bars, in time order, straight into the struct of arrays, with the time gaps they contain; a
 * bad bar goes to `dropped`, and a bad latest bar refuses the series.
 */
function fillSeries(
  bars: readonly Bar[],
  ms: Float64Array,
  order: Int32Array | null,
  dropped: DroppedBar[],
  timeframe: Timeframe,
  symbol: string,
): { series: PriceSeries; gapCount: number; largestGap: DataQuality['largestGap'] } {
  const count = order ? order.length : bars.length;
  const out = emptySeries(count);
  const threshold = GAP_THRESHOLD_MS[timeframe];
  let used = 0;
  let gapCount = 0;
  let largestGap: DataQuality['largestGap'] = null;
  let largestGapMs = 0;
  for (let k = 0; k < count; k++) {
    const i = order ? order[k]! : k;
    const bar = bars[i]!;
    if (!plainlyGood(bar)) {
      const reason = badReason(bar)!;
      if (k === count - 1) refuseLatest(bar, reason, timeframe, symbol);
      dropped.push({ t: bar.t, reason });
      continue;
    }
    const m = ms[i]!;
    if (used > 0) {
      const gap = m - out.ms[used - 1]!;
      if (gap > threshold) {
        gapCount += 1;
        if (gap > largestGapMs) {
          largestGapMs = gap;
          largestGap = { from: out.t[used - 1]!, to: bar.t, hours: Math.round(gap / 36e5) };
        }
      }
    }
    out.t[used] = bar.t;
    out.ms[used] = m;
    out.open[used] = bar.o;
    out.high[used] = bar.h;
    out.low[used] = bar.l;
    out.close[used] = bar.c;
    out.volume[used] = bar.v;
    used += 1;
  }
  return { series: truncatedRef(out, used), gapCount, largestGap };
}

/**
 * One pass to read the timestamps, one to check and copy the bars: no per-bar objects, and no
 * intermediate arrays unless the bars need sorting, de-duplicating or dropping.
 */
function referenceCleanSeries(bars: readonly Bar[], timeframe: Timeframe, symbol: string): { series: PriceSeries; quality: DataQuality } {
  const dropped: DroppedBar[] = [];
  const ms = new Float64Array(bars.length);
  const { order, reordered, duplicates } = timeOrder(bars, ms, dropped);
  const { series, gapCount, largestGap } = fillSeries(bars, ms, order, dropped, timeframe, symbol);
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
