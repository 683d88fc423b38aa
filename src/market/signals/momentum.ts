/** Momentum rules: RSI, Stochastic, MACD. */
import { PARAMS } from '../indicators.js';
import { ago, at, fmt, lastCross, ok, RULES, type Signal, type SignalContext } from './shared.js';

export function rsiRule({ last, s }: SignalContext, out: Signal[]): void {
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

export function stochRule({ last, s }: SignalContext, out: Signal[]): void {
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

export function macdRule({ last, s }: SignalContext, out: Signal[]): void {
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
