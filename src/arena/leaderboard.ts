/**
 * The leaderboard (SPEC §14), pure over what the store holds: every model with an account or a decision on
 * record, its book replayed from its fills and marked at the prices given, and the LLM dollars its
 * decisions cost (ModelChat: arena rounds and council votes).
 *
 * What the figures mean:
 *   equity        cash + holdings at the current mid (a holding without a quote at its cost)
 *   pnl_usd       equity − initial cash; return = pnl / initial cash
 *   max_drawdown  the largest fall from a running peak of the equity curve (the initial cash, its marks after
 *                 every round and shadow fill, and now), as a fraction of that peak
 *   trades        fills; win_rate = sells that realised a gain over the shares' average cost / sells
 *   llm_cost_usd  what the model's decisions cost (the ledger's charge for each call)
 *   net_usd       pnl − llm cost: what the model earned us after its cost — the rank, highest first
 *                 (ties: lower cost, then model id); return_per_llm_dollar = pnl / llm cost
 */
import { cents, emptyBook, type MarkedPosition, markToMarket } from './book.js';
import type { ModelState } from './state.js';

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
  models: Iterable<ModelState>;
  prices: ReadonlyMap<string, number>;
  /** For a model with decisions on record but no account yet. */
  defaultCash: number;
}

function row(s: ModelState, defaultCash: number, prices: ReadonlyMap<string, number>): LeaderRow {
  const initial = s.initialCash ?? defaultCash;
  const book = s.initialCash === null ? emptyBook(defaultCash) : s.book;
  const { equity, positions } = markToMarket(book, prices);
  const pnl = cents(equity - initial);
  const llm = Math.round(s.costUsd * 1e9) / 1e9;
  // the curve's worst fall so far, with now as its last point
  const peak = Math.max(s.peak, initial);
  const drawdown = Math.max(s.maxDrawdown, peak > 0 ? (peak - equity) / peak : 0);
  return {
    rank: 0,
    model: s.model,
    initial_cash: initial,
    equity,
    cash: book.cash,
    positions,
    pnl_usd: pnl,
    return_pct: Math.round((pnl / initial) * 1e6) / 1e4,
    max_drawdown: Math.round(drawdown * 1e6) / 1e6,
    trades: book.fills,
    closed_trades: book.closed,
    win_rate: book.closed ? Math.round((book.wins / book.closed) * 1e4) / 1e4 : null,
    realized_pnl_usd: book.realized,
    decisions: s.decisions,
    llm_cost_usd: llm,
    return_per_llm_dollar: llm > 0 ? Math.round((pnl / llm) * 100) / 100 : null,
    net_usd: Math.round((pnl - llm) * 1e6) / 1e6,
  };
}

export function leaderboard(input: LeaderboardInput): LeaderRow[] {
  const rows = [...input.models].map((s) => row(s, input.defaultCash, input.prices));
  rows.sort((a, b) => b.net_usd - a.net_usd || a.llm_cost_usd - b.llm_cost_usd || a.model.localeCompare(b.model));
  rows.forEach((r, i) => {
    r.rank = i + 1;
  });
  return rows;
}

/** The symbols some account holds (to be quoted before the leaderboard is marked). */
export function heldSymbols(models: Iterable<ModelState>): string[] {
  const held = new Set<string>();
  for (const s of models) for (const symbol of s.book.holdings.keys()) held.add(symbol);
  return [...held].sort();
}
