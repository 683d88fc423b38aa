/**
 * Deterministic simulated prices. Each symbol follows a geometric Brownian motion whose
 * daily log-returns come from a PRNG seeded by (config seed, symbol); within a UTC day the
 * path is a Brownian bridge between the day's endpoints, so any instant is computable in
 * O(1440) without replaying history, and the same seed always gives the same prices.
 * The level is anchored so a symbol trades near a realistic price around ANCHOR_DAY.
 */

const EPOCH_MS = Date.UTC(2010, 0, 1);
const DAY_MS = 86_400_000;
const DAYS = 366 * 40; // 2010–2049
const ANCHOR_DAY = Math.floor((Date.UTC(2025, 5, 2) - EPOCH_MS) / DAY_MS);

/** Rough mid-2025 levels so well-known tickers look familiar; others get a price from their hash. */
const ANCHOR_PRICES: Record<string, number> = {
  AAPL: 200,
  MSFT: 460,
  NVDA: 135,
  AMZN: 205,
  GOOGL: 170,
  GOOG: 172,
  META: 680,
  TSLA: 340,
  'BRK.B': 490,
  JPM: 260,
  V: 355,
  UNH: 300,
  XOM: 105,
  JNJ: 155,
  WMT: 97,
  PG: 160,
  MA: 570,
  HD: 365,
  KO: 70,
  PEP: 130,
  AMD: 115,
  NFLX: 1200,
  INTC: 20,
  DIS: 115,
  BAC: 44,
  SPY: 590,
  QQQ: 520,
  IWM: 205,
  DIA: 425,
  GLD: 310,
  TLT: 86,
};

export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A fast integer hash of two 32-bit values (murmur3 finaliser): per-minute randomness without string keys. */
export function mix32(a: number, b: number): number {
  let h = Math.imul((a ^ Math.imul(b, 0x9e3779b1)) >>> 0, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for simulated prices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface SymbolModel {
  symbol: string;
  /** Annualised volatility of the path (the options model prices with it). */
  vol: number;
  anchorPrice: number;
  /** Typical shares traded per regular-session minute. */
  minuteVolume: number;
}

export class PricePath {
  private readonly daily = new Map<string, Float64Array>();
  private readonly intraday = new Map<string, Float64Array>();
  readonly models = new Map<string, SymbolModel>();

  constructor(private readonly seed: number) {}

  model(symbol: string): SymbolModel {
    let m = this.models.get(symbol);
    if (!m) {
      const h = hash32(`${this.seed}:${symbol}:model`);
      const rand = prng(h);
      const anchor = ANCHOR_PRICES[symbol] ?? Math.round((15 + rand() * 385) * 100) / 100;
      m = { symbol, vol: 0.18 + rand() * 0.32, anchorPrice: anchor, minuteVolume: Math.round(2_000 + rand() * 60_000) };
      this.models.set(symbol, m);
    }
    return m;
  }

  /** Log price at each UTC midnight since EPOCH, anchored at ANCHOR_DAY. */
  private dailyLogs(symbol: string): Float64Array {
    let arr = this.daily.get(symbol);
    if (!arr) {
      const m = this.model(symbol);
      const rand = prng(hash32(`${this.seed}:${symbol}:daily`));
      const sigma = m.vol / Math.sqrt(365);
      const drift = 0.06 / 365 - (sigma * sigma) / 2;
      arr = new Float64Array(DAYS + 1);
      for (let d = 1; d <= DAYS; d += 1) arr[d] = arr[d - 1]! + drift + sigma * gaussian(rand);
      const shift = Math.log(m.anchorPrice) - arr[ANCHOR_DAY]!;
      for (let d = 0; d <= DAYS; d += 1) arr[d] = arr[d]! + shift;
      this.daily.set(symbol, arr);
    }
    return arr;
  }

  /** Log price at each minute of one UTC day (1441 points, both ends pinned to the daily path). */
  private dayLogs(symbol: string, day: number): Float64Array {
    const key = `${symbol}:${day}`;
    let arr = this.intraday.get(key);
    if (!arr) {
      const daily = this.dailyLogs(symbol);
      const start = daily[day]!;
      const end = daily[day + 1]!;
      const sigmaMin = this.model(symbol).vol / Math.sqrt(365 * 1440);
      const rand = prng(hash32(`${this.seed}:${symbol}:${day}`));
      const walk = new Float64Array(1441);
      for (let i = 1; i <= 1440; i += 1) walk[i] = walk[i - 1]! + sigmaMin * gaussian(rand);
      arr = new Float64Array(1441);
      const wEnd = walk[1440]!;
      for (let i = 0; i <= 1440; i += 1) {
        const f = i / 1440;
        arr[i] = start + f * (end - start) + (walk[i]! - f * wEnd);
      }
      if (this.intraday.size > 4000) this.intraday.clear();
      this.intraday.set(key, arr);
    }
    return arr;
  }

  /** Mid price at an instant (linear within a minute), rounded to cents. */
  priceAt(symbol: string, at: number): number {
    return Math.round(this.rawPriceAt(symbol, at) * 100) / 100;
  }

  rawPriceAt(symbol: string, at: number): number {
    const minutes = (at - EPOCH_MS) / 60_000;
    const clamped = Math.min(Math.max(minutes, 0), DAYS * 1440 - 1);
    const day = Math.floor(clamped / 1440);
    const within = clamped - day * 1440;
    const i = Math.floor(within);
    const logs = this.dayLogs(symbol, day);
    const f = within - i;
    return Math.exp(logs[i]! * (1 - f) + logs[Math.min(i + 1, 1440)]! * f);
  }

  /** Per-symbol key for mix32 (cached). */
  symbolKey(symbol: string): number {
    let k = this.keys.get(symbol);
    if (k === undefined) {
      k = hash32(`${this.seed}:${symbol}:tape`);
      this.keys.set(symbol, k);
    }
    return k;
  }

  private readonly keys = new Map<string, number>();

  /** Shares traded in the minute starting at `at` (deterministic). */
  volumeAt(symbol: string, at: number): number {
    const m = this.model(symbol);
    const r = mix32(this.symbolKey(symbol) ^ 0x5bd1e995, Math.floor(at / 60_000)) / 4294967296;
    return Math.max(1, Math.round(m.minuteVolume * (0.4 + 1.2 * r)));
  }
}
