/**
 * The leaderboard (SPEC §14), pure over what the store holds: every model with an account or a decision on
 * record, its book replayed from its fills and marked at the prices given, and the LLM dollars its
 * decisions cost (ModelChat: arena rounds and council votes).
 *
 * What the figures mean:
 *   equity        cash + holdings at the current mid (a holding without a quote at its cost)
 *   pnl_usd       equity − initial cash; return = pnl / initial cash
 *   max_drawdown  the largest fall from a running peak of the equity curve (its marks after every round and
 *                 shadow fill, and now), as a fraction of that peak
 *   trades        fills; win_rate = sells that realised a gain over the shares' average cost / sells
 *   llm_cost_usd  what the model's decisions cost (the ledger's charge for each call)
 *   net_usd       pnl − llm cost: what the model earned us after its cost — the rank, highest first
 *                 (ties: lower cost, then model id); return_per_llm_dollar = pnl / llm cost
 */
import { type BookFill, cents, type MarkedPosition, markToMarket, maxDrawdown, replay } from './book.js';
import type { Mark } from './store.js';

export interface LeaderRow {
  rank: number;
  model: string;
  initial_cash: number;
  equity: number;
  cash: number;
  positions: MarkedPosition[];
  pnl_usd: number;
  return_pct: number;
  max_drawdown: number;
  trades: number;
  closed_trades: number;
  win_rate: number | null;
  realized_pnl_usd: number;
  decisions: number;
  llm_cost_usd: number;
  return_per_llm_dollar: number | null;
  net_usd: number;
}

export interface LeaderboardInput {
  accounts: ReadonlyArray<{ model: string; initial_cash: number }>;
  fills: ReadonlyArray<BookFill & { model: string }>;
  marks: readonly Mark[];
  costs: ReadonlyMap<string, { cost: number; decisions: number }>;
  prices: ReadonlyMap<string, number>;
  /** For a model with decisions on record but no account yet. */
  defaultCash: number;
}

const group = <T extends { model: string }>(rows: readonly T[]): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.model);
    if (list) list.push(r);
    else out.set(r.model, [r]);
  }
  return out;
};

function row(
  model: string,
  initial: number,
  fills: readonly BookFill[],
  marks: readonly Mark[],
  cost: { cost: number; decisions: number } | undefined,
  prices: ReadonlyMap<string, number>,
): LeaderRow {
  const book = replay(initial, fills);
  const { equity, positions } = markToMarket(book, prices);
  const pnl = cents(equity - initial);
  const llm = Math.round((cost?.cost ?? 0) * 1e9) / 1e9;
  return {
    rank: 0,
    model,
    initial_cash: initial,
    equity,
    cash: book.cash,
    positions,
    pnl_usd: pnl,
    return_pct: Math.round((pnl / initial) * 1e6) / 1e4,
    max_drawdown: maxDrawdown([initial, ...marks.map((m) => m.equity), equity]),
    trades: book.fills,
    closed_trades: book.closed,
    win_rate: book.closed ? Math.round((book.wins / book.closed) * 1e4) / 1e4 : null,
    realized_pnl_usd: book.realized,
    decisions: cost?.decisions ?? 0,
    llm_cost_usd: llm,
    return_per_llm_dollar: llm > 0 ? Math.round((pnl / llm) * 100) / 100 : null,
    net_usd: Math.round((pnl - llm) * 1e6) / 1e6,
  };
}

export function leaderboard(input: LeaderboardInput): LeaderRow[] {
  const fills = group(input.fills);
  const marks = group(input.marks);
  const cash = new Map(input.accounts.map((a) => [a.model, a.initial_cash]));
  const models = new Set([...cash.keys(), ...input.costs.keys()]);
  const rows = [...models].map((m) => row(m, cash.get(m) ?? input.defaultCash, fills.get(m) ?? [], marks.get(m) ?? [], input.costs.get(m), input.prices));
  rows.sort((a, b) => b.net_usd - a.net_usd || a.llm_cost_usd - b.llm_cost_usd || a.model.localeCompare(b.model));
  rows.forEach((r, i) => {
    r.rank = i + 1;
  });
  return rows;
}

/** The symbols some account holds (to be quoted before the leaderboard is marked). */
export function heldSymbols(fills: ReadonlyArray<BookFill & { model: string }>): string[] {
  const net = new Map<string, number>();
  for (const f of fills) {
    const key = `${f.model}\u0000${f.symbol}`;
    net.set(key, (net.get(key) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty));
  }
  return [...new Set([...net].filter(([, q]) => q > 0).map(([k]) => k.split('\u0000')[1]!))];
}
