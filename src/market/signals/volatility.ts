/** Bands, trend strength, volatility and volume rules: Bollinger, ADX, ATR stops, VWAP, OBV, HV rank. */
import { PARAMS } from '../indicators.js';
import { at, type Direction, fmt, ok, RULES, type Signal, type SignalContext } from './shared.js';

export function bbandsRule({ last, c, s }: SignalContext, out: Signal[]): void {
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

export function adxRule({ last, s }: SignalContext, out: Signal[]): void {
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

export function atrRule({ last, c, s }: SignalContext, out: Signal[]): void {
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

export function vwapRule({ last, c, s }: SignalContext, out: Signal[]): void {
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

export function obvRule({ close, last, c, s }: SignalContext, out: Signal[]): void {
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

export function hvRule({ n, last, s }: SignalContext, out: Signal[]): void {
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
