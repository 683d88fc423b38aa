/** The sim's cash account: cash movements, reservations, average-cost positions and their values, day trades. */
import { addDays, currentOrNextSession, easternDate, previousSession, sessionOn } from '../calendar.js';
import type { Account, Position } from '../types.js';
import { optionPriceAt } from './chain.js';
import { round2, SWEEPABLE, type SimState } from './db.js';

export function accountAt(s: SimState, now: Date): Account {
  const cash = cashCents(s) / 100;
  const positions = positionsAt(s, now);
  const equity = round2(cash + positions.reduce((a, p) => a + p.marketValue, 0));
  const reserved =
    (
      s.db.prepare(`SELECT COALESCE(SUM(reserved_cents), 0) AS r FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')})`).get(...SWEEPABLE) as {
        r: number;
      }
    ).r / 100;
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

export function reservedTotalCents(s: SimState): number {
  return (
    s.db.prepare(`SELECT COALESCE(SUM(reserved_cents), 0) AS r FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')})`).get(...SWEEPABLE) as {
      r: number;
    }
  ).r;
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
