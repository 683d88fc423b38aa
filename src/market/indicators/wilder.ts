/** The library's Wilder-smoothed indicators: RSI, ATR, ADX with ±DI. */
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { seriesArray } from './rolling.js';

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

/**
 * ATR: the library's ATR with SmaSeededRMA smoothing as one loop: the true range per bar (the first bar:
 * its range), Wilder-smoothed with SmaSeededRMA's arithmetic (the seed is the left-to-right sum of the
 * first p ranges over p, then tr·(1/p) + previous·(1 − 1/p)).
 */
export function computeAtr({ s, n }: IndicatorContext, emit: Emit): void {
  const p = PARAMS.atr;
  const { high, low, close } = s;
  const out = seriesArray(n, p - 1);
  const w = 1 / p;
  const keep = 1 - w;
  let atr = 0;
  for (let i = 0; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    let tr = h - l;
    if (i > 0) {
      const pc = close[i - 1]!;
      tr = Math.max(tr, Math.abs(h - pc), Math.abs(l - pc));
    }
    if (i < p - 1) {
      atr += tr;
      continue;
    }
    if (i === p - 1) {
      const seed = (atr + tr) / p;
      atr = seed * w + seed * keep;
    } else atr = tr * w + atr * keep;
    out[i] = atr;
  }
  emit(`atr${p}`, out);
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
  // One pass: true range and moves per bar, their Wilder smoothing (SmaSeededRMA's arithmetic: the seed
  // is the left-to-right sum of the first p inputs over p), ±DI, DX and its smoothing, without the nine
  // intermediate series.
  const p = PARAMS.adx;
  const { high, low, close } = s;
  const w = 1 / p;
  const keep = 1 - w;
  const plus = seriesArray(n, p - 1);
  const minus = seriesArray(n, p - 1);
  const adx = seriesArray(n, 2 * p - 2);
  let sTr = 0;
  let sUp = 0;
  let sDown = 0;
  let sDx = 0;
  for (let i = 0; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    let tr = h - l;
    let up = 0;
    let down = 0;
    if (i > 0) {
      const pc = close[i - 1]!;
      tr = Math.max(tr, Math.abs(h - pc), Math.abs(l - pc));
      const higherHigh = h - high[i - 1]!;
      const lowerLow = low[i - 1]! - l;
      up = higherHigh < 0 || higherHigh < lowerLow ? 0 : higherHigh;
      down = lowerLow < 0 || lowerLow < higherHigh ? 0 : lowerLow;
    }
    if (i < p - 1) {
      sTr += tr;
      sUp += up;
      sDown += down;
      continue;
    }
    if (i === p - 1) {
      sTr = (sTr + tr) / p;
      sUp = (sUp + up) / p;
      sDown = (sDown + down) / p;
      sTr = sTr * w + sTr * keep;
      sUp = sUp * w + sUp * keep;
      sDown = sDown * w + sDown * keep;
    } else {
      sTr = tr * w + sTr * keep;
      sUp = up * w + sUp * keep;
      sDown = down * w + sDown * keep;
    }
    const pdi = sTr === 0 ? 0 : sUp / sTr;
    const mdi = sTr === 0 ? 0 : sDown / sTr;
    const sum = pdi + mdi;
    const dx = sum === 0 ? 0 : (Math.abs(pdi - mdi) / sum) * 100;
    // The library reports the directional indicators as fractions; charts show them ×100.
    plus[i] = pdi * 100;
    minus[i] = mdi * 100;
    if (i < 2 * p - 2) {
      sDx += dx;
      continue;
    }
    if (i === 2 * p - 2) {
      sDx = (sDx + dx) / p;
      sDx = sDx * w + sDx * keep;
    } else sDx = dx * w + sDx * keep;
    adx[i] = sDx;
  }
  emit(`adx${p}`, adx);
  emit('plusDI', plus);
  emit('minusDI', minus);
}
