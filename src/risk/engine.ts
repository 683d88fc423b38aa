/**
 * The deterministic pre-trade risk engine (SPEC §7), after nautilus_trader's RiskEngine: every
 * check is a pure function of the order and a context the caller gathered (account, positions,
 * open orders, quotes, the broker's clock, the durable risk state, the profile's limits, now).
 * No I/O, no clock reads, no randomness: the same input always gives the same verdict. Every
 * check always reports (no early exit), so a refusal names every reason at once.
 *
 * Time: market checks (quote age, market hours, days to expiry, the trading day) use the
 * broker's clock (`clock.timestamp`), the source of truth for the market; the local rate and
 * duplicate windows use `now`, the time recorded with each submitted order.
 *
 * @example
 *   const verdict = evaluateRisk({ order, mode: 'paper', account, positions, openOrders, quotes, clock, state, limits, now });
 *   if (!verdict.passed) throw new ToolError('RISK_REJECTED', describeVerdict(verdict), { verdict });
 */
import { createHash } from 'node:crypto';
import type { Account, BrokerOrder, Clock, Position, Quote } from '../broker/types.js';
import { OPEN_ORDER_STATUSES } from '../broker/types.js';
import { canonicalOrder, orderHash, parseOcc, type NormalizedOrder, type OccParts, type OrderLeg, type TradingMode } from '../orders/order.js';
import type { RiskLimits } from './limits.js';
import { RISK_CHECKS, type RiskCheck, type RiskCheckName, type RiskVerdict } from './verdict.js';

export type { RiskVerdict, RiskCheck } from './verdict.js';

/** An order this server submitted recently (for the rate and duplicate checks). */
export interface RecentOrder {
  /** ISO instant the order was submitted. */
  at: string;
  hash?: string | null;
  /** orderFingerprint(): the order without its client_order_id. */
  fingerprint?: string | null;
  /** canonicalOrder() text, used when no fingerprint was stored. */
  canonical?: string | null;
}

export interface RiskStateSnapshot {
  halted: boolean;
  haltReason: string | null;
  haltedAt?: string | null;
  /** Equity at the start of the current US trading day (null: use the account's last_equity). */
  startOfDayEquity: number | null;
  recentOrders: RecentOrder[];
}

export interface RiskInput {
  order: NormalizedOrder;
  mode: TradingMode;
  account: Account;
  positions: Position[];
  openOrders: BrokerOrder[];
  /** Latest quote by symbol: the equity symbol, or each leg's OCC symbol. Missing or null = no quote. */
  quotes: Record<string, Quote | null | undefined>;
  clock: Clock;
  state: RiskStateSnapshot;
  limits: RiskLimits;
  now: Date;
  /**
   * Whether `account.buyingPower` already excludes what open orders hold. True for Alpaca (its
   * docs: available buying power is reduced by open buy long and sell short orders) and the sim
   * broker (cash less reservations); false makes the engine subtract its own estimate.
   */
  buyingPowerNetOfOpenOrders?: boolean;
}

/** FINRA's pattern-day-trader equity threshold. */
export const PDT_EQUITY_THRESHOLD = 25_000;
const CONTRACT_MULTIPLIER = 100;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------- symbols: case, width, invisible and look-alike characters ----------

/** Cyrillic and Greek capitals that render like Latin ones (after upper-casing), per Unicode confusables. */
const CONFUSABLES: Record<string, string> = {
  'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'У': 'Y',
  'І': 'I', 'Ј': 'J', 'Ѕ': 'S', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ү': 'Y', 'Ӏ': 'I', 'Ԁ': 'D', 'Ԍ': 'G', 'Ꙅ': 'S',
  'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
  'ℐ': 'I', 'ℑ': 'I', 'ℒ': 'L', 'ℳ': 'M', 'ℛ': 'R', 'ℜ': 'R', 'ℬ': 'B', 'ℰ': 'E', 'ℱ': 'F', 'ℋ': 'H', 'ℌ': 'H', 'ℭ': 'C', 'Ⅰ': 'I', 'Ⅴ': 'V', 'Ⅹ': 'X', 'Ⅼ': 'L', 'Ⅽ': 'C', 'Ⅾ': 'D', 'Ⅿ': 'M',
  '․': '.', '。': '.', '｡': '.', '·': '.',
};
const INVISIBLE = /[\p{Cf}\p{Zs}\s\u034F\u115F\u1160\u3164\uFFA0]/gu;

/**
 * Canonical form of a ticker for list matching: NFKC (full-width → ASCII), invisible and
 * format characters removed, upper-cased, Cyrillic/Greek look-alikes folded to Latin.
 * @example normalizeSymbol('ｔｓｌａ') === 'TSLA'; normalizeSymbol('Т\u200BSLA') === 'TSLA' (Cyrillic Т)
 */
export function normalizeSymbol(symbol: string): string {
  const cached = SYMBOL_CACHE.get(symbol);
  if (cached !== undefined) return cached;
  const out = foldSymbol(symbol);
  if (SYMBOL_CACHE.size > 10_000) SYMBOL_CACHE.clear();
  SYMBOL_CACHE.set(symbol, out);
  return out;
}
const SYMBOL_CACHE = new Map<string, string>();

function foldSymbol(symbol: string): string {
  const folded = symbol.normalize('NFKC').replace(INVISIBLE, '').toUpperCase();
  let out = '';
  for (const ch of folded) out += CONFUSABLES[ch] ?? ch;
  return out.normalize('NFKC');
}

// ---------- numbers and time ----------

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);
/** Round for reporting only (checks compare unrounded values). */
const r = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  const v = Math.round(n * f) / f;
  return Object.is(v, -0) ? 0 : v;
};
const USD = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money = (n: number) => `$${USD.format(r(n))}`;
const pct = (n: number) => `${r(n * 100, 2)}%`;

const NY_FORMAT = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  weekday: 'short',
});
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Wall-clock parts of an instant in New York. */
export function nyTime(ms: number): { date: string; minutes: number; weekday: number } {
  const parts: Record<string, string> = {};
  for (const p of NY_FORMAT.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
}

/** The US trading day (America/New_York calendar date) of an instant: keys the day's starting equity. */
export function tradingDay(at: Date | string): string {
  return nyTime(typeof at === 'string' ? Date.parse(at) : at.getTime()).date;
}

/** Whole calendar days from `fromDate` to `toDate` (both YYYY-MM-DD). */
export function daysBetween(fromDate: string, toDate: string): number {
  return Math.round((Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / DAY);
}

// ---------- fingerprints ----------

/** The identity of an order for the duplicate check: its canonical form without client_order_id. */
export function orderFingerprint(order: NormalizedOrder, mode: TradingMode): string {
  return createHash('sha256').update(canonicalOrder({ ...order, client_order_id: null }, mode), 'utf8').digest('hex');
}

function fingerprintOf(recent: RecentOrder): string | null {
  if (recent.fingerprint) return recent.fingerprint;
  if (!recent.canonical) return null;
  try {
    const { mode, ...order } = JSON.parse(recent.canonical) as NormalizedOrder & { mode: TradingMode };
    return orderFingerprint(order, mode);
  } catch {
    return null;
  }
}

// ---------- quotes and prices ----------

export function quoteMid(q: Quote | null | undefined): number | null {
  if (!q) return null;
  const bid = finite(q.bidPrice) && q.bidPrice > 0 ? q.bidPrice : null;
  const ask = finite(q.askPrice) && q.askPrice > 0 ? q.askPrice : null;
  if (bid !== null && ask !== null) return ask >= bid ? (bid + ask) / 2 : null;
  return bid ?? ask;
}

/** What a simple order would trade at: its limit, else its stop, else the far side of the quote. */
export function executionPrice(order: NormalizedOrder, quote: Quote | null | undefined): number | null {
  if (order.limit_price !== null) return order.limit_price;
  if (order.stop_price !== null) return order.stop_price;
  if (!quote) return quoteMid(quote);
  const far = order.side === 'buy' ? quote.askPrice : quote.bidPrice;
  return finite(far) && far > 0 ? far : quoteMid(quote);
}

/** Shares still to fill on an open simple order (notional orders priced at `price`). */
export function remainingQty(o: BrokerOrder, price: number | null): number {
  if (o.qty !== null && finite(o.qty)) return Math.max(0, o.qty - (finite(o.filledQty) ? o.filledQty : 0));
  if (o.notional !== null && finite(o.notional) && price && price > 0) {
    const spent = (o.filledQty || 0) * (o.filledAvgPrice ?? price);
    return Math.max(0, (o.notional - spent) / price);
  }
  return 0;
}

const isOpen = (o: BrokerOrder) => OPEN_ORDER_STATUSES.has(o.status);

// ---------- positions and reservations (the accounting the model-based test pins) ----------

export interface Exposure {
  /** Signed shares held now. */
  position: number;
  /** Shares still to buy on open buy orders / to sell on open sell orders of this symbol. */
  openBuys: number;
  openSells: number;
}

/** Position and open-order quantities of one symbol (symbols matched after normalisation). */
export function exposureOf(symbol: string, positions: Position[], openOrders: BrokerOrder[], price: number | null): Exposure {
  const key = normalizeSymbol(symbol);
  let position = 0;
  for (const p of positions) if (normalizeSymbol(p.symbol) === key && finite(p.qty)) position += p.qty;
  let openBuys = 0;
  let openSells = 0;
  for (const o of openOrders) {
    if (!isOpen(o) || o.symbol === null || normalizeSymbol(o.symbol) !== key || o.legs?.length) continue;
    const left = remainingQty(o, price);
    if (o.side === 'buy') openBuys += left;
    else if (o.side === 'sell') openSells += left;
  }
  return { position, openBuys, openSells };
}

/**
 * Signed position after this order and every same-side open order fill (the worst case), and
 * the same without this order.
 */
export function projectedPosition(side: 'buy' | 'sell', qty: number, e: Exposure): { before: number; after: number } {
  const before = side === 'buy' ? e.position + e.openBuys : e.position - e.openSells;
  return { before, after: side === 'buy' ? before + qty : before - qty };
}

/**
 * Buying power held by open orders: remaining buys at their limit (else stop, else a known
 * price for the symbol), notional buys at their unspent notional, multi-leg orders at their
 * max loss. Sells reserve nothing (a short sale's margin is charged to the order that opens it).
 */
export function reservedBuyingPower(openOrders: BrokerOrder[], priceOf: (symbol: string) => number | null): number {
  let reserved = 0;
  for (const o of openOrders) {
    if (!isOpen(o)) continue;
    if (o.legs?.length) {
      const legs: OrderLeg[] = o.legs.map((l) => ({ symbol: l.symbol, side: l.side, ratio_qty: l.ratioQty, position_intent: (l.positionIntent ?? (l.side === 'buy' ? 'buy_to_open' : 'sell_to_open')) as OrderLeg['position_intent'] }));
      const loss = optionsMaxLoss(legs, o.limitPrice, Math.max(0, (o.qty ?? 0) - (o.filledQty || 0)));
      if (loss !== null && finite(loss.maxLossUsd)) reserved += loss.maxLossUsd;
      continue;
    }
    if (o.side !== 'buy') continue;
    const price = o.limitPrice ?? o.stopPrice ?? (o.symbol ? priceOf(o.symbol) : null);
    if (o.qty === null && o.notional !== null) {
      reserved += Math.max(0, o.notional - (o.filledQty || 0) * (o.filledAvgPrice ?? 0));
      continue;
    }
    if (price !== null && finite(price)) reserved += remainingQty(o, price) * price;
  }
  return reserved;
}

// ---------- options: payoff at expiry ----------

export interface ParsedLeg extends OrderLeg {
  occ: OccParts;
}

/** The order's payoff at expiry, per spread, excluding the premium: Σ ±ratio × intrinsic(S). */
export function legsPayoff(legs: ParsedLeg[], underlying: number): number {
  let total = 0;
  for (const l of legs) {
    const intrinsic = l.occ.type === 'call' ? Math.max(underlying - l.occ.strike, 0) : Math.max(l.occ.strike - underlying, 0);
    total += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * intrinsic;
  }
  return total;
}

export interface MaxLoss {
  /** Dollars at risk for the whole order (Infinity when unbounded). */
  maxLossUsd: number;
  perSpread: number;
  /** Net premium per spread: positive = debit paid, negative = credit received. */
  netPremium: number;
  /** Underlying price at which the worst loss occurs (null when unbounded). */
  worstAt: number | null;
}

/**
 * Max loss at expiry of a multi-leg order, found by evaluating the piecewise-linear payoff at
 * S = 0, at every strike, and its slope beyond the highest strike (negative slope: unbounded).
 * For a credit spread this is (width − credit) × 100 × qty; it also covers debit spreads,
 * condors, butterflies and ratio spreads. `netPremium` is Alpaca's mleg limit convention
 * (positive debit, negative credit). Returns null when a leg is not an OCC symbol.
 */
export function optionsMaxLoss(legs: OrderLeg[], netPremium: number | null, qty: number): MaxLoss | null {
  const parsed: ParsedLeg[] = [];
  for (const l of legs) {
    const occ = parseOcc(l.symbol);
    if (!occ) return null;
    parsed.push({ ...l, occ });
  }
  const premium = netPremium ?? 0;
  let slope = 0;
  for (const l of parsed) if (l.occ.type === 'call') slope += (l.side === 'buy' ? 1 : -1) * l.ratio_qty;
  if (slope < 0) return { maxLossUsd: Infinity, perSpread: Infinity, netPremium: premium, worstAt: null };
  const points = [0, ...parsed.map((l) => l.occ.strike)];
  let worst = Infinity;
  let worstAt = 0;
  for (const s of points) {
    const pnl = legsPayoff(parsed, s) - premium;
    if (pnl < worst) {
      worst = pnl;
      worstAt = s;
    }
  }
  const perSpread = Math.max(0, -worst);
  return { maxLossUsd: perSpread * CONTRACT_MULTIPLIER * qty, perSpread, netPremium: premium, worstAt };
}

/** Net price per spread from the legs' quotes, priced against us (buy at the ask, sell at the bid). */
export function estimatedNetPremium(legs: OrderLeg[], quotes: RiskInput['quotes']): number | null {
  let net = 0;
  for (const l of legs) {
    const q = quotes[l.symbol];
    const px = q ? (l.side === 'buy' ? q.askPrice : q.bidPrice) : null;
    if (px === null || !finite(px) || px < 0) return null;
    net += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * px;
  }
  return net;
}

// ---------- the engine ----------

type CheckResult = Omit<RiskCheck, 'name' | 'code'>;
const pass = (message: string, limit: RiskCheck['limit'] = null, actual: RiskCheck['actual'] = null): CheckResult => ({ passed: true, limit, actual, message });
const fail = (message: string, limit: RiskCheck['limit'] = null, actual: RiskCheck['actual'] = null): CheckResult => ({ passed: false, limit, actual, message });
const na = (why: string): CheckResult => pass(`not applicable: ${why}`);
const safe = (v: RiskCheck['limit']): RiskCheck['limit'] => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** Evaluate every SPEC §7 check. Pure: no I/O, no clock, no randomness. */
export function evaluateRisk(input: RiskInput): RiskVerdict {
  const { order, mode, account, limits, state, clock } = input;
  const positions = input.positions ?? [];
  const openOrders = (input.openOrders ?? []).filter(isOpen);
  const nowMs = input.now.getTime();
  const clockParsed = Date.parse(clock.timestamp);
  const clockMs = Number.isFinite(clockParsed) ? clockParsed : nowMs;
  const isMleg = order.order_class === 'mleg' || Boolean(order.legs?.length);
  const legs = order.legs ?? [];
  const parsedLegs: ParsedLeg[] = [];
  for (const l of legs) {
    const occ = parseOcc(l.symbol);
    if (occ) parsedLegs.push({ ...l, occ });
  }
  const allLegsParse = parsedLegs.length === legs.length;
  const underlyings = [...new Set(parsedLegs.map((l) => normalizeSymbol(l.occ.underlying)))];
  const tradedSymbols = isMleg ? underlyings : order.symbol ? [normalizeSymbol(order.symbol)] : [];
  const equity = finite(account.equity) ? account.equity : 0;

  // Equity pricing.
  const quote = !isMleg && order.symbol ? (input.quotes[order.symbol] ?? null) : null;
  const mid = quoteMid(quote);
  const price = !isMleg ? executionPrice(order, quote) : null;
  const qty = !isMleg ? (order.qty ?? (order.notional !== null && price ? order.notional / price : null)) : null;
  const notional = !isMleg ? (order.notional ?? (order.qty !== null && price !== null ? order.qty * price : null)) : null;

  // Options pricing.
  const spreads = isMleg ? (order.qty ?? 0) : 0;
  const netPremium = isMleg ? (order.limit_price ?? estimatedNetPremium(legs, input.quotes)) : null;
  const maxLoss = isMleg && allLegsParse && netPremium !== null ? optionsMaxLoss(legs, netPremium, spreads) : null;
  const grossMid = isMleg ? legs.reduce<number | null>((acc, l) => {
    const m = quoteMid(input.quotes[l.symbol]);
    return acc === null || m === null ? null : acc + l.ratio_qty * m;
  }, 0) : null;
  const netMid = isMleg ? legs.reduce<number | null>((acc, l) => {
    const m = quoteMid(input.quotes[l.symbol]);
    return acc === null || m === null ? null : acc + (l.side === 'buy' ? 1 : -1) * l.ratio_qty * m;
  }, 0) : null;

  const exposure = !isMleg && order.symbol ? exposureOf(order.symbol, positions, openOrders, price ?? mid) : null;
  const reducing = isMleg
    ? legs.length > 0 && legs.every((l) => l.position_intent.endsWith('_to_close'))
    : exposure !== null && ((order.side === 'sell' && exposure.position > 0) || (order.side === 'buy' && exposure.position < 0));

  const results: Record<RiskCheckName, () => CheckResult> = {
    trading_halted: () =>
      state.halted
        ? fail(`trading is halted${state.haltReason ? `: ${state.haltReason}` : ''}${state.haltedAt ? ` (since ${state.haltedAt})` : ''}; only \`tars-trading-mcp resume\` clears it`, false, true)
        : pass('trading is not halted', false, false),

    account_status: () => {
      const blocked = account.tradingBlocked || (account.status !== '' && account.status.toUpperCase() !== 'ACTIVE');
      return blocked
        ? fail(`the broker account cannot trade (status ${account.status}${account.tradingBlocked ? ', trading blocked' : ''})`, 'ACTIVE', account.status)
        : pass('the account is active', 'ACTIVE', account.status);
    },

    symbol_allow_list: () => {
      if (!tradedSymbols.length) return fail('the order names no tradable symbol', null, null);
      if (limits.allowSymbols === null) return pass('no allow-list: any symbol may trade', null, tradedSymbols.join(','));
      const allowed = new Set(limits.allowSymbols.map(normalizeSymbol));
      const outside = tradedSymbols.filter((s) => !allowed.has(s));
      return outside.length
        ? fail(`${outside.join(', ')} is not on the allow-list (${limits.allowSymbols.length} symbols)`, limits.allowSymbols.join(','), tradedSymbols.join(','))
        : pass(`${tradedSymbols.join(', ')} is on the allow-list`, limits.allowSymbols.join(','), tradedSymbols.join(','));
    },

    symbol_deny_list: () => {
      const denied = new Set(limits.denySymbols.map(normalizeSymbol));
      const hit = tradedSymbols.filter((s) => denied.has(s));
      return hit.length
        ? fail(`${hit.join(', ')} is on the deny-list`, limits.denySymbols.join(','), tradedSymbols.join(','))
        : pass(limits.denySymbols.length ? 'not on the deny-list' : 'deny-list is empty', limits.denySymbols.join(','), tradedSymbols.join(','));
    },

    max_order_notional: () => {
      const limit = limits.maxOrderNotionalUsd;
      if (isMleg) {
        if (netPremium === null) return fail('cannot price the options order (no limit_price and no quote for every leg)', limit, null);
        const premium = Math.abs(netPremium) * CONTRACT_MULTIPLIER * spreads;
        return premium <= limit ? pass(`premium ${money(premium)} within ${money(limit)}`, limit, r(premium)) : fail(`premium ${money(premium)} exceeds ${money(limit)}`, limit, r(premium));
      }
      if (notional === null) return fail('cannot price a market order without a quote', limit, null);
      return notional <= limit ? pass(`order value ${money(notional)} within ${money(limit)}`, limit, r(notional)) : fail(`order value ${money(notional)} exceeds ${money(limit)}`, limit, r(notional));
    },

    max_order_qty: () => {
      if (isMleg) {
        const maxRatio = legs.reduce((m, l) => Math.max(m, l.ratio_qty), 1);
        const contracts = spreads * maxRatio;
        const limit = limits.maxOptionContracts;
        return contracts <= limit ? pass(`${contracts} contracts on the largest leg, within ${limit}`, limit, contracts) : fail(`${contracts} contracts on the largest leg exceed ${limit}`, limit, contracts);
      }
      const limit = limits.maxOrderQty;
      if (qty === null) return fail('cannot size a notional order without a quote', limit, null);
      return qty <= limit ? pass(`${r(qty, 4)} shares within ${limit}`, limit, r(qty, 4)) : fail(`${r(qty, 4)} shares exceed ${limit}`, limit, r(qty, 4));
    },

    price_collar: () => {
      const band = limits.priceCollarPct;
      if (isMleg) {
        if (order.limit_price === null) return na('a market multi-leg order has no limit price');
        if (netMid === null || grossMid === null || grossMid <= 0) return fail('no quote for every leg to collar the net price against', band, null);
        const off = Math.abs(order.limit_price - netMid) / grossMid;
        const msg = `net limit ${order.limit_price} vs net mid ${r(netMid, 4)}: ${pct(off)} of the legs' gross mid ${r(grossMid, 4)}`;
        return off <= band ? pass(`${msg}, within ${pct(band)}`, band, r(off, 6)) : fail(`${msg}, outside ${pct(band)}`, band, r(off, 6));
      }
      const prices = [order.limit_price, order.stop_price].filter((p): p is number => p !== null);
      if (!prices.length) return na('a market order has no price to collar');
      if (mid === null) return fail('no usable quote to collar the price against', band, null);
      const off = Math.max(...prices.map((p) => Math.abs(p - mid) / mid));
      return off <= band
        ? pass(`price within ${pct(off)} of the quote mid ${r(mid, 4)} (collar ${pct(band)})`, band, r(off, 6))
        : fail(`price is ${pct(off)} away from the quote mid ${r(mid, 4)}, outside the ${pct(band)} collar`, band, r(off, 6));
    },

    quote_fresh: () => {
      const maxAge = limits.maxQuoteAgeSec;
      const symbols = isMleg ? legs.map((l) => l.symbol) : order.symbol ? [order.symbol] : [];
      if (!symbols.length) return fail('no symbol to quote', maxAge, null);
      let oldest = -Infinity;
      for (const s of symbols) {
        const q = input.quotes[s];
        if (!q) return fail(`no quote for ${s}`, maxAge, null);
        if (quoteMid(q) === null) return fail(`the quote for ${s} is unusable (bid ${q.bidPrice}, ask ${q.askPrice})`, maxAge, null);
        const ts = Date.parse(q.timestamp);
        if (!Number.isFinite(ts)) return fail(`the quote for ${s} has no valid timestamp`, maxAge, null);
        oldest = Math.max(oldest, (clockMs - ts) / 1000);
      }
      return oldest <= maxAge ? pass(`quote age ${r(oldest, 1)} s within ${maxAge} s`, maxAge, r(oldest, 1)) : fail(`quote is ${r(oldest, 1)} s old, older than ${maxAge} s`, maxAge, r(oldest, 1));
    },

    max_position: () => {
      if (isMleg) return na('options exposure is bounded by options_max_loss');
      const limitUsd = limits.maxPositionPctEquity * Math.max(0, equity);
      const px = price ?? mid;
      if (!exposure || qty === null || px === null) return fail('cannot value the position without a price', r(limitUsd), null);
      const { before, after } = projectedPosition(order.side, qty, exposure);
      const value = Math.abs(after) * px;
      const reduces = Math.abs(after) < Math.abs(before) && after * before >= 0;
      const detail = `position ${r(exposure.position, 4)} + open ${order.side}s ${r(order.side === 'buy' ? exposure.openBuys : exposure.openSells, 4)} → ${r(after, 4)} shares ≈ ${money(value)}`;
      if (value <= limitUsd) return pass(`${detail}, within ${pct(limits.maxPositionPctEquity)} of equity (${money(limitUsd)})`, r(limitUsd), r(value));
      if (reduces) return pass(`${detail}: above the limit ${money(limitUsd)} but the order reduces the position`, r(limitUsd), r(value));
      return fail(`${detail}, above ${pct(limits.maxPositionPctEquity)} of equity (${money(limitUsd)})`, r(limitUsd), r(value));
    },

    buying_power: () => {
      const bp = finite(account.buyingPower) ? account.buyingPower : 0;
      const priceOf = (s: string) => {
        if (order.symbol && normalizeSymbol(s) === normalizeSymbol(order.symbol)) return price ?? mid;
        const p = positions.find((x) => normalizeSymbol(x.symbol) === normalizeSymbol(s));
        return p && finite(p.currentPrice) ? p.currentPrice : null;
      };
      const reserved = reservedBuyingPower(openOrders, priceOf);
      const net = input.buyingPowerNetOfOpenOrders ?? true;
      const available = net ? bp : bp - reserved;
      let required: number | null;
      if (isMleg) required = maxLoss ? maxLoss.maxLossUsd : null;
      else if (qty === null || price === null) required = null;
      else if (order.side === 'buy') required = qty * price;
      else {
        const sellable = Math.max(0, (exposure?.position ?? 0) - (exposure?.openSells ?? 0));
        required = Math.max(0, qty - sellable) * price;
      }
      if (required === null) return fail('cannot price what the order needs', r(available), null);
      if (!Number.isFinite(required)) return fail('the order has unbounded risk', r(available), null);
      const msg = net
        ? `needs ${money(required)}; buying power after open orders (≈ ${money(reserved)} held) ${money(available)}`
        : `needs ${money(required)}; buying power ${money(bp)} less ${money(reserved)} held by open orders = ${money(available)}`;
      return required <= available ? pass(msg, r(available), r(required)) : fail(msg, r(available), r(required));
    },

    max_open_orders: () => {
      const after = openOrders.length + 1;
      const limit = limits.maxOpenOrders;
      return after <= limit ? pass(`${after} open orders with this one, within ${limit}`, limit, after) : fail(`${openOrders.length} orders already open; this one would make ${after}, above ${limit}`, limit, after);
    },

    order_rate_minute: () => rate(input.state.recentOrders, nowMs, MIN, limits.maxOrdersPerMinute, 'minute'),
    order_rate_hour: () => rate(input.state.recentOrders, nowMs, HOUR, limits.maxOrdersPerHour, 'hour'),

    max_daily_loss: () => {
      const limit = limits.maxDailyLossPct;
      const base = finite(state.startOfDayEquity) && state.startOfDayEquity > 0 ? state.startOfDayEquity : finite(account.lastEquity) && account.lastEquity > 0 ? account.lastEquity : null;
      if (base === null) return pass("no starting equity known for today; daily loss not measurable", limit, null);
      const loss = (base - equity) / base;
      const msg = `equity ${money(equity)} vs ${money(base)} at the start of the day: ${loss > 0 ? `loss ${pct(loss)}` : `gain ${pct(-loss)}`}`;
      return loss < limit ? pass(`${msg}, limit ${pct(limit)}`, limit, r(loss, 6)) : fail(`${msg} reaches the ${pct(limit)} limit: trading halts`, limit, r(loss, 6));
    },

    duplicate_order: () => {
      const windowSec = limits.duplicateWindowSec;
      if (windowSec === 0) return pass('duplicate window disabled', 0, null);
      const mine = orderFingerprint(order, mode);
      const hit = state.recentOrders.filter((o) => {
        const at = Date.parse(o.at);
        return Number.isFinite(at) && nowMs - at < windowSec * 1000 && fingerprintOf(o) === mine;
      });
      if (!hit.length) return pass(`no identical order in the last ${windowSec} s`, windowSec, null);
      const ageSec = (nowMs - Math.max(...hit.map((o) => Date.parse(o.at)))) / 1000;
      return fail(`an identical order was submitted ${r(ageSec, 1)} s ago (window ${windowSec} s)`, windowSec, r(ageSec, 1));
    },

    market_hours: () => {
      if (clock.isOpen) return pass('the market is open (broker clock)', 'open', 'open');
      const ny = nyTime(clockMs);
      const nextOpen = Date.parse(clock.nextOpen);
      const preMarket = Number.isFinite(nextOpen) && nextOpen > clockMs && nextOpen - clockMs <= 5.5 * HOUR;
      const afterHours = ny.weekday >= 1 && ny.weekday <= 5 && ny.minutes >= 16 * 60 && ny.minutes < 20 * 60;
      const session = preMarket ? 'pre-market' : afterHours ? 'after-hours' : 'closed';
      if (session === 'closed') return fail(`the market is closed (broker clock ${clock.timestamp}; next open ${clock.nextOpen})`, 'open', 'closed');
      if (isMleg) return fail(`options trade only in regular hours (now ${session})`, 'open', session);
      if (!order.extended_hours) return fail(`the market is in ${session}; set extended_hours (limit, day) to trade now`, 'open', session);
      if (!limits.allowExtendedHours) return fail(`extended-hours trading is disabled by the profile (now ${session})`, 'open', session);
      return pass(`${session} session; extended-hours limit order allowed`, 'extended', session);
    },

    pattern_day_trader: () => {
      if (!limits.enforcePdt) return pass('PDT rule not enforced by the profile', null, account.daytradeCount);
      if (equity >= PDT_EQUITY_THRESHOLD) return pass(`equity ${money(equity)} at or above ${money(PDT_EQUITY_THRESHOLD)}: PDT rule does not bind`, 3, account.daytradeCount);
      if (account.patternDayTrader) return fail(`the account is flagged pattern day trader with equity ${money(equity)} under ${money(PDT_EQUITY_THRESHOLD)}`, 3, account.daytradeCount);
      if (account.daytradeCount >= 3 && reducing)
        return fail(`${account.daytradeCount} day trades in 5 days under ${money(PDT_EQUITY_THRESHOLD)}: a closing order could be the 4th`, 3, account.daytradeCount);
      return pass(`${account.daytradeCount} day trades in 5 days${reducing ? '' : '; the order opens or adds'}`, 3, account.daytradeCount);
    },

    options_legs: () => {
      if (!isMleg) return na('not a multi-leg order');
      const problems: string[] = [];
      if (legs.length < 2 || legs.length > 4) problems.push(`${legs.length} legs (2–4 allowed)`);
      if (new Set(legs.map((l) => l.symbol)).size !== legs.length) problems.push('a contract appears in more than one leg');
      if (!allLegsParse) problems.push('a leg is not a valid OCC option symbol');
      if (underlyings.length > 1) problems.push(`legs on several underlyings (${underlyings.join(', ')})`);
      const mismatched = legs.filter((l) => !l.position_intent.startsWith(l.side));
      if (mismatched.length) problems.push(`side and position_intent disagree on ${mismatched.map((l) => l.symbol).join(', ')}`);
      if (!Number.isInteger(spreads) || spreads < 1) problems.push('qty must be a whole number of spreads');
      return problems.length ? fail(problems.join('; '), '2-4 unique legs, one underlying', legs.length) : pass(`${legs.length} unique legs on ${underlyings[0]}`, '2-4 unique legs, one underlying', legs.length);
    },

    options_defined_risk: () => {
      if (!isMleg) return na('not a multi-leg order');
      if (!allLegsParse) return fail('cannot analyse legs that are not OCC symbols', 'every short covered', null);
      // A short leg is covered by long legs of the same type and expiry (any strike: a wing or a debit spread).
      const groups = new Map<string, { short: number; long: number }>();
      for (const l of parsedLegs) {
        const key = `${l.occ.type} ${l.occ.expiration}`;
        const g = groups.get(key) ?? { short: 0, long: 0 };
        if (l.side === 'sell') g.short += l.ratio_qty;
        else g.long += l.ratio_qty;
        groups.set(key, g);
      }
      const naked = [...groups.entries()].filter(([, g]) => g.short > g.long);
      if (naked.length)
        return fail(`naked short options: ${naked.map(([k, g]) => `${g.short} short vs ${g.long} long ${k}`).join('; ')}`, 'every short covered', naked.map(([k]) => k).join(', '));
      const shorts = [...groups.values()].reduce((s, g) => s + g.short, 0);
      return pass(shorts ? 'every short leg is covered by a long leg of the same type and expiry' : 'long options only', 'every short covered', 'covered');
    },

    options_max_loss: () => {
      if (!isMleg) return na('not a multi-leg order');
      const limit = limits.maxOptionsLossUsd;
      if (!allLegsParse) return fail('cannot analyse legs that are not OCC symbols', limit, null);
      if (!maxLoss) return fail('cannot price the order (no limit_price and no quote for every leg)', limit, null);
      if (!Number.isFinite(maxLoss.maxLossUsd)) return fail('the payoff falls without bound as the underlying rises (naked calls)', limit, 'unbounded');
      const kind = maxLoss.netPremium < 0 ? `credit ${r(-maxLoss.netPremium, 4)}` : `debit ${r(maxLoss.netPremium, 4)}`;
      const msg = `max loss at expiry ${money(maxLoss.maxLossUsd)} (${r(maxLoss.perSpread, 4)} per spread × 100 × ${spreads}, ${kind}, worst at ${maxLoss.worstAt})`;
      return maxLoss.maxLossUsd <= limit ? pass(`${msg}, within ${money(limit)}`, limit, r(maxLoss.maxLossUsd)) : fail(`${msg}, above ${money(limit)}`, limit, r(maxLoss.maxLossUsd));
    },

    options_days_to_expiry: () => {
      if (!isMleg) return na('not a multi-leg order');
      const window = `${limits.minDaysToExpiry}-${limits.maxDaysToExpiry}`;
      if (!allLegsParse) return fail('cannot read expiries from legs that are not OCC symbols', window, null);
      const opening = parsedLegs.filter((l) => l.position_intent.endsWith('_to_open'));
      if (!opening.length) return pass('closing legs only: any expiry may be closed', window, null);
      const today = nyTime(clockMs).date;
      const dtes = opening.map((l) => daysBetween(today, l.occ.expiration));
      const lo = Math.min(...dtes);
      const hi = Math.max(...dtes);
      const shown = lo === hi ? `${lo}` : `${lo}-${hi}`;
      return lo >= limits.minDaysToExpiry && hi <= limits.maxDaysToExpiry
        ? pass(`${shown} days to expiry, within ${window}`, window, shown)
        : fail(`${shown} days to expiry, outside ${window}`, window, shown);
    },
  };

  const checks: RiskCheck[] = RISK_CHECKS.map(({ name, code }) => {
    let result: CheckResult;
    try {
      result = results[name]();
    } catch (err) {
      // A check that cannot decide refuses: a bug must never let an order through.
      result = fail(`check could not be evaluated: ${(err as Error).message}`);
    }
    return { name, code, passed: result.passed, limit: safe(result.limit), actual: safe(result.actual), message: result.message };
  });
  return { passed: checks.every((c) => c.passed), order_hash: orderHash(order, mode), checks };
}

function rate(recent: RecentOrder[], nowMs: number, windowMs: number, limit: number, unit: string): CheckResult {
  const inWindow = recent.filter((o) => {
    const at = Date.parse(o.at);
    return Number.isFinite(at) && nowMs - at < windowMs;
  }).length;
  const after = inWindow + 1;
  return after <= limit
    ? pass(`${after} orders in the last ${unit} with this one, within ${limit}`, limit, after)
    : fail(`${inWindow} orders already in the last ${unit}; this one would make ${after}, above ${limit}`, limit, after);
}

/** True when the verdict's daily-loss check failed: the caller must trip the durable halt. */
export function tripsHalt(verdict: RiskVerdict): boolean {
  return verdict.checks.some((c) => c.code === 'RISK_DAILY_LOSS' && !c.passed);
}
