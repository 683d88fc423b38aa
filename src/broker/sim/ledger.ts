/** The sim's cash account: cash movements, reservations, average-cost positions and their values, day trades. */
import { addDays, currentOrNextSession, easternDate, previousSession, sessionOn } from '../calendar.js';
import type { Account, Position } from '../types.js';
import { optionPriceAt } from './chain.js';
import { type OccParts, parseOcc } from '../../orders/order.js';
import { cents, inList, round2, SWEEPABLE, type SimState } from './db.js';

/** The account as of now (`positions`: positionsAt(s, now) when the caller has it already). */
export function accountAt(s: SimState, now: Date, positions: Position[] = positionsAt(s, now)): Account {
  const cash = cashCents(s) / 100;
  const equity = round2(cash + positions.reduce((a, p) => a + p.marketValue, 0));
  const reserved = reservedTotalCents(s) / 100;
  const daytrades = daytradeCount(s, now);
  return {
    id: (s.db.prepare("SELECT value FROM meta WHERE key = 'account_id'").get() as { value: string }).value,
    status: 'ACTIVE',
    currency: 'USD',
    cash: round2(cash),
    equity,
    lastEquity: lastEquity(s, now),
    buyingPower: round2(Math.max(0, cash - reserved)),
    daytradeCount: daytrades,
    patternDayTrader: daytrades >= 4,
    tradingBlocked: false,
    optionsBuyingPower: round2(Math.max(0, cash - reserved)),
    optionsLevel: 3,
    mode: 'sim',
  };
}

export function cashCents(s: SimState, asOfMs = Number.MAX_SAFE_INTEGER): number {
  return (s.db.prepare('SELECT COALESCE(SUM(amount_cents), 0) AS c FROM cash_movements WHERE at_ms <= ?').get(asOfMs) as { c: number }).c;
}

/** Cash not free to spend: what open orders reserve plus the collateral short puts hold. */
export function reservedTotalCents(s: SimState): number {
  const orders = s.db.prepare(`SELECT COALESCE(SUM(reserved_cents), 0) AS r FROM orders WHERE status IN (${inList(SWEEPABLE)})`).get(...SWEEPABLE) as {
    r: number;
  };
  const shorts = s.db.prepare('SELECT COALESCE(SUM(collateral_cents), 0) AS c FROM positions').get() as { c: number };
  return orders.r + shorts.c;
}

/**
 * Shares of `symbol` already promised: the rest of every open sell (the exits of one group count
 * once, only one of them can fill), plus 100 a contract for the calls sold against them, open or filled.
 */
export function promisedShares(s: SimState, symbol: string): number {
  const sells = s.db
    .prepare(
      `SELECT COALESCE(SUM(q), 0) AS q FROM (SELECT MAX(qty - filled_qty) AS q FROM orders WHERE symbol = ? AND side = 'sell' AND status IN (${inList(SWEEPABLE)})
        GROUP BY CASE WHEN exit_role IS NULL THEN id ELSE COALESCE(parent_id, id) END)`,
    )
    .get(symbol, ...SWEEPABLE) as { q: number };
  const isCallOn = (occ: string) => {
    const p = parseOcc(occ);
    return p !== null && p.type === 'call' && p.underlying === symbol;
  };
  const covered = (s.db.prepare('SELECT symbol, covered_shares AS n FROM positions WHERE covered_shares > 0').all() as Array<{ symbol: string; n: number }>)
    .filter((p) => isCallOn(p.symbol))
    .reduce((a, p) => a + p.n, 0);
  const opening = (
    s.db
      .prepare(`SELECT symbol, qty - filled_qty AS n FROM orders WHERE position_intent = 'sell_to_open' AND status IN (${inList(SWEEPABLE)})`)
      .all(...SWEEPABLE) as Array<{ symbol: string; n: number }>
  )
    .filter((o) => isCallOn(o.symbol))
    .reduce((a, o) => a + o.n * 100, 0);
  return sells.q + covered + opening;
}

/** A short option just sold to open holds its cover: a put the strike in cash, a call 100 shares a contract. */
export function holdAgainstShort(s: SimState, symbol: string, occ: OccParts, contracts: number): void {
  if (occ.type === 'put')
    s.db.prepare('UPDATE positions SET collateral_cents = collateral_cents + ? WHERE symbol = ?').run(cents(occ.strike * 100 * contracts), symbol);
  else s.db.prepare('UPDATE positions SET covered_shares = covered_shares + ? WHERE symbol = ?').run(100 * contracts, symbol);
}

export function positionQty(s: SimState, symbol: string): number {
  return (s.db.prepare('SELECT qty FROM positions WHERE symbol = ?').get(symbol) as { qty: number } | undefined)?.qty ?? 0;
}

/** Average-cost position keeping; cost basis is signed (negative for shorts). */
export function applyPosition(s: SimState, symbol: string, assetClass: string, dq: number, price: number, multiplier: number): void {
  const cur = s.db.prepare('SELECT qty, cost_basis FROM positions WHERE symbol = ?').get(symbol) as { qty: number; cost_basis: number } | undefined;
  let q = cur?.qty ?? 0;
  let cost = cur?.cost_basis ?? 0;
  if (q === 0 || Math.sign(q) === Math.sign(dq)) {
    q += dq;
    cost += dq * price * multiplier;
  } else {
    const closing = Math.min(Math.abs(dq), Math.abs(q));
    cost -= (cost * closing) / Math.abs(q);
    q += dq;
    if (Math.sign(q) === Math.sign(dq) && Math.abs(q) > 1e-9) cost = q * price * multiplier;
  }
  if (Math.abs(q) < 1e-9) s.db.prepare('DELETE FROM positions WHERE symbol = ?').run(symbol);
  else
    s.db
      .prepare(
        'INSERT INTO positions (symbol, asset_class, qty, cost_basis) VALUES (?, ?, ?, ?) ON CONFLICT(symbol) DO UPDATE SET qty = excluded.qty, cost_basis = excluded.cost_basis',
      )
      .run(symbol, assetClass, Math.round(q * 1e9) / 1e9, Math.round(cost * 100) / 100);
  // a short bought back (partly) releases its cover in proportion; a flip to long releases all of it
  const before = cur?.qty ?? 0;
  if (before < 0 && q > before) {
    const kept = q < 0 ? q / before : 0;
    s.db
      .prepare('UPDATE positions SET collateral_cents = ROUND(collateral_cents * ?), covered_shares = ROUND(covered_shares * ?, 9) WHERE symbol = ?')
      .run(kept, kept, symbol);
  }
}

export function priceOf(s: SimState, symbol: string, assetClass: string, at: number): number {
  return assetClass === 'us_option' ? optionPriceAt(s.market, symbol, at).mid : s.market.midAt(symbol, at);
}

export function positionsAt(s: SimState, now: Date): Position[] {
  const at = s.market.effectiveTime(now);
  const rows = s.db.prepare('SELECT symbol, asset_class, qty, cost_basis FROM positions ORDER BY symbol').all() as Array<{
    symbol: string;
    asset_class: 'us_equity' | 'us_option';
    qty: number;
    cost_basis: number;
  }>;
  return rows.map((r) => {
    const mult = r.asset_class === 'us_option' ? 100 : 1;
    const price = round2(priceOf(s, r.symbol, r.asset_class, at));
    const marketValue = round2(r.qty * price * mult);
    return {
      symbol: r.symbol,
      assetClass: r.asset_class,
      qty: r.qty,
      avgEntryPrice: Math.round((r.cost_basis / (r.qty * mult)) * 10_000) / 10_000,
      costBasis: round2(r.cost_basis),
      currentPrice: price,
      marketValue,
      unrealizedPl: round2(marketValue - r.cost_basis),
    };
  });
}

/** Equity at the previous session's close: cash and fills up to then, valued at that close. */
export function lastEquity(s: SimState, now: Date): number {
  const prevClose = previousSession(currentOrNextSession(now).open).close.getTime();
  const cash = cashCents(s, prevClose) / 100;
  const held = s.db
    .prepare("SELECT symbol, asset_class, SUM(CASE WHEN side = 'buy' THEN qty ELSE -qty END) AS q FROM fills WHERE at_ms <= ? GROUP BY symbol, asset_class")
    .all(prevClose) as Array<{ symbol: string; asset_class: string; q: number }>;
  let value = 0;
  for (const h of held) if (Math.abs(h.q) > 1e-9) value += h.q * priceOf(s, h.symbol, h.asset_class, prevClose) * (h.asset_class === 'us_option' ? 100 : 1);
  return round2(cash + value);
}

/** Round trips (a buy and a sell of one symbol on one session day) over the last five sessions. */
export function daytradeCount(s: SimState, now: Date): number {
  let date = easternDate(now);
  const days: string[] = [];
  while (days.length < 5) {
    if (sessionOn(date)) days.push(date);
    date = addDays(date, -1);
  }
  const since = sessionOn(days[days.length - 1]!)!.open.getTime();
  const fills = s.db.prepare('SELECT symbol, side, at_ms FROM fills WHERE at_ms >= ?').all(since) as Array<{ symbol: string; side: string; at_ms: number }>;
  const sides = new Map<string, Set<string>>();
  for (const f of fills) {
    const key = `${easternDate(f.at_ms)}|${f.symbol}`;
    const set = sides.get(key) ?? new Set<string>();
    set.add(f.side);
    sides.set(key, set);
  }
  return [...sides.values()].filter((set) => set.size === 2).length;
}
