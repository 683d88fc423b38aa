/**
 * Indicator values against INDEPENDENT references: Wilder's published RSI worked example, hand
 * arithmetic, and the naive textbook implementations in reference.ts (no shared code with the library).
 */
import { describe, expect, it } from 'vitest';
import {
  computeIndicators,
  historicalVolatility,
  INDICATOR_NAMES,
  MIN_BARS,
  percentileOfLast,
  warmupBars,
  type IndicatorName,
} from '../../../src/market/indicators.js';
import { cleanSeries, PERIODS_PER_YEAR, type PriceSeries } from '../../../src/market/series.js';
import { INDICATOR_CHOICES } from '../../../src/market/technicals-schema.js';
import type { Bar } from '../../../src/broker/types.js';
import { refAdx, refAtr, refBollinger, refEma, refHv, refMacd, refObv, refRsi, refSma, refStochastic, refVwap, walk, type Ohlcv } from './reference.js';

function seriesOf(b: Ohlcv & { t?: string[] }): PriceSeries {
  const bars: Bar[] = b.c.map((c, i) => ({
    t: b.t?.[i] ?? new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString(),
    o: b.o[i]!,
    h: b.h[i]!,
    l: b.l[i]!,
    c,
    v: b.v[i]!,
  }));
  return cleanSeries(bars, '1Day', 'TEST').series;
}
const closesOnly = (c: number[]): Ohlcv => ({ o: c, h: c, l: c, c, v: c.map(() => 1000) });
const all = (names: IndicatorName[]) => new Set(names);

/** Every defined reference value is matched within `tol` (relative to max(1, |ref|)), and both agree on where values exist. */
function expectSeriesClose(actual: Float64Array | undefined, expected: number[], tol: number, from = 0): void {
  expect(actual, 'series missing').toBeDefined();
  let compared = 0;
  for (let i = from; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual![i]!;
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `index ${i}: expected undefined, got ${a}`).toBe(true);
      continue;
    }
    expect(Math.abs(a - e) / Math.max(1, Math.abs(e)), `index ${i}: ${a} vs reference ${e}`).toBeLessThan(tol);
    compared += 1;
  }
  expect(compared).toBeGreaterThan(0);
}

describe('RSI against Wilder’s worked example (as tabulated by StockCharts)', () => {
  // The classic 14-day example. StockCharts' table prints 70.53, 66.32, 66.55, 69.41, 66.36, 57.97 because it
  // rounds the averages to 2 places; from the raw changes the first value is exact arithmetic:
  // gains sum 3.34, losses sum 1.40 over the first 14 changes → RS = 3.34/1.40 → 70.4641.
  const closes = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41, 46.22, 45.64];
  const rsi = computeIndicators(seriesOf(closesOnly(closes)), all(['rsi']), { timeframe: '1Day', windowStart: 0 }).series.get('rsi14')!;

  it('is undefined for the first 14 closes and exact on the 15th', () => {
    for (let i = 0; i < 14; i++) expect(Number.isNaN(rsi[i]!)).toBe(true);
    expect(rsi[14]!).toBeCloseTo(100 - 100 / (1 + 3.34 / 1.4), 4);
    expect(rsi[14]!).toBeCloseTo(70.4641, 3);
  });

  it('tracks the published table within its rounding', () => {
    const published = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97];
    for (const [k, p] of published.entries()) expect(Math.abs(rsi[14 + k]! - p), `day ${15 + k}`).toBeLessThan(0.15);
  });

  it('is 100 on a steady rise and 0 on a steady fall', () => {
    const up = Array.from({ length: 30 }, (_, i) => 10 + i);
    const r1 = computeIndicators(seriesOf(closesOnly(up)), all(['rsi']), { timeframe: '1Day', windowStart: 0 }).series.get('rsi14')!;
    const r2 = computeIndicators(seriesOf(closesOnly([...up].reverse())), all(['rsi']), { timeframe: '1Day', windowStart: 0 }).series.get('rsi14')!;
    expect(r1[29]).toBe(100);
    expect(r2[29]).toBe(0);
  });
});

describe('hand-checked small cases', () => {
  it('EMA(3) of 1..6 is seeded with the SMA (2) and then smooths with k = 0.5', () => {
    // Not the library's default (it seeds with the first price): our SmaSeededEMA gives the standard seed.
    const s = seriesOf(closesOnly([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]));
    const r = computeIndicators(s, all(['ema']), { timeframe: '1Day', windowStart: 0 }).series.get('ema9')!;
    expect(Number.isNaN(r[7]!)).toBe(true);
    expect(r[8]).toBeCloseTo(5, 12); // mean(1..9)
    expect(r[9]).toBeCloseTo(0.2 * 10 + 0.8 * 5, 12); // k = 2/(9+1)
  });

  it('OBV adds the volume of up days and subtracts that of down days', () => {
    const b: Ohlcv = {
      o: [10, 11, 10.5, 10.5, 12],
      h: [10, 11, 10.5, 10.5, 12],
      l: [10, 11, 10.5, 10.5, 12],
      c: [10, 11, 10.5, 10.5, 12],
      v: [100, 200, 50, 70, 300],
    };
    const r = computeIndicators(seriesOf(b), all(['obv']), { timeframe: '1Day', windowStart: 0 }).series.get('obv')!;
    expect(Array.from(r)).toEqual([0, 200, 150, 150, 450]);
  });

  it('VWAP on daily bars is anchored at the window start and weights the typical price by volume', () => {
    const b: Ohlcv = { o: [1, 10, 12], h: [1, 12, 13], l: [1, 9, 11], c: [1, 11, 12], v: [5, 100, 300] };
    const r = computeIndicators(seriesOf(b), all(['vwap']), { timeframe: '1Day', windowStart: 1 }).series.get('vwap')!;
    expect(Number.isNaN(r[0]!)).toBe(true);
    expect(r[1]).toBeCloseTo(32 / 3, 12);
    expect(r[2]).toBeCloseTo(((32 / 3) * 100 + 12 * 300) / 400, 12);
  });

  it('intraday VWAP restarts with each US session', () => {
    const t = ['2026-03-09T13:30:00Z', '2026-03-09T19:55:00Z', '2026-03-10T13:30:00Z', '2026-03-10T13:35:00Z'];
    const bars: Bar[] = t.map((ts, i) => ({ t: ts, o: 10 + i, h: 10 + i, l: 10 + i, c: 10 + i, v: 100 }));
    const s = cleanSeries(bars, '5Min', 'TEST').series;
    const r = computeIndicators(s, all(['vwap']), { timeframe: '5Min', windowStart: 0 }).series.get('vwap')!;
    expect(Array.from(r)).toEqual([10, 10.5, 12, 12.5]);
  });

  it('HV of a series alternating ±1% has the closed-form value', () => {
    const c = [100];
    for (let i = 1; i <= 40; i++) c.push(c[i - 1]! * (i % 2 ? 1.01 : 1 / 1.01));
    const { hv } = historicalVolatility(Float64Array.from(c), 20, 252, 252, 20);
    // 20 returns, ten of +ln1.01 and ten of −ln1.01: mean 0, sample variance 20·ln²(1.01)/19.
    expect(hv[40]).toBeCloseTo(Math.sqrt((20 * Math.log(1.01) ** 2) / 19) * Math.sqrt(252), 12);
  });

  it('HV rank is 100 at a new high, 0 at a new low, and the percentile counts what lies below', () => {
    const hv = Float64Array.from([NaN, 0.1, 0.3, 0.2, 0.4]);
    expect(percentileOfLast(hv, 252)).toEqual({ percentile: 75, observations: 4 });
    const quiet = Array.from({ length: 60 }, (_, i) => 100 * (1 + 0.001 * Math.sin(i)));
    const wild = [...quiet, ...Array.from({ length: 25 }, (_, i) => 100 * (1 + (i % 2 ? 0.05 : -0.05)))];
    const { rank } = historicalVolatility(Float64Array.from(wild), 20, 252, 252, 20);
    expect(rank[wild.length - 1]).toBeCloseTo(100, 6);
  });
});

describe('every indicator against the textbook implementations (600-bar random walk)', () => {
  const b = walk(600);
  const s = seriesOf(b);
  const r = computeIndicators(s, new Set(INDICATOR_NAMES), { timeframe: '1Day', windowStart: 100 });
  const get = (k: string) => r.series.get(k);
  const EXACT = 1e-9;

  it('SMA 20/50/200', () => {
    for (const p of [20, 50, 200]) expectSeriesClose(get(`sma${p}`), refSma(b.c, p), EXACT);
  });
  it('EMA 9/21/50/200 (SMA-seeded)', () => {
    for (const p of [9, 21, 50, 200]) expectSeriesClose(get(`ema${p}`), refEma(b.c, p), EXACT);
  });
  it('RSI(14), Wilder', () => expectSeriesClose(get('rsi14'), refRsi(b.c, 14), EXACT));
  it('MACD(12,26,9): line, signal and histogram', () => {
    const m = refMacd(b.c);
    expectSeriesClose(get('macd'), m.macd, EXACT);
    expectSeriesClose(get('macdSignal'), m.signal, EXACT);
    expectSeriesClose(get('macdHist'), m.hist, EXACT);
  });
  it('Bollinger(20, 2), population standard deviation', () => {
    const bb = refBollinger(b.c, 20, 2);
    expectSeriesClose(get('bbUpper'), bb.upper, EXACT);
    expectSeriesClose(get('bbMiddle'), bb.middle, EXACT);
    expectSeriesClose(get('bbLower'), bb.lower, EXACT);
  });
  it('ATR(14), Wilder', () => expectSeriesClose(get('atr14'), refAtr(b, 14), EXACT));
  it('ADX(14) and ±DI converge to Wilder’s within 1e-6 once warmed up (the library seeds one bar earlier)', () => {
    const a = refAdx(b, 14);
    // The library seeds its smoothing with the first bar (range, zero DM) where Wilder starts on the
    // second; Wilder smoothing forgets a seed by (13/14) per bar, so after 250 bars they agree to 1e-6.
    expectSeriesClose(get('adx14'), a.adx, 1e-6, 250);
    expectSeriesClose(get('plusDI'), a.plusDI, 1e-6, 250);
    expectSeriesClose(get('minusDI'), a.minusDI, 1e-6, 250);
    // And early on they are already close enough for any trading reading.
    expect(Math.abs(get('adx14')![40]! - a.adx[40]!)).toBeLessThan(2);
  });
  it('ADX(14) is defined after a flat start (no range over the first bars: ±DI 0, DX 0, never 0/0)', () => {
    const flat = walk(600);
    for (let i = 0; i < 20; i++) flat.o[i] = flat.h[i] = flat.l[i] = flat.c[i] = 100;
    const got = computeIndicators(seriesOf(flat), all(['adx']), { timeframe: '1Day', windowStart: 0 }).series;
    const adx = got.get('adx14')!;
    expect(Array.from(adx.subarray(0, 26)).every(Number.isNaN)).toBe(true);
    for (let i = 26; i < adx.length; i++) expect(Number.isFinite(adx[i]!), `adx14[${i}] = ${adx[i]}`).toBe(true);
    for (let i = 13; i < 20; i++) {
      expect(got.get('plusDI')![i]).toBe(0);
      expect(got.get('minusDI')![i]).toBe(0);
    }
    const a = refAdx(flat, 14);
    expectSeriesClose(adx, a.adx, 1e-6, 250);
    expectSeriesClose(got.get('plusDI'), a.plusDI, 1e-6, 250);
    // A series with no range at all has no trend: ADX 0 from its first value.
    const still = closesOnly(Array.from({ length: 60 }, () => 50));
    const none = computeIndicators(seriesOf(still), all(['adx']), { timeframe: '1Day', windowStart: 0 }).series.get('adx14')!;
    expect(Array.from(none.subarray(26))).toEqual(new Array(34).fill(0));
  });
  it('Stochastic(14,3,3)', () => {
    const st = refStochastic(b, 14, 3, 3);
    // The library reports %K together with %D (from bar 18); before that both are undefined.
    expect(Array.from(get('stochK')!.subarray(0, 17)).every(Number.isNaN)).toBe(true);
    expectSeriesClose(get('stochK'), st.k, EXACT, 17);
    expectSeriesClose(get('stochD'), st.d, EXACT);
  });
  it('OBV', () => expectSeriesClose(get('obv'), refObv(b), EXACT));
  it('VWAP anchored at the window start (daily)', () => expectSeriesClose(get('vwap'), refVwap(b, 100), EXACT));
  it('HV(20), annualised with 252', () => expectSeriesClose(get('hv20'), refHv(b.c, 20, PERIODS_PER_YEAR['1Day']), EXACT));
  it('HV rank = 100·(hv − min)/(max − min) over the trailing 252 values', () => {
    const hv = refHv(b.c, 20, 252);
    for (const i of [60, 300, 599]) {
      const window = hv.slice(Math.max(0, i - 251), i + 1).filter((x) => !Number.isNaN(x));
      const lo = Math.min(...window);
      const hi = Math.max(...window);
      expect(get('hvRank')![i]).toBeCloseTo((100 * (hv[i]! - lo)) / (hi - lo), 9);
    }
  });
});

describe('warm-up bookkeeping', () => {
  it('each indicator’s first value appears exactly at MIN_BARS', () => {
    const b = walk(300, 3);
    const s = seriesOf(b);
    for (const name of INDICATOR_NAMES) {
      const r = computeIndicators(s, all([name]), { timeframe: '1Day', windowStart: 0 });
      const key = r.produced[name][0]!;
      const arr = r.series.get(key)!;
      const first = arr.findIndex((v) => !Number.isNaN(v));
      expect(first + 1, `${name} (${key})`).toBe(MIN_BARS[name]);
    }
  });
  it('fetches enough warm-up for SMA200 and a full year of HV for the rank', () => {
    expect(warmupBars(new Set(INDICATOR_NAMES))).toBe(20 + 252 - 1);
    expect(warmupBars(all(['rsi']))).toBe(14);
    expect(warmupBars(all(['sma']))).toBe(199);
  });
  it('the schema offers exactly the indicators the engine computes', () => {
    expect([...INDICATOR_CHOICES]).toEqual([...INDICATOR_NAMES]);
  });
});
