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
import type { IndicatorName } from './indicators.js';
import { at, type Rule, type Signal, type SignalContext } from './signals/shared.js';
import { macdRule, rsiRule, stochRule } from './signals/momentum.js';
import { trendRule } from './signals/trend.js';
import { adxRule, atrRule, bbandsRule, hvRule, obvRule, vwapRule } from './signals/volatility.js';

export { fmt, RULES, type Direction, type Signal } from './signals/shared.js';

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
