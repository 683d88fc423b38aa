/**
 * Deterministic signals a trader reads at a glance, each carrying the rule that fired with the
 * numbers it compared. Pure: same series in, same signals out. No model is involved.
 *
 * Conventions (fixed, documented here and in the tool description):
 * - RSI(14) ≥ 70 overbought, ≤ 30 oversold; Stochastic %K ≥ 80 / ≤ 20, and a %K/%D cross on the last bar;
 * - MACD: a line/signal cross within the last 3 bars, else which side of its signal the line is on;
 * - Bollinger(20, 2): close above the upper band / below the lower band (read as stretched: mean-reversion
 *   direction), a squeeze when the band width is the narrowest of the last 120 bars;
 * - trend: SMA50 vs SMA200 with the close vs SMA50; a golden/death cross within the last 5 bars;
 * - ADX(14) ≥ 25 trending (direction by +DI vs −DI), < 20 no trend;
 * - ATR stop: 2 × ATR(14) from the close, for a long and for a short;
 * - VWAP: close above/below; OBV vs price over 20 bars: confirmation or divergence;
 * - HV rank ≥ 80 high, ≤ 20 low volatility for its own last year (252 bars).
 */
import { PARAMS, type IndicatorName } from './indicators.js';

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

function at(arr: Float64Array | undefined, i: number): number {
  return arr && i >= 0 && i < arr.length ? arr[i]! : Number.NaN;
}
const ok = (...xs: number[]) => xs.every((x) => Number.isFinite(x));

/** Bars ago (0 = last bar) of the most recent sign change of a − b within `lookback` bars, or -1. */
function lastCross(a: Float64Array, b: Float64Array, lookback: number): { barsAgo: number; up: boolean } | null {
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

const ago = (k: number) => (k === 0 ? 'on the last bar' : k === 1 ? '1 bar ago' : `${k} bars ago`);

/** What every rule reads: the closes, the indicator series, and the last bar. */
interface SignalContext {
  close: Float64Array;
  n: number;
  last: number;
  /** The last close. */
  c: number;
  s: (key: string) => Float64Array | undefined;
}

type Rule = (ctx: SignalContext, out: Signal[]) => void;

function trendRule({ last, c, s }: SignalContext, out: Signal[]): void {
  const sma50 = s('sma50');
  const sma200 = s('sma200');
  const f = at(sma50, last);
  const sl = at(sma200, last);
  if (sma50 && sma200 && ok(f, sl, c)) {
    const values = { close: c, sma50: f, sma200: sl };
    if (f > sl && c > f)
      out.push({
        id: 'trend',
        indicator: 'sma',
        state: 'uptrend',
        direction: 'bullish',
        rule: `SMA50 ${fmt(f)} > SMA200 ${fmt(sl)} and close ${fmt(c)} > SMA50 → uptrend`,
        values,
      });
    else if (f < sl && c < f)
      out.push({
        id: 'trend',
        indicator: 'sma',
        state: 'downtrend',
        direction: 'bearish',
        rule: `SMA50 ${fmt(f)} < SMA200 ${fmt(sl)} and close ${fmt(c)} < SMA50 → downtrend`,
        values,
      });
    else
      out.push({
        id: 'trend',
        indicator: 'sma',
        state: 'mixed',
        direction: 'neutral',
        rule: `SMA50 ${fmt(f)} ${f > sl ? '>' : '≤'} SMA200 ${fmt(sl)} but close ${fmt(c)} ${c > f ? '>' : '≤'} SMA50 → no clean trend`,
        values,
      });
    const cross = lastCross(sma50, sma200, RULES.maCrossLookback);
    if (cross)
      out.push({
        id: 'ma_cross',
        indicator: 'sma',
        state: cross.up ? 'golden_cross' : 'death_cross',
        direction: cross.up ? 'bullish' : 'bearish',
        rule: `SMA50 crossed ${cross.up ? 'above' : 'below'} SMA200 ${ago(cross.barsAgo)} (within ${RULES.maCrossLookback} bars)`,
        values: { barsAgo: cross.barsAgo, sma50: f, sma200: sl },
      });
  }
}

function rsiRule({ last, s }: SignalContext, out: Signal[]): void {
  const v = at(s(`rsi${PARAMS.rsi}`), last);
  if (ok(v)) {
    const values = { rsi: v };
    if (v >= RULES.rsiOverbought)
      out.push({
        id: 'rsi',
        indicator: 'rsi',
        state: 'overbought',
        direction: 'bearish',
        rule: `RSI(${PARAMS.rsi}) ${fmt(v)} ≥ ${RULES.rsiOverbought} → overbought`,
        values,
      });
    else if (v <= RULES.rsiOversold)
      out.push({
        id: 'rsi',
        indicator: 'rsi',
        state: 'oversold',
        direction: 'bullish',
        rule: `RSI(${PARAMS.rsi}) ${fmt(v)} ≤ ${RULES.rsiOversold} → oversold`,
        values,
      });
    else
      out.push({
        id: 'rsi',
        indicator: 'rsi',
        state: 'neutral',
        direction: 'neutral',
        rule: `${RULES.rsiOversold} < RSI(${PARAMS.rsi}) ${fmt(v)} < ${RULES.rsiOverbought} → neither overbought nor oversold`,
        values,
      });
  }
}

function stochRule({ last, s }: SignalContext, out: Signal[]): void {
  const kS = s('stochK');
  const dS = s('stochD');
  const k = at(kS, last);
  const d = at(dS, last);
  if (kS && dS && ok(k, d)) {
    const values = { k, d };
    if (k >= RULES.stochOverbought)
      out.push({
        id: 'stoch',
        indicator: 'stoch',
        state: 'overbought',
        direction: 'bearish',
        rule: `Stochastic %K ${fmt(k)} ≥ ${RULES.stochOverbought} → overbought`,
        values,
      });
    else if (k <= RULES.stochOversold)
      out.push({
        id: 'stoch',
        indicator: 'stoch',
        state: 'oversold',
        direction: 'bullish',
        rule: `Stochastic %K ${fmt(k)} ≤ ${RULES.stochOversold} → oversold`,
        values,
      });
    else
      out.push({
        id: 'stoch',
        indicator: 'stoch',
        state: 'neutral',
        direction: 'neutral',
        rule: `${RULES.stochOversold} < Stochastic %K ${fmt(k)} < ${RULES.stochOverbought}`,
        values,
      });
    const cross = lastCross(kS, dS, 1);
    if (cross)
      out.push({
        id: 'stoch_cross',
        indicator: 'stoch',
        state: cross.up ? 'bullish_cross' : 'bearish_cross',
        direction: cross.up ? 'bullish' : 'bearish',
        rule: `%K ${fmt(k)} crossed ${cross.up ? 'above' : 'below'} %D ${fmt(d)} on the last bar`,
        values,
      });
  }
}

function macdRule({ last, s }: SignalContext, out: Signal[]): void {
  const line = s('macd');
  const sig = s('macdSignal');
  const m = at(line, last);
  const g = at(sig, last);
  if (line && sig && ok(m, g)) {
    const values = { macd: m, signal: g, histogram: m - g };
    const cross = lastCross(line, sig, RULES.macdCrossLookback);
    if (cross)
      out.push({
        id: 'macd',
        indicator: 'macd',
        state: cross.up ? 'bullish_cross' : 'bearish_cross',
        direction: cross.up ? 'bullish' : 'bearish',
        rule: `MACD crossed ${cross.up ? 'above' : 'below'} its signal ${ago(cross.barsAgo)} (now ${fmt(m, 3)} vs ${fmt(g, 3)})`,
        values: { ...values, barsAgo: cross.barsAgo },
      });
    else if (m > g)
      out.push({
        id: 'macd',
        indicator: 'macd',
        state: 'above_signal',
        direction: 'bullish',
        rule: `MACD ${fmt(m, 3)} > signal ${fmt(g, 3)}, no cross in ${RULES.macdCrossLookback} bars`,
        values,
      });
    else
      out.push({
        id: 'macd',
        indicator: 'macd',
        state: 'below_signal',
        direction: 'bearish',
        rule: `MACD ${fmt(m, 3)} ≤ signal ${fmt(g, 3)}, no cross in ${RULES.macdCrossLookback} bars`,
        values,
      });
  }
}

function bbandsRule({ last, c, s }: SignalContext, out: Signal[]): void {
  const upS = s('bbUpper');
  const midS = s('bbMiddle');
  const loS = s('bbLower');
  const up = at(upS, last);
  const mid = at(midS, last);
  const lo = at(loS, last);
  if (upS && midS && loS && ok(up, mid, lo, c)) {
    const values = { close: c, upper: up, middle: mid, lower: lo };
    if (c > up)
      out.push({
        id: 'bbands',
        indicator: 'bbands',
        state: 'above_upper_band',
        direction: 'bearish',
        rule: `close ${fmt(c)} > upper band ${fmt(up)} → stretched above the band (mean-reversion reading)`,
        values,
      });
    else if (c < lo)
      out.push({
        id: 'bbands',
        indicator: 'bbands',
        state: 'below_lower_band',
        direction: 'bullish',
        rule: `close ${fmt(c)} < lower band ${fmt(lo)} → stretched below the band (mean-reversion reading)`,
        values,
      });
    else
      out.push({
        id: 'bbands',
        indicator: 'bbands',
        state: c >= mid ? 'upper_half' : 'lower_half',
        direction: 'neutral',
        rule: `lower ${fmt(lo)} ≤ close ${fmt(c)} ≤ upper ${fmt(up)} (${c >= mid ? 'above' : 'below'} the middle ${fmt(mid)})`,
        values,
      });
    // Squeeze: today's width is the narrowest of the lookback (needs the whole lookback defined).
    const width = (i: number) => (at(upS, i) - at(loS, i)) / at(midS, i);
    const w = width(last);
    let narrowest = true;
    let seen = 0;
    for (let i = last - 1; i > last - RULES.squeezeLookback && i >= 0; i--) {
      const wi = width(i);
      if (!ok(wi)) break;
      seen += 1;
      if (wi < w) {
        narrowest = false;
        break;
      }
    }
    if (narrowest && seen === RULES.squeezeLookback - 1)
      out.push({
        id: 'bb_squeeze',
        indicator: 'bbands',
        state: 'squeeze',
        direction: 'neutral',
        rule: `band width ${fmt(w * 100)}% of the middle is the narrowest of the last ${RULES.squeezeLookback} bars → squeeze (breakout watch)`,
        values: { bandwidthPct: w * 100 },
      });
  }
}

function adxRule({ last, s }: SignalContext, out: Signal[]): void {
  const a = at(s(`adx${PARAMS.adx}`), last);
  const p = at(s('plusDI'), last);
  const m = at(s('minusDI'), last);
  if (ok(a, p, m)) {
    const values = { adx: a, plusDI: p, minusDI: m };
    if (a >= RULES.adxTrending) {
      const up = p > m;
      out.push({
        id: 'adx',
        indicator: 'adx',
        state: up ? 'strong_uptrend' : 'strong_downtrend',
        direction: up ? 'bullish' : 'bearish',
        rule: `ADX(${PARAMS.adx}) ${fmt(a)} ≥ ${RULES.adxTrending} and ${up ? '+DI' : '−DI'} ${fmt(up ? p : m)} > ${up ? '−DI' : '+DI'} ${fmt(up ? m : p)} → trending ${up ? 'up' : 'down'}`,
        values,
      });
    } else if (a < RULES.adxNoTrend)
      out.push({
        id: 'adx',
        indicator: 'adx',
        state: 'no_trend',
        direction: 'neutral',
        rule: `ADX(${PARAMS.adx}) ${fmt(a)} < ${RULES.adxNoTrend} → no trend (range-bound)`,
        values,
      });
    else
      out.push({
        id: 'adx',
        indicator: 'adx',
        state: 'weak_trend',
        direction: 'neutral',
        rule: `${RULES.adxNoTrend} ≤ ADX(${PARAMS.adx}) ${fmt(a)} < ${RULES.adxTrending} → weak trend`,
        values,
      });
  }
}

function atrRule({ last, c, s }: SignalContext, out: Signal[]): void {
  const a = at(s(`atr${PARAMS.atr}`), last);
  if (ok(a, c)) {
    const d = RULES.atrStopMultiple * a;
    out.push({
      id: 'atr_stop',
      indicator: 'atr',
      state: 'stop_distance',
      direction: 'neutral',
      rule: `stop ${RULES.atrStopMultiple} × ATR(${PARAMS.atr}) ${fmt(a)} = ${fmt(d)} (${fmt((100 * d) / c)}% of close ${fmt(c)}): long stop ${fmt(c - d)}, short stop ${fmt(c + d)}`,
      values: { atr: a, distance: d, distancePct: (100 * d) / c, longStop: Math.max(0, c - d), shortStop: c + d },
    });
  }
}

function vwapRule({ last, c, s }: SignalContext, out: Signal[]): void {
  const v = at(s('vwap'), last);
  if (ok(v, c)) {
    const above = c > v;
    out.push({
      id: 'vwap',
      indicator: 'vwap',
      state: above ? 'above_vwap' : 'below_vwap',
      direction: c === v ? 'neutral' : above ? 'bullish' : 'bearish',
      rule: `close ${fmt(c)} ${above ? '>' : '≤'} VWAP ${fmt(v)}`,
      values: { close: c, vwap: v },
    });
  }
}

function obvRule({ close, last, c, s }: SignalContext, out: Signal[]): void {
  const obv = s('obv');
  const k = RULES.obvLookback;
  const dObv = at(obv, last) - at(obv, last - k);
  const dPx = c - at(close, last - k);
  if (ok(dObv, dPx)) {
    const values = { obvChange: dObv, priceChange: dPx, bars: k };
    let state: string;
    let direction: Direction;
    if (dPx > 0 && dObv > 0) [state, direction] = ['confirming_up', 'bullish'];
    else if (dPx < 0 && dObv < 0) [state, direction] = ['confirming_down', 'bearish'];
    else if (dPx > 0 && dObv < 0) [state, direction] = ['bearish_divergence', 'bearish'];
    else if (dPx < 0 && dObv > 0) [state, direction] = ['bullish_divergence', 'bullish'];
    else [state, direction] = ['flat', 'neutral'];
    out.push({
      id: 'obv',
      indicator: 'obv',
      state,
      direction,
      rule: `over ${k} bars price ${dPx >= 0 ? '+' : ''}${fmt(dPx)} and OBV ${dObv >= 0 ? '+' : ''}${fmt(dObv, 0)} → ${state.replace('_', ' ')}`,
      values,
    });
  }
}

function hvRule({ n, last, s }: SignalContext, out: Signal[]): void {
  const hvSeries = s(`hv${PARAMS.hv.period}`);
  const hv = at(hvSeries, last);
  const rank = at(s('hvRank'), last);
  if (hvSeries && ok(hv, rank)) {
    let window = 0; // the rank's real window: a short history ranks over fewer bars
    for (let i = Math.max(0, n - PARAMS.hv.rankWindow); i < n; i++) if (ok(hvSeries[i]!)) window += 1;
    const values = { hv, rank, window };
    const pct = `${fmt(hv * 100, 1)}%`;
    if (rank >= RULES.hvRankHigh)
      out.push({
        id: 'hv_rank',
        indicator: 'hv',
        state: 'high_volatility',
        direction: 'neutral',
        rule: `HV(${PARAMS.hv.period}) ${pct} ranks ${fmt(rank, 0)} ≥ ${RULES.hvRankHigh} in its last ${window} bars → volatility high (premium rich)`,
        values,
      });
    else if (rank <= RULES.hvRankLow)
      out.push({
        id: 'hv_rank',
        indicator: 'hv',
        state: 'low_volatility',
        direction: 'neutral',
        rule: `HV(${PARAMS.hv.period}) ${pct} ranks ${fmt(rank, 0)} ≤ ${RULES.hvRankLow} in its last ${window} bars → volatility low (premium cheap)`,
        values,
      });
    else
      out.push({
        id: 'hv_rank',
        indicator: 'hv',
        state: 'normal_volatility',
        direction: 'neutral',
        rule: `HV(${PARAMS.hv.period}) ${pct} ranks ${fmt(rank, 0)} in its last ${window} bars, between ${RULES.hvRankLow} and ${RULES.hvRankHigh}`,
        values,
      });
  }
}

/** The rules, in output order; each runs only when its indicator was computed. */
const SIGNAL_RULES: ReadonlyArray<[IndicatorName, Rule]> = [
  ['sma', trendRule],
  ['rsi', rsiRule],
  ['stoch', stochRule],
  ['macd', macdRule],
  ['bbands', bbandsRule],
  ['adx', adxRule],
  ['atr', atrRule],
  ['vwap', vwapRule],
  ['obv', obvRule],
  ['hv', hvRule],
];

export function deriveSignals(close: Float64Array, series: ReadonlyMap<string, Float64Array>, which: ReadonlySet<IndicatorName>): Signal[] {
  const n = close.length;
  const last = n - 1;
  const ctx: SignalContext = { close, n, last, c: at(close, last), s: (key: string) => series.get(key) };
  const out: Signal[] = [];
  for (const [name, rule] of SIGNAL_RULES) if (which.has(name)) rule(ctx, out);
  return out;
}
