/** Volume indicators: OBV, and VWAP with our session/window anchoring (the library's arithmetic as loops). */
import type { Emit, IndicatorContext } from './context.js';
import { seriesArray } from './rolling.js';

/** Day key for US equity sessions: UTC days shifted so the boundary (06:00 UTC) falls between 20:00 ET and 04:00 ET all year. */
function sessionKey(ms: number): number {
  return Math.floor((ms - 6 * 3_600_000) / 86_400_000);
}

/** OBV: the library's OBV(2) as one loop — 0 on the first bar, then ± the bar's volume as the close rises or falls. */
export function computeObv({ s, n }: IndicatorContext, emit: Emit): void {
  const { close, volume } = s;
  const out = new Float64Array(n); // out[0] = 0: OBV starts at 0 on the first bar
  let obv = 0;
  for (let i = 1; i < n; i++) {
    const c = close[i]!;
    const pc = close[i - 1]!;
    obv += c > pc ? volume[i]! : c < pc ? -volume[i]! : 0;
    out[i] = obv;
  }
  emit('obv', out);
}

export function computeVwap({ s, n, options }: IndicatorContext, emit: Emit): void {
  // OURS: the anchoring. Intraday VWAP restarts each US session; on daily bars it is anchored at the
  // first bar of the analysed window (an "anchored VWAP"). The VWAP itself is the library's arithmetic:
  // cumulative typical price ((h + l + c)/3) × volume over cumulative volume; a zero-volume bar is
  // skipped and the VWAP carries over.
  const { ms, high, low, close, volume } = s;
  const intraday = options.timeframe !== '1Day';
  const start = intraday ? 0 : Math.min(Math.max(0, options.windowStart), n);
  const out = seriesArray(n, start);
  let session = Number.NaN;
  let last = Number.NaN;
  let sumPv = 0;
  let sumV = 0;
  for (let i = start; i < n; i++) {
    if (intraday) {
      const key = sessionKey(ms[i]!);
      if (key !== session) {
        session = key;
        sumPv = 0;
        sumV = 0;
        last = Number.NaN;
      }
    }
    const v = volume[i]!;
    if (v !== 0) {
      sumPv += ((high[i]! + low[i]! + close[i]!) / 3) * v;
      sumV += v;
      last = sumPv / sumV;
    }
    out[i] = last;
  }
  emit('vwap', out);
}
