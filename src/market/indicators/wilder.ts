/** The library's Wilder-smoothed indicators: RSI, ATR, ADX with ±DI. */
import { ADX, ATR, RSI } from 'trading-signals';
import type { Emit, IndicatorContext } from './context.js';
import { PARAMS } from './params.js';
import { SmaSeededRMA } from './smoothing.js';

export function computeRsi({ close, n }: IndicatorContext, emit: Emit): void {
  const out = new Float64Array(n);
  const rsi = new RSI(PARAMS.rsi, SmaSeededRMA);
  for (let i = 0; i < n; i++) {
    const v = rsi.update(close[i]!, false);
    out[i] = v === null ? Number.NaN : v;
  }
  emit(`rsi${PARAMS.rsi}`, out);
}

export function computeAtr({ candles, n }: IndicatorContext, emit: Emit): void {
  const out = new Float64Array(n);
  const atr = new ATR(PARAMS.atr, SmaSeededRMA);
  for (let i = 0; i < n; i++) {
    const v = atr.update(candles[i]!, false);
    out[i] = v === null ? Number.NaN : v;
  }
  emit(`atr${PARAMS.atr}`, out);
}

export function computeAdx({ candles, n }: IndicatorContext, emit: Emit): void {
  const out = new Float64Array(n);
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  const adx = new ADX(PARAMS.adx, SmaSeededRMA);
  for (let i = 0; i < n; i++) {
    const v = adx.update(candles[i]!, false);
    out[i] = v === null ? Number.NaN : v;
    const pdi = adx.pdi;
    const mdi = adx.mdi;
    // The library reports the directional indicators as fractions; charts show them ×100.
    if (typeof pdi === 'number' && typeof mdi === 'number') {
      plus[i] = pdi * 100;
      minus[i] = mdi * 100;
    } else {
      plus[i] = minus[i] = Number.NaN;
    }
  }
  emit(`adx${PARAMS.adx}`, out);
  emit('plusDI', plus);
  emit('minusDI', minus);
}
