/** Trend rules: SMA50/SMA200 with the close, golden and death crosses. */
import { ago, at, fmt, lastCross, ok, RULES, type Signal, type SignalContext } from './shared.js';

export function trendRule({ last, c, s }: SignalContext, out: Signal[]): void {
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
