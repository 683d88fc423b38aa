/** Moving averages, MACD and Bollinger Bands over the closes. */
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { bollinger, seriesArray } from './rolling.js';
import { seededEma } from './smoothing.js';

export function computeSma(ctx: IndicatorContext, emit: Emit): void {
  for (const p of PARAMS.sma) emit(`sma${p}`, ctx.meanOf(p));
}

export function computeEma(ctx: IndicatorContext, emit: Emit): void {
  for (const p of PARAMS.ema) emit(`ema${p}`, seededEma(ctx.close, p));
}

/**
 * MACD line = EMA(fast) − EMA(slow), both seededEma's arithmetic (SMA seed, then price·k + previous·(1 − k)),
 * carried together in one pass; NaN before the slow EMA's seed. Assumes fast < slow.
 */
function macdLine(close: Float64Array, fast: number, slow: number): Float64Array {
  const n = close.length;
  const line = seriesArray(n, slow - 1);
  if (n < slow) return line;
  const kf = 2 / (fast + 1);
  const keepF = 1 - kf;
  const ks = 2 / (slow + 1);
  const keepS = 1 - ks;
  let sumF = 0;
  for (let i = 0; i < fast; i++) sumF += close[i]!;
  const seedF = sumF / fast;
  let f = seedF * kf + seedF * keepF;
  for (let i = fast; i < slow - 1; i++) f = close[i]! * kf + f * keepF;
  let sumS = 0;
  for (let i = 0; i < slow; i++) sumS += close[i]!;
  const seedS = sumS / slow;
  let sl = seedS * ks + seedS * keepS;
  f = close[slow - 1]! * kf + f * keepF;
  line[slow - 1] = f - sl;
  for (let i = slow; i < n; i++) {
    const c = close[i]!;
    f = c * kf + f * keepF;
    sl = c * ks + sl * keepS;
    line[i] = f - sl;
  }
  return line;
}

export function computeMacd({ close, n }: IndicatorContext, emit: Emit): void {
  // The library's MACD class is this composition of its EMAs (line = fast − slow, signal = EMA of the
  // line, histogram = line − signal); composing them here skips the class's 26-price buffer and its
  // result object per bar. Same values as the library's MACD(SmaSeededEMA×3), checked in
  // test/unit/market/library-parity.test.ts. Like before, all three start with the signal line.
  const { fast, slow, signal } = PARAMS.macd;
  const line = macdLine(close, fast, slow);
  const sig = seededEma(line, signal, slow - 1);
  const hist = seriesArray(n, slow + signal - 2);
  for (let i = slow + signal - 2; i < n; i++) hist[i] = line[i]! - sig[i]!;
  line.fill(Number.NaN, 0, Math.min(n, slow + signal - 2));
  emit('macd', line);
  emit('macdSignal', sig);
  emit('macdHist', hist);
}

export function computeBbands({ close, meanOf }: IndicatorContext, emit: Emit): void {
  const { period, stdDev } = PARAMS.bbands;
  const middle = meanOf(period);
  const { upper, lower } = bollinger(close, period, stdDev, middle);
  emit('bbUpper', upper);
  emit('bbMiddle', middle);
  emit('bbLower', lower);
}
