/**
 * An underlying's option chain, whole: every contract of an expiration window (paged to the end),
 * joined by symbol with the chain's snapshots (quote, implied volatility, greeks), sorted by
 * expiration, strike and type. Each row says whether it has a quote; a contract the data feed
 * has no quote for is listed, never silently priced. get_market_data (kind options_chain) and
 * the iron-condor builder read the chain through here, on Alpaca and on the sim alike.
 *
 * Window: expiration_gte defaults to today on the broker's clock (New York date), expiration_lte
 * to DEFAULT_WINDOW_DAYS after expiration_gte. Memory: at most `cap` contracts (MAX_OPTION_ROWS);
 * past it the chain is cut back to whole expirations and says so (`capped`).
 *
 * @example const chain = await loadOptionChain(broker, { underlying: 'SPY', type: 'put' }); chain.rows.filter((r) => r.quoted)
 */
import { addDays, easternDate } from '../broker/calendar.js';
import { MAX_OPTION_ROWS, type Broker, type OptionChainRequest, type OptionContract, type OptionSnapshot } from '../broker/types.js';

export const DEFAULT_WINDOW_DAYS = 45;

/** What a chain is asked for: the broker's request without its row limit (the chain reads the window whole). */
export type OptionChainQuery = Omit<OptionChainRequest, 'limit'>;

export interface OptionChainRow {
  symbol: string;
  expiration: string;
  type: 'call' | 'put';
  strike: number;
  /** true when the feed has a two-sided-or-offered quote (ask > 0) for the contract. */
  quoted: boolean;
  bid: number | null;
  ask: number | null;
  last: number | null;
  impliedVolatility: number | null;
  delta: number | null;
  gamma: number | null;
  theta: number | null;
  vega: number | null;
  openInterest: number | null;
}

export interface OptionChain {
  underlying: string;
  /** The window the rows cover completely (narrower than asked when capped). */
  expirationGte: string;
  expirationLte: string;
  /** Which ends of the window were defaulted rather than given. */
  defaulted: Array<'expiration_gte' | 'expiration_lte'>;
  rows: OptionChainRow[];
  /** Symbols of the rows without a quote, in row order. */
  unquoted: string[];
  /** Set when the window held more than `cap` contracts: the rows stop before `requestedLte`. */
  capped: { cap: number; requestedLte: string } | null;
}

export interface ChainWindow {
  expirationGte: string;
  expirationLte: string;
  defaulted: OptionChain['defaulted'];
}

/** The expiration window, defaults read from the broker's clock only when needed. */
export async function resolveWindow(broker: Broker, query: OptionChainQuery): Promise<ChainWindow> {
  const defaulted: ChainWindow['defaulted'] = [];
  let gte = query.expirationGte;
  if (!gte) {
    const clock = await broker.getClock();
    gte = easternDate(Date.parse(clock.timestamp));
    defaulted.push('expiration_gte');
  }
  let lte = query.expirationLte;
  if (!lte) {
    lte = addDays(gte, DEFAULT_WINDOW_DAYS);
    defaulted.push('expiration_lte');
  }
  return { expirationGte: gte, expirationLte: lte, defaulted };
}

const byChainOrder = (a: OptionChainRow, b: OptionChainRow) =>
  a.expiration.localeCompare(b.expiration) || a.strike - b.strike || a.type.localeCompare(b.type) || a.symbol.localeCompare(b.symbol);

/** One row per contract, its snapshot found by symbol; sorted by expiration, strike, type. */
export function joinChain(contracts: readonly OptionContract[], snapshots: readonly OptionSnapshot[]): OptionChainRow[] {
  const bySymbol = new Map(snapshots.map((s) => [s.symbol, s]));
  const rows = contracts.map((c): OptionChainRow => {
    const s = bySymbol.get(c.symbol);
    const q = s?.latestQuote ?? null;
    return {
      symbol: c.symbol,
      expiration: c.expiration,
      type: c.type,
      strike: c.strike,
      quoted: q !== null && q.askPrice > 0,
      bid: q?.bidPrice ?? null,
      ask: q?.askPrice ?? null,
      last: s?.latestTrade?.price ?? c.closePrice ?? null,
      impliedVolatility: s?.impliedVolatility ?? null,
      delta: s?.greeks?.delta ?? null,
      gamma: s?.greeks?.gamma ?? null,
      theta: s?.greeks?.theta ?? null,
      vega: s?.greeks?.vega ?? null,
      openInterest: c.openInterest,
    };
  });
  return rows.sort(byChainOrder);
}

/**
 * Past the cap, keep the expirations before the last one seen: Alpaca pages contracts in
 * expiration order, so those are whole; the last may have been cut mid-way.
 */
function cutToWholeExpirations(contracts: OptionContract[], cap: number): { kept: OptionContract[]; throughBefore: string } {
  const seen = contracts.slice(0, cap);
  const last = seen.reduce((m, c) => (c.expiration > m ? c.expiration : m), '');
  return { kept: seen.filter((c) => c.expiration < last), throughBefore: last };
}

/** The whole chain of the window: contracts to the end, snapshots of the same window, joined. */
export async function loadOptionChain(broker: Broker, query: OptionChainQuery, cap = MAX_OPTION_ROWS): Promise<OptionChain> {
  const window = await resolveWindow(broker, query);
  const base = { underlying: query.underlying, defaulted: window.defaulted };
  if (window.expirationLte < window.expirationGte) return { ...base, ...window, rows: [], unquoted: [], capped: null };
  const filters = {
    underlying: query.underlying,
    ...(query.type ? { type: query.type } : {}),
    ...(query.strikeGte !== undefined ? { strikeGte: query.strikeGte } : {}),
    ...(query.strikeLte !== undefined ? { strikeLte: query.strikeLte } : {}),
  };
  let contracts = await broker.getOptionContracts({ ...filters, expirationGte: window.expirationGte, expirationLte: window.expirationLte, limit: cap + 1 });
  let expirationLte = window.expirationLte;
  let capped: OptionChain['capped'] = null;
  if (contracts.length > cap) {
    const cut = cutToWholeExpirations(contracts, cap);
    contracts = cut.kept;
    expirationLte = addDays(cut.throughBefore, -1);
    capped = { cap, requestedLte: window.expirationLte };
  }
  const snapshots = contracts.length ? await broker.getOptionSnapshots({ ...filters, expirationGte: window.expirationGte, expirationLte, limit: cap }) : [];
  const rows = joinChain(contracts, snapshots);
  return { ...base, expirationGte: window.expirationGte, expirationLte, rows, unquoted: rows.filter((r) => !r.quoted).map((r) => r.symbol), capped };
}
