/** Volume indicators: the library's OBV, and its VWAP with our session/window anchoring. */
import { OBV, VWAP } from 'trading-signals';
import type { Emit, IndicatorContext } from './context.js';
import { seriesArray } from './rolling.js';

/** Day key for US equity sessions: UTC days shifted so the boundary (06:00 UTC) falls between 20:00 ET and 04:00 ET all year. */
function sessionKey(ms: number): number {
  return Math.floor((ms - 6 * 3_600_000) / 86_400_000);
}

export function computeObv({ candles, n }: IndicatorContext, emit: Emit): void {
  const out = new Float64Array(n);
  const obv = new OBV(2); // the library's OBV needs the previous bar: 2 inputs before its first value
  for (let i = 0; i < n; i++) {
    const v = obv.update(candles[i]!, false);
    out[i] = v === null ? Number.NaN : v;
  }
  if (n > 0) out[0] = 0; // OBV starts at 0 on the first bar
  emit('obv', out);
}

export function computeVwap({ s, candles, n, options }: IndicatorContext, emit: Emit): void {
  // OURS: the anchoring. Intraday VWAP restarts each US session; on daily bars it is anchored at the
  // first bar of the analysed window (an "anchored VWAP"). The library computes the VWAP itself.
  const intraday = options.timeframe !== '1Day';
  const start = intraday ? 0 : Math.min(Math.max(0, options.windowStart), n);
  const out = seriesArray(n, start);
  let vwap = new VWAP();
  let session = Number.NaN;
  let last = Number.NaN;
  for (let i = start; i < n; i++) {
    if (intraday) {
      const key = sessionKey(s.ms[i]!);
      if (key !== session) {
        session = key;
        vwap = new VWAP();
        last = Number.NaN;
      }
    }
    const v = vwap.update(candles[i]!, false); // null for a zero-volume bar: the VWAP carries over
    if (v !== null) last = v;
    out[i] = last;
  }
  emit('vwap', out);
}
