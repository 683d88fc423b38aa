/**
 * The sim broker's market: prices from the seeded path (path.ts) or, when present, from the
 * user's CSV file `<dataDir>/market-data/<SYMBOL>.csv`.
 *
 * CSV columns (header row required, comma-separated):
 *   timestamp,open,high,low,close,volume
 * `timestamp` is an ISO 8601 instant (a bar's start) or a YYYY-MM-DD date (a daily bar, taken to
 * start at that session's open). Rows may be in any order. The price at an instant is the close of
 * the last row that started at or before it.
 *
 * Outside regular hours the market is frozen at the last session's close: quotes, trades and
 * fills use the "effective" instant, never a price the simulated tape has not printed yet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bar, Quote, Snapshot, Timeframe, Trade } from '../types.js';
import { currentOrNextSession, easternDate, easternInstant, isMarketOpen, previousSession, sessionOn, sessionsBetween, addDays } from '../calendar.js';
import { PricePath, hash32, mix32, prng } from './path.js';

const MINUTE = 60_000;
export const TIMEFRAME_MS: Record<Timeframe, number> = { '1Min': MINUTE, '5Min': 5 * MINUTE, '15Min': 15 * MINUTE, '1Hour': 60 * MINUTE, '1Day': 86_400_000 };
const BARS_PER_SESSION: Record<Timeframe, number> = { '1Min': 390, '5Min': 78, '15Min': 26, '1Hour': 7, '1Day': 1 };

const round2 = (x: number) => Math.round(x * 100) / 100;

interface CsvRow {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export class CsvSeriesError extends Error {}

function parseCsv(symbol: string, text: string): CsvRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim().toLowerCase());
  const idx = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new CsvSeriesError(`market-data/${symbol}.csv: missing column "${name}" (need timestamp,open,high,low,close,volume)`);
    return i;
  };
  const cols = { t: idx('timestamp'), o: idx('open'), h: idx('high'), l: idx('low'), c: idx('close'), v: idx('volume') };
  const rows: CsvRow[] = [];
  for (const [n, line] of lines.entries()) {
    const cells = line.split(',').map((c) => c.trim());
    const ts = cells[cols.t] ?? '';
    const t = /^\d{4}-\d{2}-\d{2}$/.test(ts) ? easternInstant(ts, 9, 30).getTime() : Date.parse(ts);
    const nums = [cells[cols.o], cells[cols.h], cells[cols.l], cells[cols.c], cells[cols.v]].map((c) => Number(c));
    if (!Number.isFinite(t) || nums.some((x) => !Number.isFinite(x)) || nums.slice(0, 4).some((x) => x <= 0)) {
      throw new CsvSeriesError(`market-data/${symbol}.csv line ${n + 2}: unreadable row "${line}"`);
    }
    rows.push({ t, o: nums[0]!, h: nums[1]!, l: nums[2]!, c: nums[3]!, v: nums[4]! });
  }
  if (rows.length === 0) throw new CsvSeriesError(`market-data/${symbol}.csv has no rows`);
  return rows.sort((a, b) => a.t - b.t);
}

export class SimMarket {
  readonly path: PricePath;
  private readonly csv = new Map<string, CsvRow[] | null>();

  constructor(
    private readonly dataDir: string,
    seed: number,
  ) {
    this.path = new PricePath(seed);
  }

  private csvRows(symbol: string): CsvRow[] | null {
    if (!this.csv.has(symbol)) {
      const file = join(this.dataDir, 'market-data', `${symbol}.csv`);
      this.csv.set(symbol, existsSync(file) ? parseCsv(symbol, readFileSync(file, 'utf8')) : null);
    }
    return this.csv.get(symbol) ?? null;
  }

  source(symbol: string): 'path' | 'csv' {
    return this.csvRows(symbol) ? 'csv' : 'path';
  }

  /** Annualised volatility: the path's own, or realised from the CSV closes. */
  vol(symbol: string): number {
    const rows = this.csvRows(symbol);
    if (!rows) return this.path.model(symbol).vol;
    const rets: number[] = [];
    for (let i = 1; i < rows.length; i += 1) rets.push(Math.log(rows[i]!.c / rows[i - 1]!.c));
    if (rets.length < 5) return 0.3;
    const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
    const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / (rets.length - 1));
    const spanDays = (rows[rows.length - 1]!.t - rows[0]!.t) / 86_400_000 / rets.length;
    const perYear = spanDays >= 0.9 ? 252 : 252 * 390 * Math.max(1, Math.round(1 / (spanDays * 1440)));
    return Math.min(Math.max(sd * Math.sqrt(perYear), 0.05), 3);
  }

  /** The instant whose price is current: now while the market is open, else the last close. */
  effectiveTime(now: Date): number {
    if (isMarketOpen(now)) return now.getTime();
    return previousSession(now).close.getTime();
  }

  /** Mid price at an instant (not clamped to market hours). */
  midAt(symbol: string, at: number): number {
    const rows = this.csvRows(symbol);
    if (!rows) return this.path.priceAt(symbol, at);
    let lo = 0;
    let hi = rows.length - 1;
    if (at < rows[0]!.t) return rows[0]!.o;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (rows[mid]!.t <= at) lo = mid;
      else hi = mid - 1;
    }
    return rows[lo]!.c;
  }

  mid(symbol: string, now: Date): number {
    return this.midAt(symbol, this.effectiveTime(now));
  }

  static spreadFor(mid: number): number {
    return Math.max(0.01, round2(mid * 0.0004));
  }

  quote(symbol: string, now: Date): Quote {
    const at = this.effectiveTime(now);
    const mid = this.midAt(symbol, at);
    const half = SimMarket.spreadFor(mid) / 2;
    const rand = prng(hash32(`${symbol}:q:${Math.floor(at / 1000)}`));
    return {
      symbol,
      bidPrice: round2(Math.max(0.01, mid - half)),
      askPrice: round2(mid + half) > round2(Math.max(0.01, mid - half)) ? round2(mid + half) : round2(mid - half) + 0.01,
      bidSize: 1 + Math.floor(rand() * 9),
      askSize: 1 + Math.floor(rand() * 9),
      timestamp: new Date(at).toISOString(),
    };
  }

  trade(symbol: string, now: Date): Trade {
    const at = this.effectiveTime(now);
    return {
      symbol,
      price: round2(this.midAt(symbol, at)),
      size: 1 + (hash32(`${symbol}:t:${Math.floor(at / 1000)}`) % 300),
      timestamp: new Date(at).toISOString(),
    };
  }

  /** The finest bars in [from, to): minute bars of regular sessions (path) or the CSV rows. */
  fineBars(symbol: string, from: number, to: number): Bar[] {
    const rows = this.csvRows(symbol);
    if (rows) {
      return rows.filter((r) => r.t >= from && r.t < to).map((r) => ({ t: new Date(r.t).toISOString(), o: r.o, h: r.h, l: r.l, c: r.c, v: r.v }));
    }
    return this.pathBars(symbol, from, to, '1Min');
  }

  /**
   * Bars of the seeded path, aggregated while walking the session minutes (no intermediate minute
   * objects), so a year of daily bars stays cheap. Buckets as in `aggregate`.
   */
  pathBars(symbol: string, from: number, to: number, timeframe: Timeframe): Bar[] {
    const out: Bar[] = [];
    if (to <= from) return out;
    const sigma = this.path.model(symbol).vol / Math.sqrt(365 * 1440);
    const key = this.path.symbolKey(symbol);
    const tf = TIMEFRAME_MS[timeframe];
    let cur: { key: number; t: number; o: number; h: number; l: number; c: number; v: number; pv: number; n: number } | null = null;
    const flush = () => {
      if (!cur) return;
      out.push({
        t: new Date(cur.t).toISOString(),
        o: round2(cur.o),
        h: round2(cur.h),
        l: round2(cur.l),
        c: round2(cur.c),
        v: cur.v,
        vw: round2(cur.pv / cur.v),
        n: cur.n,
      });
      cur = null;
    };
    for (const s of sessionsBetween(new Date(from), new Date(to - 1))) {
      const start = Math.max(s.open.getTime(), Math.ceil(from / MINUTE) * MINUTE);
      const end = Math.min(s.close.getTime(), to);
      const whole = timeframe === '1Day' && start === s.open.getTime() && end === s.close.getTime();
      const cached = whole ? this.sessionBars.get(`${symbol}|${s.date}`) : undefined;
      if (cached) {
        out.push({ ...cached });
        continue;
      }
      const dayStart = easternInstant(s.date, 0, 0).getTime();
      let o = this.path.rawPriceAt(symbol, start);
      for (let t = start; t + MINUTE <= end; t += MINUTE) {
        const c = this.path.rawPriceAt(symbol, t + MINUTE);
        const minute = t / MINUTE;
        const h = Math.max(o, c) * (1 + (mix32(key, minute) / 4294967296) * sigma);
        const l = Math.min(o, c) * (1 - (mix32(key ^ 0x27d4eb2f, minute) / 4294967296) * sigma);
        const v = this.path.volumeAt(symbol, t);
        const n = Math.max(1, Math.round(v / 90));
        const bucket = timeframe === '1Day' ? dayStart : Math.floor(t / tf) * tf;
        if (cur === null || (cur as { key: number }).key !== bucket) {
          flush();
          cur = { key: bucket, t: bucket, o, h, l, c, v: 0, pv: 0, n: 0 };
        }
        const b = cur as unknown as { h: number; l: number; c: number; v: number; pv: number; n: number };
        b.h = Math.max(b.h, h);
        b.l = Math.min(b.l, l);
        b.c = c;
        b.v += v;
        b.pv += ((o + c + h + l) / 4) * v;
        b.n += n;
        o = c;
      }
      if (timeframe === '1Day') flush();
      if (whole && out.length) this.rememberSession(`${symbol}|${s.date}`, out.at(-1)!);
    }
    flush();
    return out;
  }

  /**
   * A whole session's daily bar of the seeded path, once computed: the path is a pure function of the seed, so
   * a finished session never changes (a year of daily bars walks ~100k minutes; a repeat read walks none).
   */
  private readonly sessionBars = new Map<string, Bar>();

  private rememberSession(key: string, bar: Bar): void {
    if (this.sessionBars.size >= 50_000) this.sessionBars.clear();
    this.sessionBars.set(key, { ...bar });
  }

  /** Aggregate fine bars into timeframe buckets (daily buckets by New York date, stamped at midnight ET like Alpaca). */
  static aggregate(fine: Bar[], timeframe: Timeframe): Bar[] {
    if (timeframe === '1Min' && fine.every((b, i) => i === 0 || Date.parse(b.t) - Date.parse(fine[i - 1]!.t) >= MINUTE)) return fine;
    const buckets = new Map<string, Bar[]>();
    for (const b of fine) {
      const ms = Date.parse(b.t);
      const key =
        timeframe === '1Day'
          ? easternInstant(easternDate(ms), 0, 0).toISOString()
          : new Date(Math.floor(ms / TIMEFRAME_MS[timeframe]) * TIMEFRAME_MS[timeframe]).toISOString();
      const list = buckets.get(key);
      if (list) list.push(b);
      else buckets.set(key, [b]);
    }
    const out: Bar[] = [];
    for (const [t, bars] of buckets) {
      const v = bars.reduce((a, b) => a + b.v, 0);
      const vwNum = bars.reduce((a, b) => a + (b.vw ?? b.c) * b.v, 0);
      out.push({
        t,
        o: bars[0]!.o,
        h: Math.max(...bars.map((b) => b.h)),
        l: Math.min(...bars.map((b) => b.l)),
        c: bars[bars.length - 1]!.c,
        v,
        vw: v > 0 ? round2(vwNum / v) : bars[bars.length - 1]!.c,
        n: bars.reduce((a, b) => a + (b.n ?? 1), 0),
      });
    }
    return out.sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  }

  /**
   * Bars for a timeframe. With `start`: the first `limit` bars from start (Alpaca's order).
   * Without: the latest `limit` bars ending at `end` (default now).
   */
  bars(req: { symbol: string; timeframe: Timeframe; start?: string; end?: string; limit?: number }, now: Date): Bar[] {
    const limit = req.limit ?? 100;
    const endMs = Math.min(req.end ? Date.parse(req.end) : now.getTime(), now.getTime());
    if (req.start) {
      const startMs = Date.parse(req.start);
      const out: Bar[] = [];
      // Walk forward a chunk of sessions at a time so a huge range with a small limit stays cheap.
      let from = startMs;
      while (from < endMs && out.length < limit) {
        const chunkEnd = Math.min(endMs, from + Math.max(10, Math.ceil(limit / BARS_PER_SESSION[req.timeframe]) + 5) * 86_400_000);
        out.push(...this.barsIn(req.symbol, from, chunkEnd, req.timeframe));
        from = chunkEnd;
      }
      return SimMarket.aggregate(out, req.timeframe).slice(0, limit);
    }
    const rows = this.csvRows(req.symbol);
    let startMs: number;
    if (rows) startMs = rows[0]!.t;
    else {
      const sessions = Math.ceil(limit / BARS_PER_SESSION[req.timeframe]) + 1;
      let date = easternDate(endMs);
      let found = 0;
      while (found < sessions) {
        if (sessionOn(date)) found += 1;
        date = addDays(date, -1);
      }
      startMs = easternInstant(date, 0, 0).getTime();
    }
    return this.barsIn(req.symbol, startMs, endMs, req.timeframe).slice(-limit);
  }

  private barsIn(symbol: string, from: number, to: number, timeframe: Timeframe): Bar[] {
    return this.csvRows(symbol) ? SimMarket.aggregate(this.fineBars(symbol, from, to), timeframe) : this.pathBars(symbol, from, to, timeframe);
  }

  snapshot(symbol: string, now: Date): Snapshot {
    const at = this.effectiveTime(now);
    const minuteStart = Math.floor(at / MINUTE) * MINUTE - MINUTE;
    const minute = this.fineBars(symbol, minuteStart, minuteStart + MINUTE)[0] ?? null;
    const session = isMarketOpen(now) ? currentOrNextSession(now) : previousSession(now);
    const daily = this.barsIn(symbol, session.open.getTime(), Math.min(at + 1, session.close.getTime()), '1Day')[0] ?? null;
    const prev = previousSession(new Date(session.open.getTime()));
    const prevDaily = this.barsIn(symbol, prev.open.getTime(), prev.close.getTime(), '1Day')[0] ?? null;
    return { symbol, latestTrade: this.trade(symbol, now), latestQuote: this.quote(symbol, now), minuteBar: minute, dailyBar: daily, prevDailyBar: prevDaily };
  }
}
