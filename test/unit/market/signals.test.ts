import { describe, expect, it } from 'vitest';
import { computeIndicators, INDICATOR_NAMES, type IndicatorName } from '../../../src/market/indicators.js';
import { cleanSeries } from '../../../src/market/series.js';
import { deriveSignals, type Signal } from '../../../src/market/signals.js';

const F = (xs: number[]) => Float64Array.from(xs);
const byId = (signals: Signal[], id: string) => signals.find((s) => s.id === id);
function run(close: number[], series: Record<string, number[]>, which: IndicatorName[]): Signal[] {
  return deriveSignals(F(close), new Map(Object.entries(series).map(([k, v]) => [k, F(v)])), new Set(which));
}

describe('signal rules on hand-made series', () => {
  it('RSI 70/30', () => {
    expect(byId(run([1], { rsi14: [75.5] }, ['rsi']), 'rsi')).toMatchObject({
      state: 'overbought',
      direction: 'bearish',
      rule: 'RSI(14) 75.50 ≥ 70 → overbought',
    });
    expect(byId(run([1], { rsi14: [29.99] }, ['rsi']), 'rsi')).toMatchObject({ state: 'oversold', direction: 'bullish' });
    expect(byId(run([1], { rsi14: [50] }, ['rsi']), 'rsi')).toMatchObject({ state: 'neutral', direction: 'neutral' });
    expect(byId(run([1], { rsi14: [NaN] }, ['rsi']), 'rsi')).toBeUndefined();
  });

  it('MACD cross within 3 bars, else side of the signal', () => {
    const crossed = run([1, 1, 1, 1], { macd: [-1, -0.5, 0.2, 0.4], macdSignal: [0, 0, 0, 0.1] }, ['macd']);
    expect(byId(crossed, 'macd')).toMatchObject({ state: 'bullish_cross', direction: 'bullish', values: { barsAgo: 1 } });
    expect(byId(crossed, 'macd')!.rule).toContain('MACD crossed above its signal 1 bar ago');
    const down = run([1, 1, 1], { macd: [1, 1, -0.1], macdSignal: [0, 0, 0] }, ['macd']);
    expect(byId(down, 'macd')).toMatchObject({ state: 'bearish_cross', values: { barsAgo: 0 } });
    const old = run([1, 1, 1, 1, 1, 1], { macd: [-1, 1, 2, 3, 4, 5], macdSignal: [0, 0, 0, 0, 0, 0] }, ['macd']);
    expect(byId(old, 'macd')).toMatchObject({ state: 'above_signal', direction: 'bullish' });
  });

  it('price vs Bollinger bands', () => {
    const bb = { bbUpper: [110], bbMiddle: [100], bbLower: [90] };
    expect(byId(run([111], bb, ['bbands']), 'bbands')).toMatchObject({ state: 'above_upper_band', direction: 'bearish' });
    expect(byId(run([89], bb, ['bbands']), 'bbands')).toMatchObject({ state: 'below_lower_band', direction: 'bullish' });
    expect(byId(run([101], bb, ['bbands']), 'bbands')).toMatchObject({ state: 'upper_half', direction: 'neutral' });
  });

  it('trend by SMA50/SMA200 and a golden cross within 5 bars', () => {
    const s = run([100, 100, 100, 104], { sma50: [98, 99, 101, 102], sma200: [100, 100, 100, 100] }, ['sma']);
    expect(byId(s, 'trend')).toMatchObject({ state: 'uptrend', direction: 'bullish', rule: 'SMA50 102.00 > SMA200 100.00 and close 104.00 > SMA50 → uptrend' });
    expect(byId(s, 'ma_cross')).toMatchObject({ state: 'golden_cross', values: { barsAgo: 1 } });
    const d = run([100, 90], { sma50: [95, 94], sma200: [100, 100] }, ['sma']);
    expect(byId(d, 'trend')).toMatchObject({ state: 'downtrend', direction: 'bearish' });
    expect(byId(d, 'ma_cross')).toBeUndefined();
  });

  it('ATR stop distance: 2 × ATR from the close', () => {
    const s = byId(run([100], { atr14: [2.5] }, ['atr']), 'atr_stop')!;
    expect(s.values).toEqual({ atr: 2.5, distance: 5, distancePct: 5, longStop: 95, shortStop: 105 });
    expect(s.rule).toBe('stop 2 × ATR(14) 2.50 = 5.00 (5.00% of close 100.00): long stop 95.00, short stop 105.00');
  });

  it('ADX trend strength with direction', () => {
    expect(byId(run([1], { adx14: [31], plusDI: [12], minusDI: [30] }, ['adx']), 'adx')).toMatchObject({ state: 'strong_downtrend', direction: 'bearish' });
    expect(byId(run([1], { adx14: [15], plusDI: [12], minusDI: [30] }, ['adx']), 'adx')).toMatchObject({ state: 'no_trend' });
  });

  it('OBV confirmation and divergence over 20 bars', () => {
    const up = Array.from({ length: 21 }, (_, i) => 100 + i);
    const falling = Array.from({ length: 21 }, (_, i) => -i * 1000);
    expect(byId(run(up, { obv: falling }, ['obv']), 'obv')).toMatchObject({ state: 'bearish_divergence', direction: 'bearish' });
    expect(byId(run(up, { obv: falling.map((x) => -x) }, ['obv']), 'obv')).toMatchObject({ state: 'confirming_up', direction: 'bullish' });
  });

  it('HV rank high / low', () => {
    expect(byId(run([1], { hv20: [0.6], hvRank: [91] }, ['hv']), 'hv_rank')).toMatchObject({ state: 'high_volatility' });
    expect(byId(run([1], { hv20: [0.1], hvRank: [5] }, ['hv']), 'hv_rank')).toMatchObject({ state: 'low_volatility' });
  });

  it('Stochastic 80/20 and a %K/%D cross on the last bar', () => {
    const s = run([1, 1], { stochK: [70, 85], stochD: [75, 80] }, ['stoch']);
    expect(byId(s, 'stoch')).toMatchObject({ state: 'overbought' });
    expect(byId(s, 'stoch_cross')).toMatchObject({ state: 'bullish_cross', direction: 'bullish' });
  });
});

describe('signals from real indicator output', () => {
  it('a steady 0.5%/day climb reads as an overbought uptrend with ADX trending up', () => {
    const bars = Array.from({ length: 260 }, (_, i) => {
      const c = 100 * 1.005 ** i;
      return { t: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString(), o: c / 1.004, h: c * 1.002, l: c / 1.006, c, v: 1000 };
    });
    const s = cleanSeries(bars, '1Day', 'UP').series;
    const r = computeIndicators(s, new Set(INDICATOR_NAMES), { timeframe: '1Day', windowStart: 0 });
    const signals = deriveSignals(s.close, r.series, new Set(INDICATOR_NAMES));
    expect(byId(signals, 'trend')?.state).toBe('uptrend');
    expect(byId(signals, 'rsi')).toMatchObject({ state: 'overbought', rule: 'RSI(14) 100.00 ≥ 70 → overbought' });
    expect(byId(signals, 'adx')?.state).toBe('strong_uptrend');
    expect(byId(signals, 'obv')?.state).toBe('confirming_up');
    for (const sig of signals) for (const v of Object.values(sig.values)) expect(Number.isFinite(v), sig.id).toBe(true);
  });
});
