/**
 * What every arena model sees in a round: per symbol, fetched once — the latest quote (its mid is the fill
 * price), the last daily bars' closes, and the technicals by get_technicals' own rules (indicators and
 * signals from src/market). The price source is read-only by type: the arena can quote, never submit.
 */
import type { Bar, Broker, Quote } from '../broker/types.js';
import { computeIndicators, type IndicatorName, warmupBars } from '../market/indicators.js';
import { cleanSeries } from '../market/series.js';
import { deriveSignals } from '../market/signals.js';

/** What the arena may ask of a broker: prices, nothing that moves money. */
export type PriceSource = Pick<Broker, 'getBars' | 'getLatestQuote'>;

export interface SymbolSnapshot {
  symbol: string;
  bid: number;
  ask: number;
  mid: number;
  quoted_at: string;
  /** The last closes, oldest first (at most CLOSES). */
  closes: number[];
  latest: Record<string, number | null>;
  signals: Array<{ id: string; state: string; direction: string }>;
}

const WHICH: ReadonlySet<IndicatorName> = new Set(['sma', 'rsi', 'macd', 'bbands', 'hv', 'atr']);
const BARS = warmupBars(WHICH) + 5;
const CLOSES = 10;
const LATEST = ['sma20', 'sma50', 'sma200', 'rsi14', 'macdHist', 'bbUpper', 'bbLower', 'atr14', 'hv20', 'hvRank'];

const sig = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? Number(x.toPrecision(6)) : null);

export const midOf = (q: Pick<Quote, 'bidPrice' | 'askPrice'>): number =>
  q.bidPrice > 0 && q.askPrice > 0 ? Math.round(((q.bidPrice + q.askPrice) / 2) * 10_000) / 10_000 : Math.max(q.bidPrice, q.askPrice, 0);

function technicals(bars: readonly Bar[], symbol: string): Pick<SymbolSnapshot, 'latest' | 'signals' | 'closes'> {
  const { series } = cleanSeries(bars, '1Day', symbol);
  const n = series.close.length;
  const closes = Array.from(series.close.subarray(Math.max(0, n - CLOSES)));
  if (n < 2) return { closes, latest: {}, signals: [] };
  const result = computeIndicators(series, WHICH, { timeframe: '1Day', windowStart: 0 });
  const latest = Object.fromEntries(LATEST.filter((k) => result.series.has(k)).map((k) => [k, sig(result.series.get(k)![n - 1])]));
  const signals = deriveSignals(series.close, result.series, WHICH).map((s) => ({ id: s.id, state: s.state, direction: s.direction }));
  return { closes, latest, signals };
}

/** One symbol's snapshot; throws when it has no usable quote (no mid: no fill price). */
export async function snapshotOf(prices: PriceSource, symbol: string): Promise<SymbolSnapshot> {
  const [quote, bars] = await Promise.all([prices.getLatestQuote(symbol), prices.getBars({ symbol, timeframe: '1Day', limit: BARS })]);
  const mid = midOf(quote);
  if (!(mid > 0)) throw new Error(`no usable quote for ${symbol}`);
  return { symbol, bid: quote.bidPrice, ask: quote.askPrice, mid, quoted_at: quote.timestamp, ...technicals(bars, symbol) };
}

/** The mids of symbols held beyond the round's (marking every account); a symbol without a quote is left out. */
export async function midsOf(prices: PriceSource, symbols: Iterable<string>): Promise<Map<string, number>> {
  const list = [...new Set(symbols)];
  const quotes = await Promise.allSettled(list.map((s) => prices.getLatestQuote(s)));
  const mids = new Map<string, number>();
  quotes.forEach((q, i) => {
    if (q.status === 'fulfilled' && midOf(q.value) > 0) mids.set(list[i]!, midOf(q.value));
  });
  return mids;
}
