/**
 * Technical indicators over a clean price series, computed by `trading-signals` 8 (maintained,
 * ESM, typed, streaming). Every series is a Float64Array aligned with the bars; NaN means "not
 * defined yet at this bar" and never leaves this module as a number (see technicals.ts).
 *
 * From the library: SMA, EMA, RSI (Wilder), MACD, Bollinger Bands, ATR (Wilder), ADX/+DI/-DI,
 * Stochastic, OBV, VWAP. Ours, because the library has no such indicator (marked OURS below):
 * close-to-close historical volatility, its rank/percentile, and the session anchoring of VWAP.
 *
 * Load this module lazily (`await import()`): it pulls trading-signals in.
 *
 * @example const r = computeIndicators(series, new Set(['rsi', 'macd']), { timeframe: '1Day', windowStart: 200 });
 *          r.series.get('rsi14') // Float64Array
 */
import { ADX, ATR, BollingerBands, EMA, MACD, OBV, RSI, SMA, StochasticOscillator, VWAP } from 'trading-signals';
import type { Timeframe } from '../broker/types.js';
import { PERIODS_PER_YEAR, type PriceSeries } from './series.js';

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

/** History to fetch before the analysed window so every value in it is defined (SMA200, a year of HV for its rank). */
export function warmupBars(which: ReadonlySet<IndicatorName>): number {
  let need = 0;
  if (which.has('sma')) need = Math.max(need, Math.max(...PARAMS.sma) - 1);
  if (which.has('ema')) need = Math.max(need, Math.max(...PARAMS.ema) - 1);
  if (which.has('hv')) need = Math.max(need, PARAMS.hv.period + PARAMS.hv.rankWindow - 1);
  for (const name of which) need = Math.max(need, MIN_BARS[name] - 1);
  return need;
}

/**
 * EMA seeded with the SMA of its first `interval` prices — the convention of Appel, StockCharts,
 * TA-Lib and TradingView. The library's EMA seeds with the first price instead, which leaves a
 * 200-period EMA visibly off for hundreds of bars; feeding it the SMA as its first input gives
 * the standard seed while the library still does the smoothing. Undefined (null) until seeded.
 */
export class SmaSeededEMA extends EMA {
  readonly #seed: SMA;
  #seeded = false;
  constructor(interval: number) {
    super(interval);
    this.#seed = new SMA(interval);
  }
  override update(price: number, replace: boolean): number {
    if (this.#seeded) return super.update(price, replace);
    const sma = this.#seed.update(price, replace);
    if (sma === null) return null as unknown as number; // MACD only reads it once the slow EMA is seeded
    this.#seeded = true;
    return super.update(sma, replace);
  }
}

export interface IndicatorResult {
  /** Named series aligned with the input bars: sma20, ema9, rsi14, macd, macdSignal, macdHist, bbUpper, ... */
  series: Map<string, Float64Array>;
  /** Which series each indicator produced. */
  produced: Record<IndicatorName, string[]>;
}

type Candle = { open: number; high: number; low: number; close: number; volume: number };
const CANDLES = new WeakMap<PriceSeries, Candle[]>();
/** The library's candle objects for a series, built once per series. */
function candlesOf(s: PriceSeries): Candle[] {
  let candles = CANDLES.get(s);
  if (!candles) {
    candles = new Array<Candle>(s.length);
    for (let i = 0; i < s.length; i++) candles[i] = { open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
    CANDLES.set(s, candles);
  }
  return candles;
}

function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

export interface ComputeOptions {
  timeframe: Timeframe;
  /** Index of the first bar of the analysed window (after warm-up): a daily VWAP is anchored there. */
  windowStart: number;
}

/** Day key for US equity sessions: UTC days shifted so the boundary (06:00 UTC) falls between 20:00 ET and 04:00 ET all year. */
function sessionKey(ms: number): number {
  return Math.floor((ms - 6 * 3_600_000) / 86_400_000);
}

export function computeIndicators(s: PriceSeries, which: ReadonlySet<IndicatorName>, options: ComputeOptions): IndicatorResult {
  const n = s.length;
  const { close } = s;
  const series = new Map<string, Float64Array>();
  const produced = Object.fromEntries(INDICATOR_NAMES.map((k) => [k, [] as string[]])) as Record<IndicatorName, string[]>;
  const put = (ind: IndicatorName, key: string, arr: Float64Array) => {
    series.set(key, arr);
    produced[ind].push(key);
  };
  const needsCandles = ['atr', 'adx', 'stoch', 'obv', 'vwap'].some((k) => which.has(k as IndicatorName));
  const candles = needsCandles ? candlesOf(s) : [];

  if (which.has('sma')) {
    for (const p of PARAMS.sma) {
      const out = nanArray(n);
      const sma = new SMA(p);
      for (let i = 0; i < n; i++) {
        const v = sma.update(close[i]!, false);
        if (v !== null) out[i] = v;
      }
      put('sma', `sma${p}`, out);
    }
  }

  if (which.has('ema')) {
    for (const p of PARAMS.ema) {
      const out = nanArray(n);
      const ema = new SmaSeededEMA(p);
      for (let i = 0; i < n; i++) {
        const v = ema.update(close[i]!, false) as number | null;
        if (v !== null) out[i] = v;
      }
      put('ema', `ema${p}`, out);
    }
  }

  if (which.has('rsi')) {
    const out = nanArray(n);
    const rsi = new RSI(PARAMS.rsi);
    for (let i = 0; i < n; i++) {
      const v = rsi.update(close[i]!, false);
      if (v !== null) out[i] = v;
    }
    put('rsi', `rsi${PARAMS.rsi}`, out);
  }

  if (which.has('macd')) {
    const { fast, slow, signal } = PARAMS.macd;
    const line = nanArray(n);
    const sig = nanArray(n);
    const hist = nanArray(n);
    const macd = new MACD(new SmaSeededEMA(fast), new SmaSeededEMA(slow), new SmaSeededEMA(signal));
    for (let i = 0; i < n; i++) {
      const r = macd.update(close[i]!, false);
      // The signal EMA is undefined for its first (signal - 1) MACD values; the library then reports histogram = macd.
      if (r !== null && r.signal !== null) {
        line[i] = r.macd;
        sig[i] = r.signal;
        hist[i] = r.histogram;
      }
    }
    put('macd', 'macd', line);
    put('macd', 'macdSignal', sig);
    put('macd', 'macdHist', hist);
  }

  if (which.has('bbands')) {
    const { period, stdDev } = PARAMS.bbands;
    const upper = nanArray(n);
    const middle = nanArray(n);
    const lower = nanArray(n);
    const bb = new BollingerBands(period, stdDev);
    for (let i = 0; i < n; i++) {
      const r = bb.update(close[i]!, false);
      if (r !== null) {
        upper[i] = r.upper;
        middle[i] = r.middle;
        lower[i] = r.lower;
      }
    }
    put('bbands', 'bbUpper', upper);
    put('bbands', 'bbMiddle', middle);
    put('bbands', 'bbLower', lower);
  }

  if (which.has('atr')) {
    const out = nanArray(n);
    const atr = new ATR(PARAMS.atr);
    for (let i = 0; i < n; i++) {
      const v = atr.update(candles[i]!, false);
      if (v !== null) out[i] = v;
    }
    put('atr', `atr${PARAMS.atr}`, out);
  }

  if (which.has('adx')) {
    const out = nanArray(n);
    const plus = nanArray(n);
    const minus = nanArray(n);
    const adx = new ADX(PARAMS.adx);
    for (let i = 0; i < n; i++) {
      const v = adx.update(candles[i]!, false);
      if (v !== null) out[i] = v;
      const pdi = adx.pdi;
      const mdi = adx.mdi;
      // The library reports the directional indicators as fractions; charts show them ×100.
      if (typeof pdi === 'number' && typeof mdi === 'number') {
        plus[i] = pdi * 100;
        minus[i] = mdi * 100;
      }
    }
    put('adx', `adx${PARAMS.adx}`, out);
    put('adx', 'plusDI', plus);
    put('adx', 'minusDI', minus);
  }

  if (which.has('stoch')) {
    const k = nanArray(n);
    const d = nanArray(n);
    const st = new StochasticOscillator({ kPeriod: PARAMS.stoch.k, kSlowingPeriod: PARAMS.stoch.kSlowing, dPeriod: PARAMS.stoch.d });
    for (let i = 0; i < n; i++) {
      const r = st.update(candles[i]!, false);
      if (r !== null) {
        k[i] = r.stochK;
        d[i] = r.stochD;
      }
    }
    put('stoch', 'stochK', k);
    put('stoch', 'stochD', d);
  }

  if (which.has('obv')) {
    const out = nanArray(n);
    const obv = new OBV(2); // the library's OBV needs the previous bar: 2 inputs before its first value
    if (n > 0) out[0] = 0;
    for (let i = 0; i < n; i++) {
      const v = obv.update(candles[i]!, false);
      if (v !== null) out[i] = v;
    }
    put('obv', 'obv', out);
  }

  if (which.has('vwap')) {
    // OURS: the anchoring. Intraday VWAP restarts each US session; on daily bars it is anchored at the
    // first bar of the analysed window (an "anchored VWAP"). The library computes the VWAP itself.
    const out = nanArray(n);
    const intraday = options.timeframe !== '1Day';
    const start = intraday ? 0 : Math.min(Math.max(0, options.windowStart), n);
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
    put('vwap', 'vwap', out);
  }

  if (which.has('hv')) {
    const { hv, rank } = historicalVolatility(close, PARAMS.hv.period, PERIODS_PER_YEAR[options.timeframe], PARAMS.hv.rankWindow, PARAMS.hv.minRankObservations);
    put('hv', `hv${PARAMS.hv.period}`, hv);
    put('hv', 'hvRank', rank);
  }

  return { series, produced };
}

/**
 * OURS (trading-signals has no close-to-close volatility): annualised sample standard deviation of
 * log returns over `period` returns, and its rank within the trailing `rankWindow` HV values,
 * IV-rank style: 100 × (hv − min) / (max − min). Rolling min/max by monotonic deques (O(n)).
 */
export function historicalVolatility(close: Float64Array, period: number, periodsPerYear: number, rankWindow: number, minObservations: number): { hv: Float64Array; rank: Float64Array } {
  const n = close.length;
  const hv = nanArray(n);
  const rank = nanArray(n);
  const ret = new Float64Array(n);
  for (let i = 1; i < n; i++) ret[i] = Math.log(close[i]! / close[i - 1]!);
  const annualise = Math.sqrt(periodsPerYear);
  for (let i = period; i < n; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += ret[j]!;
    const mean = sum / period;
    let sq = 0;
    for (let j = i - period + 1; j <= i; j++) {
      const d = ret[j]! - mean;
      sq += d * d;
    }
    hv[i] = Math.sqrt(sq / (period - 1)) * annualise;
  }
  // Deques of indices into hv, over the window (i - rankWindow, i].
  const maxQ = new Int32Array(n);
  const minQ = new Int32Array(n);
  let maxHead = 0;
  let maxTail = 0;
  let minHead = 0;
  let minTail = 0;
  for (let i = period; i < n; i++) {
    const x = hv[i]!;
    while (maxTail > maxHead && hv[maxQ[maxTail - 1]!]! <= x) maxTail--;
    maxQ[maxTail++] = i;
    while (minTail > minHead && hv[minQ[minTail - 1]!]! >= x) minTail--;
    minQ[minTail++] = i;
    const oldest = i - rankWindow + 1;
    while (maxQ[maxHead]! < oldest) maxHead++;
    while (minQ[minHead]! < oldest) minHead++;
    const observations = i - Math.max(oldest, period) + 1;
    if (observations < minObservations) continue;
    const hi = hv[maxQ[maxHead]!]!;
    const lo = hv[minQ[minHead]!]!;
    if (hi > lo) rank[i] = (100 * (x - lo)) / (hi - lo); // a flat history has no rank
  }
  return { hv, rank };
}

/** OURS: share (0–100) of the trailing `window` defined values strictly below the latest one. */
export function percentileOfLast(values: Float64Array, window: number): { percentile: number; observations: number } | null {
  const last = values[values.length - 1];
  if (last === undefined || Number.isNaN(last)) return null;
  let below = 0;
  let count = 0;
  for (let i = Math.max(0, values.length - window); i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    count += 1;
    if (v < last) below += 1;
  }
  return { percentile: (100 * below) / count, observations: count };
}
