/**
 * The leaderboard as it stands now: every model's warm state (store.models(): book, drawdown so far, ModelChat
 * cost), every held symbol quoted once by the price source (a symbol without a quote is carried at cost), and,
 * for the chart, each model's equity curve (opening cash, every mark, now).
 */
import type { Deps } from '../deps.js';
import { heldSymbols, leaderboard, type LeaderRow } from './leaderboard.js';
import type { ModelState } from './state.js';
import { midsOf, type PriceSource } from './snapshot.js';
import type { ArenaStore, Mark } from './store.js';
import type { EquityCurve } from './chart.js';

export interface Board {
  at: string;
  rows: LeaderRow[];
  curves: EquityCurve[];
  /** Held symbols the price source could not quote (those holdings are marked at cost). */
  unquoted: string[];
}

export async function boardNow(deps: Deps, store: ArenaStore, prices: PriceSource | null, options: { curves?: boolean } = {}): Promise<Board> {
  const models = [...(await store.models()).values()];
  const held = heldSymbols(models);
  const mids = prices ? await midsOf(prices, held) : new Map<string, number>();
  const rows = leaderboard({ models, prices: mids, defaultCash: deps.profile.arena.initialCash });
  const now = Date.now();
  return {
    at: new Date(now).toISOString(),
    rows,
    curves: options.curves ? curvesOf(await store.marks(), models, rows, now) : [],
    unquoted: held.filter((s) => !mids.has(s)),
  };
}

/** Each model's equity curve: its opening cash, every mark, and now. */
function curvesOf(stored: readonly Mark[], models: readonly ModelState[], rows: readonly LeaderRow[], now: number): EquityCurve[] {
  const opened = new Map(models.map((m) => [m.model, m.openedAt ? Date.parse(m.openedAt) : now]));
  const marks = new Map<string, Array<{ t: number; equity: number }>>();
  for (const m of stored) {
    const curve = marks.get(m.model) ?? [];
    if (!curve.length) marks.set(m.model, curve);
    curve.push({ t: Date.parse(m.at), equity: m.equity });
  }
  return rows.map((r) => ({
    model: r.model,
    rank: r.rank,
    points: [{ t: opened.get(r.model) ?? now, equity: r.initial_cash }, ...(marks.get(r.model) ?? []), { t: now, equity: r.equity }],
  }));
}
