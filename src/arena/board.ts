/**
 * The leaderboard as it stands now: the store's accounts, fills, marks and ModelChat costs, every held
 * symbol quoted once by the price source (a symbol without a quote is carried at cost), and each model's
 * equity curve for the chart (opening cash, every mark, now).
 */
import type { Deps } from '../deps.js';
import { heldSymbols, leaderboard, type LeaderRow } from './leaderboard.js';
import { midsOf, type PriceSource } from './snapshot.js';
import type { ArenaStore } from './store.js';
import type { EquityCurve } from './chart.js';

export interface Board {
  at: string;
  rows: LeaderRow[];
  curves: EquityCurve[];
  /** Held symbols the price source could not quote (those holdings are marked at cost). */
  unquoted: string[];
}

export async function boardNow(deps: Deps, store: ArenaStore, prices: PriceSource | null): Promise<Board> {
  const fills = store.fills();
  const held = heldSymbols(fills);
  const mids = prices ? await midsOf(prices, held) : new Map<string, number>();
  const accounts = store.accounts();
  const rows = leaderboard({ accounts, fills, marks: store.marks(), costs: store.costs(), prices: mids, defaultCash: deps.profile.arena.initialCash });
  const now = Date.now();
  const opened = new Map(accounts.map((a) => [a.model, Date.parse(a.opened_at)]));
  const marks = store.marks();
  const curves = rows.map((r) => ({
    model: r.model,
    rank: r.rank,
    points: [
      { t: opened.get(r.model) ?? now, equity: r.initial_cash },
      ...marks.filter((m) => m.model === r.model).map((m) => ({ t: Date.parse(m.at), equity: m.equity })),
      { t: now, equity: r.equity },
    ],
  }));
  return { at: new Date(now).toISOString(), rows, curves, unquoted: held.filter((s) => !mids.has(s)) };
}
