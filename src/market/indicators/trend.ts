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

export function computeMacd({ close, n }: IndicatorContext, emit: Emit): void {
  // The library's MACD class is this composition of its EMAs (line = fast − slow, signal = EMA of the
  // line, histogram = line − signal); composing them here skips the class's 26-price buffer and its
  // result object per bar. Same values as the library's MACD(SmaSeededEMA×3), checked in
  // test/unit/market/library-parity.test.ts. Like before, all three start with the signal line.
  const { fast, slow, signal } = PARAMS.macd;
  const line = seededEma(close, fast);
  const slowEma = seededEma(close, slow);
  for (let i = 0; i < n; i++) line[i] = i < slow - 1 ? Number.NaN : line[i]! - slowEma[i]!;
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
