/** The library's Wilder-smoothed indicators: RSI, ATR, ADX with ±DI. */
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { seriesArray } from './rolling.js';
import { wilderSmooth } from './smoothing.js';

/**
 * RSI: the library's RSI with SmaSeededRMA smoothing, as one loop. Per change: a gain (price above the
 * previous) or a loss (otherwise; 0 for an unchanged price), each Wilder-smoothed (the seed is the plain
 * average of the first `period` of them); RSI = 100 when the smoothed loss is 0, else 100 − 100/(1 + RS).
 */
export function computeRsi({ close, n }: IndicatorContext, emit: Emit): void {
  const p = PARAMS.rsi;
  const out = seriesArray(n, p);
  const w = 1 / p;
  const keep = 1 - w;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < n; i++) {
    const price = close[i]!;
    const previous = close[i - 1]!;
    const g = price > previous ? price - previous : 0;
    const l = price > previous ? 0 : previous - price;
    if (i < p) {
      gain += g;
      loss += l;
      continue;
    }
    if (i === p) {
      const seedGain = (gain + g) / p;
      const seedLoss = (loss + l) / p;
      gain = seedGain * w + seedGain * keep;
      loss = seedLoss * w + seedLoss * keep;
    } else {
      gain = g * w + gain * keep;
      loss = l * w + loss * keep;
    }
    out[i] = loss === 0 ? 100 : 100 - 100 / (gain / loss + 1);
  }
  emit(`rsi${p}`, out);
}

/** True range per bar (the first bar: its range), as the library's TR computes it. */
function trueRanges(high: Float64Array, low: Float64Array, close: Float64Array, n: number): Float64Array {
  const tr = new Float64Array(n);
  if (n > 0) tr[0] = high[0]! - low[0]!;
  for (let i = 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    tr[i] = Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
  }
  return tr;
}

/** ATR: the library's ATR with SmaSeededRMA smoothing (true range, Wilder-smoothed) as one loop. */
export function computeAtr({ s, n }: IndicatorContext, emit: Emit): void {
  emit(`atr${PARAMS.atr}`, wilderSmooth(trueRanges(s.high, s.low, s.close, n), PARAMS.atr));
}

/**
 * ADX(14) with ±DI, the library's ADX arithmetic as plain loops: true range and directional moves
 * from the first bar (the first bar has range only, no moves), each Wilder-smoothed (SMA seed), ±DI =
 * smoothed move / smoothed range, DX = |+DI − −DI| / (+DI + −DI), ADX = DX Wilder-smoothed. One
 * difference, on purpose: when the smoothed range is 0 (a flat start) the library divides 0/0 and
 * its NaN then seeds ADX for the whole series; here ±DI read 0 there and a zero DI sum gives DX = 0,
 * as TA-Lib and TradingView do. Elsewhere the values are the library's
 * (test/unit/market/library-parity.test.ts).
 */
export function computeAdx({ s, n }: IndicatorContext, emit: Emit): void {
  const p = PARAMS.adx;
  const { high, low, close } = s;
  const tr = trueRanges(high, low, close, n);
  const up = new Float64Array(n);
  const down = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const higherHigh = h - high[i - 1]!;
    const lowerLow = low[i - 1]! - l;
    up[i] = higherHigh < 0 || higherHigh < lowerLow ? 0 : higherHigh;
    down[i] = lowerLow < 0 || lowerLow < higherHigh ? 0 : lowerLow;
  }
  const atr = wilderSmooth(tr, p);
  const sUp = wilderSmooth(up, p);
  const sDown = wilderSmooth(down, p);
  const plus = seriesArray(n, p - 1);
  const minus = seriesArray(n, p - 1);
  const dx = new Float64Array(n);
  for (let i = p - 1; i < n; i++) {
    const range = atr[i]!;
    const pdi = range === 0 ? 0 : sUp[i]! / range;
    const mdi = range === 0 ? 0 : sDown[i]! / range;
    const sum = pdi + mdi;
    dx[i] = sum === 0 ? 0 : (Math.abs(pdi - mdi) / sum) * 100;
    // The library reports the directional indicators as fractions; charts show them ×100.
    plus[i] = pdi * 100;
    minus[i] = mdi * 100;
  }
  emit(`adx${p}`, wilderSmooth(dx, p, p - 1));
  emit('plusDI', plus);
  emit('minusDI', minus);
}
