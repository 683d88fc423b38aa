import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../src/broker/types.js';
import { ToolError } from '../../../src/errors.js';
import { cleanSeries } from '../../../src/market/series.js';

const day = (i: number) => new Date(Date.UTC(2025, 0, 6) + i * 86_400_000).toISOString();
const bar = (i: number, c = 100 + i, extra: Partial<Bar> = {}): Bar => ({ t: day(i), o: c, h: c + 1, l: c - 1, c, v: 1000, ...extra });

function codeOf(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ToolError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected a ToolError');
}

describe('cleanSeries', () => {
  it('keeps a clean series as is', () => {
    const { series, quality } = cleanSeries([bar(0), bar(1), bar(2)], '1Day', 'T');
    expect(Array.from(series.close)).toEqual([100, 101, 102]);
    expect(quality).toMatchObject({ received: 3, used: 3, duplicates: 0, reordered: false, droppedCount: 0, gapCount: 0, largestGap: null });
  });

  it('sorts out-of-order bars and keeps the last copy of a repeated timestamp', () => {
    const { series, quality } = cleanSeries([bar(2), bar(0), bar(1), { ...bar(1), c: 555, h: 556 }], '1Day', 'T');
    expect(series.t).toEqual([day(0), day(1), day(2)]);
    expect(Array.from(series.close)).toEqual([100, 555, 102]);
    expect(quality.reordered).toBe(true);
    expect(quality.duplicates).toBe(1);
  });

  it('drops an unparseable timestamp, and sorts and de-duplicates the rest around it and a bad bar', () => {
    const bars = Array.from({ length: 40 }, (_, i) => bar(i));
    bars.reverse();
    bars[5] = { ...bars[5]!, t: 'yesterday' };
    bars.push({ ...bar(3), c: 777, h: 778 }, { ...bar(7), o: -1 });
    const { series, quality } = cleanSeries(bars, '1Day', 'T');
    expect(quality).toMatchObject({ received: 42, reordered: true, duplicates: 2, droppedCount: 2 });
    expect(quality.dropped).toEqual([
      { t: 'yesterday', reason: 'timestamp is not an ISO date' },
      { t: day(7), reason: 'open is -1 (prices must be positive)' },
    ]);
    const kept = Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 34 && i !== 7);
    expect(series.t).toEqual(kept.map((i) => day(i)));
    expect(Array.from(series.ms)).toEqual(kept.map((i) => Date.parse(day(i))));
    expect(series.close[3]).toBe(777);
    expect(series.length).toBe(38);
    expect(series.volume.length).toBe(38);
  });

  it('drops NaN, zero and negative prices, bad volume and inverted ranges, and says why', () => {
    const bars = Array.from({ length: 100 }, (_, i) => bar(i));
    bars[10] = bar(10, Number.NaN);
    bars[20] = { ...bar(20), o: 0 };
    bars[30] = { ...bar(30), v: -5 };
    bars[40] = { ...bar(40), h: 90, l: 110 };
    const { series, quality } = cleanSeries(bars, '1Day', 'T');
    expect(series.length).toBe(96);
    expect(quality.droppedCount).toBe(4);
    expect(quality.dropped.map((d) => d.reason)).toEqual([
      'open is not a finite number',
      'open is 0 (prices must be positive)',
      'volume is negative or not a finite number',
      'high 90 is below low 110',
    ]);
    for (const arr of [series.open, series.high, series.low, series.close, series.volume]) expect(arr.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
  });

  it('refuses a series whose latest bar is bad (INVALID_INPUT)', () => {
    const bars = [bar(0), bar(1), bar(2, 0)];
    const e = codeOf(() => cleanSeries(bars, '1Day', 'T'));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details.reason).toBe('bad_latest_bar');
  });

  it('refuses a series with more than 5% bad bars (INVALID_INPUT)', () => {
    const bars = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? bar(i, Number.POSITIVE_INFINITY) : bar(i)));
    const e = codeOf(() => cleanSeries(bars, '1Day', 'T'));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details).toMatchObject({ reason: 'bad_series', bad: 4, received: 40 });
  });

  it('counts gaps longer than a long weekend, and keeps the bars', () => {
    const bars = [bar(0), bar(1), bar(4), bar(20), bar(21)];
    const { series, quality } = cleanSeries(bars, '1Day', 'T');
    expect(series.length).toBe(5);
    expect(quality.gapCount).toBe(1);
    expect(quality.largestGap).toEqual({ from: day(4), to: day(20), hours: 16 * 24 });
  });
});
