/** The indicator names and their fixed, conventional parameters (shared by every indicator family). */
export const INDICATOR_NAMES = ['sma', 'ema', 'rsi', 'macd', 'bbands', 'atr', 'adx', 'stoch', 'obv', 'vwap', 'hv'] as const;
export type IndicatorName = (typeof INDICATOR_NAMES)[number];

/** Fixed, conventional parameters (the ones a trader reads on any chart). */
export const PARAMS = {
  sma: [20, 50, 200],
  ema: [9, 21, 50, 200],
  rsi: 14,
  macd: { fast: 12, slow: 26, signal: 9 },
  bbands: { period: 20, stdDev: 2 },
  atr: 14,
  adx: 14,
  stoch: { k: 14, kSlowing: 3, d: 3 },
  hv: { period: 20, rankWindow: 252, minRankObservations: 20 },
} as const;

/** Bars needed before the indicator has its first value (the library's warm-up, checked in tests). */
export const MIN_BARS: Record<IndicatorName, number> = {
  sma: PARAMS.sma[0],
  ema: PARAMS.ema[0],
  rsi: PARAMS.rsi + 1,
  macd: PARAMS.macd.slow + PARAMS.macd.signal - 1,
  bbands: PARAMS.bbands.period,
  atr: PARAMS.atr,
  adx: 2 * PARAMS.adx - 1,
  stoch: PARAMS.stoch.k + PARAMS.stoch.kSlowing - 1 + PARAMS.stoch.d - 1,
  obv: 1, // OBV starts at 0 on the first bar
  vwap: 1,
  hv: PARAMS.hv.period + 1,
};
