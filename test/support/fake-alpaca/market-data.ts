/**
 * The loopback Alpaca's market data (and its option contracts, which Alpaca serves from the
 * trading host): the state tests set, and the handlers that answer with Alpaca's bodies.
 *
 * Fidelity, checked against alpaca-py's recorded bodies (tests/data/test_historical_option_data.py,
 * tests/trading/trading_client/test_option_routes.py) and Alpaca's reference:
 * - contracts: numbers as strings (`strike_price: "170"`, `open_interest: "0"`), `close_price` may be
 *   null; pages of min(limit (default 100, max 10,000), contractsPageSize) in expiration order.
 * - snapshots: `{snapshots: {OCC: {latestQuote, latestTrade, greeks, impliedVolatility}}, next_page_token}`,
 *   numbers as numbers, keys in symbol order (Alpaca's JSON maps are sorted); a contract without
 *   market data is absent; a snapshot may carry a quote only. By underlying: pages of
 *   min(limit (default 100, max 1,000), snapshotsPageSize); by symbols: at most 100 symbols a call.
 * - feed: every data request's `feed` is in the request log (query.feed). A 'basic' (free) plan
 *   answers 403 {message: "subscription does not permit querying recent SIP data"} to stock calls
 *   with feed=sip (bars ending 15+ minutes ago excepted) and {message: "subscription does not
 *   permit querying OPRA data"} to options calls with feed=opra. A request without `feed` gets
 *   the plan's own default (iex / indicative on basic), as Alpaca documents.
 */
import { randomUUID } from 'node:crypto';

export interface WireBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n?: number;
  vw?: number;
}
export interface WireQuote {
  bp: number;
  ap: number;
  bs: number;
  as: number;
  t: string;
}

/** Alpaca's market-data subscriptions: Basic (free) and Algo Trader Plus (paid: SIP and OPRA). */
export type DataPlan = 'basic' | 'algo_trader_plus';

export interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface MarketState {
  quotes: Map<string, WireQuote>;
  trades: Map<string, { p: number; s: number; t: string }>;
  bars: Map<string, WireBar[]>;
  contracts: Map<string, Array<Record<string, unknown>>>;
  optionSnaps: Map<string, Record<string, Record<string, unknown>>>;
  pageSize: { bars: number; contracts: number; snapshots: number };
  plan: DataPlan;
  /** The fake's clock: the instant its generated chains and plan checks are relative to. */
  now(): Date;
}

export function createMarketState(now: () => Date): MarketState {
  return {
    quotes: new Map(),
    trades: new Map(),
    bars: new Map(),
    contracts: new Map(),
    optionSnaps: new Map(),
    pageSize: { bars: 10_000, contracts: 10_000, snapshots: 1_000 },
    plan: 'basic',
    now,
  };
}

export function hashPrice(symbol: string): number {
  let h = 7;
  for (const ch of symbol) h = (h * 31 + ch.charCodeAt(0)) % 100_000;
  return 50 + (h % 400);
}

export function quoteFor(state: MarketState, symbol: string): WireQuote {
  const q = state.quotes.get(symbol);
  if (q) return q;
  const mid = hashPrice(symbol);
  return { bp: mid - 0.05, ap: mid + 0.05, bs: 3, as: 4, t: new Date().toISOString() };
}

const decodeOffset = (token: string | null) => Number(token ? Buffer.from(token, 'base64').toString() : 0);
const encodeOffset = (n: number) => Buffer.from(String(n)).toString('base64');

/** One page of `list` by the request's page_token and limit, as Alpaca pages (offset tokens, base64). */
function page<T>(list: readonly T[], q: URLSearchParams, defaultLimit: number, maxLimit: number, pageSize: number): { items: T[]; next: string | null } {
  const offset = decodeOffset(q.get('page_token'));
  const size = Math.min(Number(q.get('limit') ?? defaultLimit), maxLimit, pageSize);
  return { items: list.slice(offset, offset + size), next: offset + size < list.length ? encodeOffset(offset + size) : null };
}

const occ = (underlying: string, exp: string, type: string, strike: number) =>
  `${underlying}${exp.slice(2, 4)}${exp.slice(5, 7)}${exp.slice(8, 10)}${type === 'call' ? 'C' : 'P'}${String(Math.round(strike * 1000)).padStart(8, '0')}`;

/** OCC → its parts (root letters, then YYMMDD, C|P, strike × 1000). */
export function parseOccSymbol(symbol: string): { root: string; expiration: string; type: 'call' | 'put'; strike: number } | null {
  const m = /^([A-Z]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(symbol);
  return m ? { root: m[1]!, expiration: `20${m[2]}-${m[3]}-${m[4]}`, type: m[5] === 'C' ? 'call' : 'put', strike: Number(m[6]) / 1000 } : null;
}

/** The contracts of an underlying: those set, else three Friday expirations of strikes ±10% around the quote. */
export function contractsFor(state: MarketState, underlying: string): Array<Record<string, unknown>> {
  const given = state.contracts.get(underlying);
  if (given) return given;
  const q = quoteFor(state, underlying);
  const spot = (q.ap + q.bp) / 2;
  const out: Array<Record<string, unknown>> = [];
  const base = state.now();
  for (let w = 1; w <= 3; w += 1) {
    const d = new Date(base.getTime() + w * 7 * 86_400_000);
    d.setUTCDate(d.getUTCDate() + ((5 - d.getUTCDay() + 7) % 7));
    const exp = d.toISOString().slice(0, 10);
    for (let k = Math.round(spot * 0.9); k <= spot * 1.1; k += 5) {
      for (const type of ['call', 'put']) out.push(contractBody(underlying, exp, type, k));
    }
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A contract's name as Alpaca writes it ("AAPL Nov 03 2023 170 Call", alpaca-py's recorded contracts). */
const contractName = (underlying: string, exp: string, type: string, strike: number) =>
  `${underlying} ${MONTHS[Number(exp.slice(5, 7)) - 1]} ${exp.slice(8, 10)} ${exp.slice(0, 4)} ${strike} ${type === 'call' ? 'Call' : 'Put'}`;

export function contractBody(underlying: string, exp: string, type: string, strike: number): Record<string, unknown> {
  const symbol = occ(underlying, exp, type, strike);
  return {
    id: randomUUID(),
    symbol,
    name: contractName(underlying, exp, type, strike),
    status: 'active',
    tradable: true,
    expiration_date: exp,
    root_symbol: underlying,
    underlying_symbol: underlying,
    underlying_asset_id: randomUUID(),
    type,
    style: 'american',
    strike_price: String(strike),
    multiplier: '100',
    size: '100',
    open_interest: String(Math.round(strike * 7)),
    open_interest_date: exp,
    close_price: '1.25',
    close_price_date: exp,
  };
}

export function defaultOptionSnapshot(): Record<string, unknown> {
  const t = new Date().toISOString();
  return {
    latestQuote: { ap: 1.3, as: 10, ax: 'C', bp: 1.2, bs: 12, bx: 'C', c: 'A', t },
    latestTrade: { c: 'I', p: 1.25, s: 1, t, x: 'C' },
    impliedVolatility: 0.31,
    greeks: { delta: 0.45, gamma: 0.05, rho: 0.01, theta: -0.04, vega: 0.12 },
  };
}

/** The snapshot of one OCC symbol: the one set for its root, else (no set for the root) the default; null = no data. */
function snapshotOf(state: MarketState, symbol: string): Record<string, unknown> | null {
  const root = parseOccSymbol(symbol)?.root;
  if (!root) return null;
  const given = state.optionSnaps.get(root);
  return given ? (given[symbol] ?? null) : defaultOptionSnapshot();
}

/** The latest quote of an OCC symbol from its snapshot (bid/ask), or null when it has no market data. */
export function optionQuoteFor(state: MarketState, symbol: string): { bp: number; ap: number } | null {
  const q = snapshotOf(state, symbol)?.latestQuote as { bp?: unknown; ap?: unknown } | undefined;
  return q && typeof q.bp === 'number' && typeof q.ap === 'number' ? { bp: q.bp, ap: q.ap } : null;
}

interface ChainFilter {
  gte: string | null;
  lte: string | null;
  type: string | null;
  strikeGte: number | null;
  strikeLte: number | null;
}

function chainFilter(q: URLSearchParams): ChainFilter {
  const n = (k: string) => (q.get(k) === null ? null : Number(q.get(k)));
  return {
    gte: q.get('expiration_date_gte'),
    lte: q.get('expiration_date_lte'),
    type: q.get('type'),
    strikeGte: n('strike_price_gte'),
    strikeLte: n('strike_price_lte'),
  };
}

function matches(f: ChainFilter, exp: string, type: string, strike: number): boolean {
  return (
    (!f.gte || exp >= f.gte) &&
    (!f.lte || exp <= f.lte) &&
    (!f.type || type === f.type) &&
    (f.strikeGte === null || strike >= f.strikeGte) &&
    (f.strikeLte === null || strike <= f.strikeLte)
  );
}

/** GET /v2/options/contracts (trading host). */
export function handleContracts(state: MarketState, q: URLSearchParams): Outcome {
  const f = chainFilter(q);
  const list = (q.get('underlying_symbols') ?? '')
    .split(',')
    .filter(Boolean)
    .flatMap((u) => contractsFor(state, u))
    .filter((c) => matches(f, String(c.expiration_date), String(c.type), Number(c.strike_price)))
    .sort((a, b) => String(a.expiration_date).localeCompare(String(b.expiration_date)) || String(a.symbol).localeCompare(String(b.symbol)));
  const { items, next } = page(list, q, 100, 10_000, state.pageSize.contracts);
  return { status: 200, body: { option_contracts: items, next_page_token: next } };
}

/** The plan's 403 for a feed it does not cover, or null. */
function planRefusal(state: MarketState, path: string, q: URLSearchParams): Outcome | null {
  if (state.plan !== 'basic') return null;
  const feed = q.get('feed');
  if (path.startsWith('/v2/stocks/') && feed === 'sip') {
    const end = q.get('end');
    // History older than 15 minutes is open to every plan.
    if (path.endsWith('/bars') && end && Date.parse(end) <= state.now().getTime() - 15 * 60_000) return null;
    return { status: 403, body: { message: 'subscription does not permit querying recent SIP data' } };
  }
  if (path.startsWith('/v1beta1/options/') && feed === 'opra') return { status: 403, body: { message: 'subscription does not permit querying OPRA data' } };
  return null;
}

/** GET /v1beta1/options/snapshots/{underlying} and /v1beta1/options/snapshots?symbols=. */
function optionSnapshots(state: MarketState, path: string, q: URLSearchParams): Outcome | null {
  const byUnderlying = /^\/v1beta1\/options\/snapshots\/([^/]+)$/.exec(path);
  if (byUnderlying) {
    const underlying = decodeURIComponent(byUnderlying[1]!);
    const f = chainFilter(q);
    const symbols = contractsFor(state, underlying).map((c) => String(c.symbol));
    const given = state.optionSnaps.get(underlying);
    const entries = [...new Set([...symbols, ...Object.keys(given ?? {})])]
      .filter((s) => {
        const p = parseOccSymbol(s);
        return p !== null && matches(f, p.expiration, p.type, p.strike);
      })
      .sort()
      .flatMap((s) => {
        const snap = snapshotOf(state, s);
        return snap ? [[s, snap] as const] : [];
      });
    const { items, next } = page(entries, q, 100, 1_000, state.pageSize.snapshots);
    return { status: 200, body: { snapshots: Object.fromEntries(items), next_page_token: next } };
  }
  if (path !== '/v1beta1/options/snapshots') return null;
  const symbols = (q.get('symbols') ?? '').split(',').filter(Boolean);
  if (!symbols.length) return { status: 400, body: { message: 'missing symbols' } };
  if (symbols.length > 100) return { status: 400, body: { message: `too many symbols: ${symbols.length} (at most 100)` } };
  const entries = [...symbols].sort().flatMap((s) => {
    const snap = snapshotOf(state, s);
    return snap ? [[s, snap] as const] : [];
  });
  const { items, next } = page(entries, q, 100, 1_000, state.pageSize.snapshots);
  return { status: 200, body: { snapshots: Object.fromEntries(items), next_page_token: next } };
}

function tradeFor(state: MarketState, symbol: string): Record<string, unknown> {
  const t = state.trades.get(symbol);
  const qt = quoteFor(state, symbol);
  return { t: t?.t ?? qt.t, x: 'V', p: t?.p ?? Math.round(((qt.ap + qt.bp) / 2) * 100) / 100, s: t?.s ?? 100, c: ['@'], i: 52983525029461, z: 'A' };
}

function snapshotFor(state: MarketState, symbol: string): Record<string, unknown> {
  const qt = quoteFor(state, symbol);
  const list = state.bars.get(symbol) ?? [];
  const p = (qt.ap + qt.bp) / 2;
  const bar = (t: string) => ({ t, o: p, h: p + 1, l: p - 1, c: p, v: 1000, n: 10, vw: p });
  return {
    latestTrade: tradeFor(state, symbol),
    latestQuote: { ...qt, ax: 'V', bx: 'V', c: ['R'], z: 'A' },
    minuteBar: list[list.length - 1] ?? bar(new Date().toISOString()),
    dailyBar: bar(`${new Date().toISOString().slice(0, 10)}T04:00:00Z`),
    prevDailyBar: bar(`${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}T04:00:00Z`),
  };
}

function stockBars(state: MarketState, symbol: string, q: URLSearchParams): Outcome {
  if (!q.get('timeframe')) return { status: 400, body: { code: 42210000, message: 'timeframe is required' } };
  let list = state.bars.get(symbol) ?? [];
  const start = q.get('start');
  const end = q.get('end');
  if (start) list = list.filter((b) => b.t >= new Date(start).toISOString());
  if (end) list = list.filter((b) => b.t <= new Date(end).toISOString());
  if (q.get('sort') === 'desc') list = [...list].reverse();
  const { items, next } = page(list, q, 1000, 10_000, state.pageSize.bars);
  return { status: 200, body: { bars: items, symbol, next_page_token: next } };
}

function stocks(state: MarketState, path: string, q: URLSearchParams): Outcome | null {
  const m = /^\/v2\/stocks\/([^/]+)\/(bars|quotes\/latest|trades\/latest|snapshot)$/.exec(path);
  if (!m) {
    if (path !== '/v2/stocks/snapshots') return null;
    return {
      status: 200,
      body: Object.fromEntries(
        (q.get('symbols') ?? '')
          .split(',')
          .filter(Boolean)
          .map((s) => [s, snapshotFor(state, s)]),
      ),
    };
  }
  const symbol = decodeURIComponent(m[1]!);
  if (m[2] === 'bars') return stockBars(state, symbol, q);
  if (m[2] === 'quotes/latest') return { status: 200, body: { symbol, quote: { ...quoteFor(state, symbol), ax: 'V', bx: 'V', c: ['R'], z: 'A' } } };
  if (m[2] === 'trades/latest') return { status: 200, body: { symbol, trade: tradeFor(state, symbol) } };
  return { status: 200, body: { symbol, ...snapshotFor(state, symbol) } };
}

function optionLatest(state: MarketState, path: string, q: URLSearchParams): Outcome | null {
  if (path !== '/v1beta1/options/quotes/latest' && path !== '/v1beta1/options/trades/latest') return null;
  const quotesWanted = path.includes('quotes');
  const out: Record<string, unknown> = {};
  for (const symbol of (q.get('symbols') ?? '').split(',').filter(Boolean)) {
    const snap = snapshotOf(state, symbol);
    const part = snap?.[quotesWanted ? 'latestQuote' : 'latestTrade'];
    if (part) out[symbol] = part;
  }
  return { status: 200, body: quotesWanted ? { quotes: out } : { trades: out } };
}

/** Every market-data route the SDK calls; the plan's refusals first, as Alpaca checks entitlement before data. */
export function handleData(state: MarketState, method: string, path: string, q: URLSearchParams): Outcome {
  if (method !== 'GET') return { status: 404, body: { message: 'route not found' } };
  return (
    planRefusal(state, path, q) ??
    stocks(state, path, q) ??
    optionLatest(state, path, q) ??
    optionSnapshots(state, path, q) ?? { status: 404, body: { message: `route not found: ${path}` } }
  );
}
