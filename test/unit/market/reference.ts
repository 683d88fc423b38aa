/**
 * Independent, deliberately naive reference implementations of the textbook formulas (Wilder 1978,
 * Appel, Bollinger, Lane, Granville), written from the definitions and sharing no code with
 * src/market or trading-signals. Each returns an array aligned with its input, NaN where undefined.
 */
export interface Ohlcv {
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  v: number[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function refSma(x: number[], p: number): number[] {
  return x.map((_, i) => (i + 1 >= p ? mean(x.slice(i + 1 - p, i + 1)) : NaN));
}

/** EMA seeded with the SMA of the first p defined values, alpha = 2/(p+1). Leading NaNs are skipped. */
export function refEma(x: number[], p: number): number[] {
  const out = x.map(() => NaN);
  const first = x.findIndex((v) => !Number.isNaN(v));
  if (first < 0 || first + p > x.length) return out;
  const a = 2 / (p + 1);
  let e = mean(x.slice(first, first + p));
  out[first + p - 1] = e;
  for (let i = first + p; i < x.length; i++) {
    e = a * x[i]! + (1 - a) * e;
    out[i] = e;
  }
  return out;
}

/** Wilder's RSI: first averages are plain means of the first p changes, then (prev·(p−1) + x)/p. */
export function refRsi(c: number[], p: number): number[] {
  const out = c.map(() => NaN);
  let g = 0;
  let l = 0;
  for (let i = 1; i < c.length; i++) {
    const d = c[i]! - c[i - 1]!;
    const gain = Math.max(d, 0);
    const loss = Math.max(-d, 0);
    if (i <= p) {
      g += gain / p;
      l += loss / p;
      if (i < p) continue;
    } else {
      g = (g * (p - 1) + gain) / p;
      l = (l * (p - 1) + loss) / p;
    }
    out[i] = l === 0 ? 100 : 100 - 100 / (1 + g / l);
  }
  return out;
}

export function refMacd(c: number[], fast = 12, slow = 26, signal = 9): { macd: number[]; signal: number[]; hist: number[] } {
  const f = refEma(c, fast);
  const s = refEma(c, slow);
  const line = c.map((_, i) => (Number.isNaN(s[i]!) ? NaN : f[i]! - s[i]!));
  const sig = refEma(line, signal);
  const macd = line.map((v, i) => (Number.isNaN(sig[i]!) ? NaN : v));
  return { macd, signal: sig, hist: macd.map((v, i) => v - sig[i]!) };
}

/** Bollinger: SMA ± k × population standard deviation (Bollinger's own definition). */
export function refBollinger(c: number[], p: number, k: number): { upper: number[]; middle: number[]; lower: number[] } {
  const middle = refSma(c, p);
  const sd = c.map((_, i) => (i + 1 >= p ? Math.sqrt(mean(c.slice(i + 1 - p, i + 1).map((x) => (x - middle[i]!) ** 2))) : NaN));
  return { upper: middle.map((m, i) => m + k * sd[i]!), middle, lower: middle.map((m, i) => m - k * sd[i]!) };
}

export function trueRange(b: Ohlcv, i: number): number {
  const hl = b.h[i]! - b.l[i]!;
  if (i === 0) return hl;
  return Math.max(hl, Math.abs(b.h[i]! - b.c[i - 1]!), Math.abs(b.l[i]! - b.c[i - 1]!));
}

/** Wilder's ATR as StockCharts tabulates it: first TR = high − low; first ATR = mean of the first p TRs. */
export function refAtr(b: Ohlcv, p: number): number[] {
  const out = b.c.map(() => NaN);
  let atr = 0;
  for (let i = 0; i < b.c.length; i++) {
    const tr = trueRange(b, i);
    if (i < p) {
      atr += tr / p;
      if (i === p - 1) out[i] = atr;
    } else {
      atr = (atr * (p - 1) + tr) / p;
      out[i] = atr;
    }
  }
  return out;
}

/**
 * Wilder's ADX from "New Concepts" (1978): TR, +DM, −DM from the second bar; TR14/DM14 start as sums of
 * the first p values and continue as prev − prev/p + x; DX = 100·|+DI − −DI|/(+DI + −DI); ADX starts as
 * the mean of the first p DX values and continues (prev·(p−1) + DX)/p.
 */
export function refAdx(b: Ohlcv, p: number): { adx: number[]; plusDI: number[]; minusDI: number[] } {
  const n = b.c.length;
  const adx = new Array<number>(n).fill(NaN);
  const plusDI = new Array<number>(n).fill(NaN);
  const minusDI = new Array<number>(n).fill(NaN);
  let tr14 = 0;
  let p14 = 0;
  let m14 = 0;
  const dxs: number[] = [];
  let a = NaN;
  for (let i = 1; i < n; i++) {
    const up = b.h[i]! - b.h[i - 1]!;
    const down = b.l[i - 1]! - b.l[i]!;
    const pdm = up > down && up > 0 ? up : 0;
    const mdm = down > up && down > 0 ? down : 0;
    const tr = trueRange(b, i);
    if (i <= p) {
      tr14 += tr;
      p14 += pdm;
      m14 += mdm;
      if (i < p) continue;
    } else {
      tr14 = tr14 - tr14 / p + tr;
      p14 = p14 - p14 / p + pdm;
      m14 = m14 - m14 / p + mdm;
    }
    // No range yet (a flat start): ±DI are 0 and so is DX, as in TA-Lib and TradingView.
    const pdi = tr14 === 0 ? 0 : (100 * p14) / tr14;
    const mdi = tr14 === 0 ? 0 : (100 * m14) / tr14;
    plusDI[i] = pdi;
    minusDI[i] = mdi;
    const dx = pdi + mdi === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
    if (dxs.length < p) {
      dxs.push(dx);
      if (dxs.length === p) {
        a = mean(dxs);
        adx[i] = a;
      }
    } else {
      a = (a * (p - 1) + dx) / p;
      adx[i] = a;
    }
  }
  return { adx, plusDI, minusDI };
}

/** Lane's slow stochastic: fast %K over k bars, %K = SMA(kSlow) of fast %K, %D = SMA(d) of %K. */
export function refStochastic(b: Ohlcv, k: number, kSlow: number, d: number): { k: number[]; d: number[] } {
  const fast = b.c.map((c, i) => {
    if (i + 1 < k) return NaN;
    const hh = Math.max(...b.h.slice(i + 1 - k, i + 1));
    const ll = Math.min(...b.l.slice(i + 1 - k, i + 1));
    return hh === ll ? 0 : (100 * (c - ll)) / (hh - ll);
  });
  const smooth = (x: number[], p: number) =>
    x.map((_, i) => (i + 1 >= p && x.slice(i + 1 - p, i + 1).every((v) => !Number.isNaN(v)) ? mean(x.slice(i + 1 - p, i + 1)) : NaN));
  const K = smooth(fast, kSlow);
  return { k: K, d: smooth(K, d) };
}

/** Granville's OBV, starting at 0 on the first bar. */
export function refObv(b: Ohlcv): number[] {
  let obv = 0;
  return b.c.map((c, i) => {
    if (i > 0) obv += c > b.c[i - 1]! ? b.v[i]! : c < b.c[i - 1]! ? -b.v[i]! : 0;
    return obv;
  });
}

/** Cumulative VWAP of the typical price (H+L+C)/3 from `from`. */
export function refVwap(b: Ohlcv, from = 0): number[] {
  let pv = 0;
  let vol = 0;
  return b.c.map((c, i) => {
    if (i < from) return NaN;
    pv += ((b.h[i]! + b.l[i]! + c) / 3) * b.v[i]!;
    vol += b.v[i]!;
    return pv / vol;
  });
}

/** Close-to-close historical volatility: sample standard deviation of p log returns × √(periods per year). */
export function refHv(c: number[], p: number, perYear: number): number[] {
  return c.map((_, i) => {
    if (i < p) return NaN;
    const r = [];
    for (let j = i - p + 1; j <= i; j++) r.push(Math.log(c[j]! / c[j - 1]!));
    const m = mean(r);
    return Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / (p - 1)) * Math.sqrt(perYear);
  });
}

/** A deterministic OHLCV random walk (mulberry32) with trends, ranges and volume. */
export function walk(n: number, seed = 7, start = 100): Ohlcv & { t: string[] } {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = { t: [] as string[], o: [] as number[], h: [] as number[], l: [] as number[], c: [] as number[], v: [] as number[] };
  let price = start;
  let day = Date.UTC(2022, 0, 3, 5);
  for (let i = 0; i < n; i++) {
    const o = price;
    price = o * (1 + (rnd() - 0.49) * 0.04);
    out.t.push(new Date(day).toISOString());
    out.o.push(o);
    out.c.push(price);
    out.h.push(Math.max(o, price) * (1 + rnd() * 0.01));
    out.l.push(Math.min(o, price) * (1 - rnd() * 0.01));
    out.v.push(Math.round(1e5 * (0.5 + rnd() * 2)));
    day += 86_400_000 * (i % 5 === 4 ? 3 : 1);
  }
  return out;
}
