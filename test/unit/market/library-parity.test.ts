/**
 * computeIndicators against trading-signals' OWN classes, run the plain way (one `update` per bar, as
 * the library documents). indicators.ts takes faster paths for speed — a rolling mean for SMA and the
 * Bollinger middle band, its own Bollinger deviation, Williams %R + 100 and rolling means for the
 * Stochastic, the library's EMAs composed into MACD, an SMA-seeded RMA for Wilder smoothing, EMAs
 * seeded directly — and each must give the library's numbers. (Correctness of the numbers themselves
 * is indicators.test.ts's job, against independent references.)
 */
import { describe, expect, it } from 'vitest';
import { ADX, ATR, BollingerBands, MACD, RSI, SMA, StochasticOscillator } from 'trading-signals';
import { computeIndicators, INDICATOR_NAMES, PARAMS, rollingMean, SmaSeededEMA } from '../../../src/market/indicators.js';
import { cleanSeries, type PriceSeries } from '../../../src/market/series.js';
import type { Bar } from '../../../src/broker/types.js';
import { walk, type Ohlcv } from './reference.js';

function seriesOf(b: Ohlcv): PriceSeries {
  const bars: Bar[] = b.c.map((c, i) => ({
    t: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString(),
    o: b.o[i]!,
    h: b.h[i]!,
    l: b.l[i]!,
    c,
    v: b.v[i]!,
  }));
  return cleanSeries(bars, '1Day', 'TEST').series;
}

/** Runs a library indicator bar by bar; `pick` turns its result into the values of each output series (null = undefined). */
function libSeries<R>(n: number, step: (i: number) => R | null, pick: (r: R) => number[], outputs: number): Float64Array[] {
  const out = Array.from({ length: outputs }, () => new Float64Array(n).fill(Number.NaN));
  for (let i = 0; i < n; i++) {
    const r = step(i);
    if (r === null) continue;
    for (const [k, v] of pick(r).entries()) out[k]![i] = v;
  }
  return out;
}

/** Same defined bars, and values within `tol` relative to max(1, |library|). */
function expectSame(ours: Float64Array | undefined, lib: Float64Array, label: string, tol = 1e-12): void {
  expect(ours, `${label} missing`).toBeDefined();
  let compared = 0;
  for (let i = 0; i < lib.length; i++) {
    const a = ours![i]!;
    const e = lib[i]!;
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `${label}[${i}]: library undefined, ours ${a}`).toBe(true);
      continue;
    }
    expect(Math.abs(a - e) / Math.max(1, Math.abs(e)), `${label}[${i}]: ${a} vs library ${e}`).toBeLessThan(tol);
    compared += 1;
  }
  expect(compared, `${label}: nothing compared`).toBeGreaterThan(0);
}

/** A random walk with a flat stretch (no range: Stochastic and %R edge) and a gap-free restart. */
function testBars(): Ohlcv {
  const b = walk(3000, 11);
  for (let i = 1200; i < 1240; i++) {
    const p = b.c[1199]!;
    b.o[i] = b.h[i] = b.l[i] = b.c[i] = p;
  }
  return b;
}

describe('computeIndicators gives the library’s own numbers', () => {
  const b = testBars();
  const s = seriesOf(b);
  const n = s.length;
  const r = computeIndicators(s, new Set(INDICATOR_NAMES), { timeframe: '1Day', windowStart: 0 });
  const get = (k: string) => r.series.get(k);
  const candle = (i: number) => ({ open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });

  it('SMA 20/50/200 (ours: rolling mean) = library SMA', () => {
    for (const p of PARAMS.sma) {
      const sma = new SMA(p);
      const [lib] = libSeries(
        n,
        (i) => sma.update(s.close[i]!, false),
        (v) => [v],
        1,
      );
      expectSame(get(`sma${p}`), lib!, `sma${p}`);
    }
  });

  it('Bollinger(20, 2) (ours: rolling mean + two-pass deviation) = library BollingerBands', () => {
    const bb = new BollingerBands(PARAMS.bbands.period, PARAMS.bbands.stdDev);
    const [u, m, l] = libSeries(
      n,
      (i) => bb.update(s.close[i]!, false),
      (x) => [x.upper, x.middle, x.lower],
      3,
    );
    expectSame(get('bbUpper'), u!, 'bbUpper');
    expectSame(get('bbMiddle'), m!, 'bbMiddle');
    expectSame(get('bbLower'), l!, 'bbLower');
  });

  it('Stochastic(14,3,3) (library WilliamsR + 100, rolling means) = library StochasticOscillator, flat window included', () => {
    const st = new StochasticOscillator({ kPeriod: PARAMS.stoch.k, kSlowingPeriod: PARAMS.stoch.kSlowing, dPeriod: PARAMS.stoch.d });
    const [k, d] = libSeries(
      n,
      (i) => st.update(candle(i), false),
      (x) => [x.stochK, x.stochD],
      2,
    );
    expectSame(get('stochK'), k!, 'stochK');
    expectSame(get('stochD'), d!, 'stochD');
    // The flat stretch really hit the zero-range case (both read 0 there).
    expect(get('stochK')![1235]).toBe(0);
    expect(k![1235]).toBe(0);
  });

  it('MACD(12,26,9) (library EMAs composed) = library MACD class with SMA-seeded EMAs', () => {
    const { fast, slow, signal } = PARAMS.macd;
    const macd = new MACD(new SmaSeededEMA(fast), new SmaSeededEMA(slow), new SmaSeededEMA(signal));
    const [line, sig, hist] = libSeries(
      n,
      (i) => {
        const x = macd.update(s.close[i]!, false);
        return x !== null && x.signal !== null ? x : null;
      },
      (x) => [x.macd, x.signal, x.histogram],
      3,
    );
    expectSame(get('macd'), line!, 'macd');
    expectSame(get('macdSignal'), sig!, 'macdSignal');
    expectSame(get('macdHist'), hist!, 'macdHist');
  });

  it('EMA 9/21/50/200 (seeded directly) = library EMA behind SmaSeededEMA', () => {
    for (const p of PARAMS.ema) {
      const ema = new SmaSeededEMA(p);
      const [lib] = libSeries(
        n,
        (i) => ema.update(s.close[i]!, false) as number | null,
        (v) => [v],
        1,
      );
      expectSame(get(`ema${p}`), lib!, `ema${p}`);
    }
  });

  it('RSI, ATR, ADX/±DI with SmaSeededRMA smoothing = the library’s defaults (WSMA)', () => {
    const rsi = new RSI(PARAMS.rsi);
    const [rLib] = libSeries(
      n,
      (i) => rsi.update(s.close[i]!, false),
      (v) => [v],
      1,
    );
    expectSame(get(`rsi${PARAMS.rsi}`), rLib!, 'rsi');
    const atr = new ATR(PARAMS.atr);
    const [aLib] = libSeries(
      n,
      (i) => atr.update(candle(i), false),
      (v) => [v],
      1,
    );
    expectSame(get(`atr${PARAMS.atr}`), aLib!, 'atr');
    const adx = new ADX(PARAMS.adx);
    const plus = new Float64Array(n).fill(Number.NaN);
    const minus = new Float64Array(n).fill(Number.NaN);
    const [xLib] = libSeries(
      n,
      (i) => {
        const v = adx.update(candle(i), false);
        if (typeof adx.pdi === 'number' && typeof adx.mdi === 'number') {
          plus[i] = adx.pdi * 100;
          minus[i] = adx.mdi * 100;
        }
        return v;
      },
      (v) => [v],
      1,
    );
    expectSame(get(`adx${PARAMS.adx}`), xLib!, 'adx');
    expectSame(get('plusDI'), plus, 'plusDI');
    expectSame(get('minusDI'), minus, 'minusDI');
  });

  it('the rolling mean stays on the library SMA over 100,000 bars of drifting prices (no running-sum drift)', () => {
    const x = new Float64Array(100_000);
    let p = 1e4;
    for (let i = 0; i < x.length; i++) {
      p *= 1 + Math.sin(i * 0.37) * 0.01;
      x[i] = p;
    }
    const ours = rollingMean(x, 200);
    const sma = new SMA(200);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const v = sma.update(x[i]!, false);
      if (v === null) continue;
      worst = Math.max(worst, Math.abs(ours[i]! - v) / Math.abs(v));
    }
    expect(worst).toBeLessThan(1e-14);
  });
});
