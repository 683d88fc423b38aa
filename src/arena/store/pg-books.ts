/**
 * What the PostgreSQL arena store keeps in memory between calls: each model's book and the last fill id
 * applied to it, so a fill or a leaderboard reads only the fills after it, not every model's whole history.
 *
 * Sound because every fill of a model is inserted under its account's row lock (postgres.ts): per model,
 * ids are taken in commit order, so once a reader has seen a model's fill N committed, no fill of that
 * model below N can commit later. (Marks and ModelChat rows are written without a lock, so across replicas
 * their ids are not committed in order: those are aggregated from the snapshot instead.) A fill's
 * transaction stages what it saw; the cache keeps it only once the transaction committed.
 */
import { applyFill, type Book, type BookFill, emptyBook } from '../book.js';
import type { AccountRow, ModelState } from '../state.js';
import type { PgClient } from '../../store/postgres/pool.js';

export type Queryable = Pick<PgClient, 'query'>;

export async function rows<R>(c: Queryable, sql: string, params: unknown[] = []): Promise<R[]> {
  return (await c.query(sql, params)).rows as R[];
}

/** A model's book as last seen, and the last fill id applied to it. */
export interface Seen {
  initial: number;
  book: Book;
  last: number;
}

type FillRow = BookFill & { id: number; model: string };

export class BookCache {
  private readonly seen = new Map<string, Seen>();

  private base(model: string, initial: number, staged?: ReadonlyMap<string, Seen>): Seen {
    const known = staged?.get(model) ?? this.seen.get(model);
    return known && known.initial === initial ? known : { initial, book: emptyBook(initial), last: 0 };
  }

  /** One model's book now (a copy), reading the fills after the last seen. */
  async current(c: Queryable, model: string, initial: number, staged: ReadonlyMap<string, Seen>): Promise<Seen> {
    const base = this.base(model, initial, staged);
    const fresh = await rows<FillRow>(c, 'SELECT id, symbol, side, qty, price FROM arena_fills WHERE model = $1 AND id > $2 ORDER BY id', [model, base.last]);
    const book = structuredClone(base.book);
    for (const f of fresh) applyFill(book, f);
    return { initial, book, last: fresh.at(-1)?.id ?? base.last };
  }

  /** These accounts' books in the transaction's snapshot (one read of the fills after the oldest last seen); kept. */
  async sync(c: Queryable, accounts: readonly AccountRow[]): Promise<Map<string, Book>> {
    const now = new Map<string, Seen>();
    for (const a of accounts) {
      const b = this.base(a.model, a.initial_cash);
      now.set(a.model, { initial: b.initial, book: structuredClone(b.book), last: b.last });
    }
    if (!now.size) return new Map();
    const from = Math.min(...[...now.values()].map((s) => s.last));
    const fresh = await rows<FillRow>(c, 'SELECT id, model, symbol, side, qty, price FROM arena_fills WHERE id > $1 AND model = ANY($2::text[]) ORDER BY id', [
      from,
      [...now.keys()],
    ]);
    for (const f of fresh) {
      const s = now.get(f.model);
      if (!s || f.id <= s.last) continue;
      applyFill(s.book, f);
      s.last = f.id;
    }
    this.keep(now);
    return new Map([...now].map(([m, s]) => [m, structuredClone(s.book)]));
  }

  /** Keep what a committed transaction (or a snapshot of committed rows) saw; never step a model back. */
  keep(seen: ReadonlyMap<string, Seen>): void {
    for (const [model, s] of seen) {
      const had = this.seen.get(model);
      if (!had || had.initial !== s.initial || s.last >= had.last) this.seen.set(model, s);
    }
  }
}

/** Peak and worst drawdown per model over its marks in id order, from the initial cash (as state.ts applies them). */
export const MARKS_AGGREGATE = `SELECT model, MAX(peak) AS peak, COALESCE(MAX(CASE WHEN peak > 0 THEN (peak - equity) / peak END), 0) AS drawdown
  FROM (SELECT m.model, m.equity, GREATEST(a.initial_cash, MAX(m.equity) OVER (PARTITION BY m.model ORDER BY m.id ROWS UNBOUNDED PRECEDING)) AS peak
        FROM arena_marks m LEFT JOIN arena_accounts a USING (model)) r
  GROUP BY model`;

/** LLM cost (summed in id order, as state.ts adds it) and decisions per model. */
export const CHAT_AGGREGATE = 'SELECT model, SUM(cost_usd ORDER BY id) AS cost, COUNT(*)::int AS n FROM arena_chat GROUP BY model';

export interface Aggregates {
  marks: ReadonlyArray<{ model: string; peak: number; drawdown: number }>;
  chat: ReadonlyArray<{ model: string; cost: number; n: number }>;
}

/** Every model's state from its account, its book and the aggregates of one snapshot. */
export function statesOf(accounts: readonly AccountRow[], books: ReadonlyMap<string, Book>, agg: Aggregates): Map<string, ModelState> {
  const states = new Map<string, ModelState>();
  const state = (model: string): ModelState => {
    let s = states.get(model);
    if (!s) {
      s = { model, initialCash: null, openedAt: null, book: emptyBook(0), peak: Number.NEGATIVE_INFINITY, maxDrawdown: 0, costUsd: 0, decisions: 0 };
      states.set(model, s);
    }
    return s;
  };
  for (const a of accounts) {
    Object.assign(state(a.model), {
      initialCash: a.initial_cash,
      openedAt: a.opened_at,
      book: books.get(a.model) ?? emptyBook(a.initial_cash),
      peak: a.initial_cash,
    });
  }
  for (const m of agg.marks) {
    const s = state(m.model);
    s.peak = Math.max(s.peak, m.peak);
    s.maxDrawdown = m.drawdown;
  }
  for (const c of agg.chat) Object.assign(state(c.model), { costUsd: c.cost, decisions: c.n });
  return states;
}
