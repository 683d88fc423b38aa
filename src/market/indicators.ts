/**
 * Technical indicators over a clean price series, computed by `trading-signals` 8 (maintained,
 * ESM, typed, streaming). Every series is a Float64Array aligned with the bars; NaN means "not
 * defined yet at this bar" and never leaves this module as a number (see technicals.ts).
 *
 * From the library: EMA, RSI (Wilder), MACD (composed of its EMAs), ATR (Wilder), ADX/+DI/-DI,
 * Stochastic (via its Williams %R), OBV, VWAP. Ours, because the library has no such indicator
 * (marked OURS below): close-to-close historical volatility, its rank/percentile, and the session
 * anchoring of VWAP. Ours for speed only, because the library's versions re-average their whole
 * window on every bar and it has no running-sum or batch path: the rolling mean (SMA, the Bollinger
 * middle band, the Stochastic's smoothing) and the Bollinger standard deviation. Every one of those
 * is checked against the library's own output in test/unit/market/library-parity.test.ts, and all
 * indicators against independent references in indicators.test.ts.
 * Speed (bench/technicals.ts, 100,000 bars): no per-bar result objects or spread/map copies, one
 * rolling mean per period shared between SMA(20) and the Bollinger middle band, and outputs written
 * once (no NaN pre-fill beyond each warm-up).
 *
 * Load this module lazily (`await import()`): it pulls trading-signals in.
 *
 * @example const r = computeIndicators(series, new Set(['rsi', 'macd']), { timeframe: '1Day', windowStart: 200 });
 *          r.series.get('rsi14') // Float64Array
 */
import { ADX, ATR, EMA, getAverage, NotEnoughDataError, OBV, RMA, RSI, SMA, VWAP, WilliamsR } from 'trading-signals';
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
 * computeIndicators feeds plain EMAs that seed directly (seededEma below, no per-bar subclass call);
 * this streaming form is the reference the parity test runs the library's MACD class with.
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

/**
 * Wilder smoothing for the library's RSI, ATR and ADX (their `SmoothingIndicator` parameter): the
 * library's RMA recurrence (x/n + previous·(1 − 1/n)) seeded with the library's SMA of its first n
 * inputs. Same values as the library's default smoothing, WSMA (checked in
 * test/unit/market/library-parity.test.ts), without WSMA's inner SMA, which keeps re-averaging its
 * window on every bar long after the seed. Append-only: `replace` is not supported (never used here).
 */
export class SmaSeededRMA extends RMA {
  #seed: SMA | null;
  constructor(interval: number) {
    super(interval);
    this.#seed = new SMA(interval);
  }
  override update(price: number, replace: boolean): number {
    const seed = this.#seed;
    if (seed === null) return super.update(price, replace);
    const sma = seed.update(price, replace);
    if (sma === null) return null as unknown as number; // callers only read it once isStable
    this.#seed = null;
    return super.update(sma, replace);
  }
  override getResultOrThrow(): number {
    if (this.#seed !== null || this.result === undefined) throw new NotEnoughDataError(this.interval);
    return this.result;
  }
  override get isStable(): boolean {
    return this.#seed === null;
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

/** A series of n bars, NaN over its first `undefinedBars` (the rest is written by the caller). */
function seriesArray(n: number, undefinedBars: number): Float64Array {
  const out = new Float64Array(n);
  if (undefinedBars > 0) out.fill(Number.NaN, 0, Math.min(undefinedBars, n));
  return out;
}

/**
 * OURS, for speed only: the rolling mean over `period` values of x[from..] (the SMA), in O(1) per bar with a
 * Neumaier-compensated running sum. trading-signals 8's SMA re-averages its whole window on every
 * bar (O(period); 270 additions a bar for SMA 20/50/200) and offers no running-sum or batch path.
 * Verified against the library's own SMA in test/unit/market/library-parity.test.ts (and against the
 * independent reference in indicators.test.ts).
 */
export function rollingMean(x: Float64Array, period: number, from = 0): Float64Array {
  const n = x.length;
  const first = from + period - 1;
  const out = seriesArray(n, first);
  let sum = 0;
  let comp = 0; // the low-order bits the running sum has lost
  for (let i = from; i < n; i++) {
    const v = x[i]!;
    let t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
    if (i > first) {
      const w = -x[i - period]!;
      t = sum + w;
      comp += Math.abs(sum) >= Math.abs(w) ? sum - t + w : w - t + sum;
      sum = t;
    }
    if (i >= first) out[i] = (sum + comp) / period;
  }
  return out;
}

/**
 * OURS, for speed only: Bollinger Bands over the rolling mean above, with the population standard
 * deviation computed exactly as the library does (two-pass over the window: mean of squared
 * deviations from the middle band). The library's BollingerBands re-averages the window and
 * allocates two arrays and a result object per bar. Verified against the library's BollingerBands
 * in test/unit/market/library-parity.test.ts.
 */
export function bollinger(x: Float64Array, period: number, multiplier: number, middle: Float64Array): { upper: Float64Array; lower: Float64Array } {
  const n = x.length;
  const upper = seriesArray(n, period - 1);
  const lower = seriesArray(n, period - 1);
  for (let i = period - 1; i < n; i++) {
    const m = middle[i]!;
    let sq = 0;
    for (let j = i - period + 1; j <= i; j++) {
      const d = x[j]! - m;
      sq += d * d;
    }
    const sd = Math.sqrt(sq / period);
    upper[i] = m + sd * multiplier;
    lower[i] = m - sd * multiplier;
  }
  return { upper, lower };
}

/**
 * The library's EMA over x[from..] with the standard seed: its first input is the library's average
 * of the first `period` values (what SmaSeededEMA does, without a subclass call per bar).
 */
function seededEma(x: Float64Array, period: number, from = 0): Float64Array {
  const n = x.length;
  const first = from + period - 1;
  const out = seriesArray(n, first);
  if (n <= first) return out;
  const ema = new EMA(period);
  out[first] = ema.update(getAverage(Array.from(x.subarray(from, first + 1))), false);
  for (let i = first + 1; i < n; i++) out[i] = ema.update(x[i]!, false);
  return out;
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
  // One rolling mean per period: SMA(20) and the Bollinger middle band are the same series.
  const means = new Map<number, Float64Array>();
  const meanOf = (p: number) => {
    let m = means.get(p);
    if (!m) means.set(p, (m = rollingMean(close, p)));
    return m;
  };

  if (which.has('sma')) {
    for (const p of PARAMS.sma) put('sma', `sma${p}`, meanOf(p));
  }

  if (which.has('ema')) {
    for (const p of PARAMS.ema) put('ema', `ema${p}`, seededEma(close, p));
  }

  if (which.has('rsi')) {
    const out = new Float64Array(n);
    const rsi = new RSI(PARAMS.rsi, SmaSeededRMA);
    for (let i = 0; i < n; i++) {
      const v = rsi.update(close[i]!, false);
      out[i] = v === null ? Number.NaN : v;
    }
    put('rsi', `rsi${PARAMS.rsi}`, out);
  }

  if (which.has('macd')) {
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
    put('macd', 'macd', line);
    put('macd', 'macdSignal', sig);
    put('macd', 'macdHist', hist);
  }

  if (which.has('bbands')) {
    const { period, stdDev } = PARAMS.bbands;
    const middle = meanOf(period);
    const { upper, lower } = bollinger(close, period, stdDev, middle);
    put('bbands', 'bbUpper', upper);
    put('bbands', 'bbMiddle', middle);
    put('bbands', 'bbLower', lower);
  }

  if (which.has('atr')) {
    const out = new Float64Array(n);
    const atr = new ATR(PARAMS.atr, SmaSeededRMA);
    for (let i = 0; i < n; i++) {
      const v = atr.update(candles[i]!, false);
      out[i] = v === null ? Number.NaN : v;
    }
    put('atr', `atr${PARAMS.atr}`, out);
  }

  if (which.has('adx')) {
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
    put('adx', `adx${PARAMS.adx}`, out);
    put('adx', 'plusDI', plus);
    put('adx', 'minusDI', minus);
  }

  if (which.has('stoch')) {
    // The library's StochasticOscillator finds the window's high and low with Math.max(...candles.map())
    // on every bar. Its WilliamsR computes the same normalisation with a plain loop, and
    // fast %K = %R + 100 by definition (Lane; Williams): both are (close − LL)/(HH − LL) on a 0–100 or
    // −100–0 scale, and both read 0 when the window has no range. %K (slowing) and %D are SMAs, as
    // inside the library's oscillator (here the rolling mean above). Values match the library's
    // StochasticOscillator (test/unit/market/library-parity.test.ts).
    const { k: kPeriod, kSlowing, d: dPeriod } = PARAMS.stoch;
    const fastK = seriesArray(n, kPeriod - 1);
    const willR = new WilliamsR(kPeriod);
    for (let i = 0; i < n; i++) {
      const r = willR.update(candles[i]!, false);
      if (r !== null) fastK[i] = r + 100;
    }
    const k = rollingMean(fastK, kSlowing, kPeriod - 1);
    const d = rollingMean(k, dPeriod, kPeriod + kSlowing - 2);
    // Like the library, %K is reported together with %D only.
    k.fill(Number.NaN, 0, Math.min(n, kPeriod + kSlowing + dPeriod - 3));
    put('stoch', 'stochK', k);
    put('stoch', 'stochD', d);
  }

  if (which.has('obv')) {
    const out = new Float64Array(n);
    const obv = new OBV(2); // the library's OBV needs the previous bar: 2 inputs before its first value
    for (let i = 0; i < n; i++) {
      const v = obv.update(candles[i]!, false);
      out[i] = v === null ? Number.NaN : v;
    }
    if (n > 0) out[0] = 0; // OBV starts at 0 on the first bar
    put('obv', 'obv', out);
  }

  if (which.has('vwap')) {
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
  const hv = seriesArray(n, period);
  const rank = nanArray(n);
  const ret = new Float64Array(n);
  for (let i = 1; i < n; i++) ret[i] = Math.log(close[i]! / close[i - 1]!);
  const annualise = Math.sqrt(periodsPerYear);
  const means = rollingMean(ret, period, 1); // mean of ret[i - period + 1 .. i]
  for (let i = period; i < n; i++) {
    const mean = means[i]!;
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
