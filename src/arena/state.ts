/**
 * The arena's accounts kept warm in memory (the leaderboard and every round read them): each model's book,
 * its equity curve's running peak and worst drawdown, and its LLM cost, brought up to date by reading only
 * the rows after the last seen — this process's and any other's on the data dir. Rows are applied in id
 * order, so a book here equals the replay of the model's fills from the store.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { applyFill, type Book, type BookFill, emptyBook } from './book.js';

export interface ModelState {
  model: string;
  /** null: the model has decisions on record but no account yet. */
  initialCash: number | null;
  openedAt: string | null;
  book: Book;
  /** Over the initial cash and every mark so far. */
  peak: number;
  maxDrawdown: number;
  costUsd: number;
  decisions: number;
}

type FillRow = BookFill & { id: number; model: string };

export class ArenaState {
  private readonly models = new Map<string, ModelState>();
  private readonly last = { fill: 0, mark: 0, chat: 0 };
  private readonly q;

  constructor(db: BetterSqlite3.Database) {
    this.q = {
      accounts: db.prepare('SELECT model, initial_cash, opened_at FROM accounts'),
      fills: db.prepare('SELECT id, model, symbol, side, qty, price FROM fills WHERE id > ? ORDER BY id'),
      marks: db.prepare('SELECT id, model, equity FROM marks WHERE id > ? ORDER BY id'),
      chat: db.prepare('SELECT id, model, cost_usd FROM chat WHERE id > ? ORDER BY id'),
    };
  }

  private state(model: string): ModelState {
    let s = this.models.get(model);
    if (!s) {
      s = { model, initialCash: null, openedAt: null, book: emptyBook(0), peak: Number.NEGATIVE_INFINITY, maxDrawdown: 0, costUsd: 0, decisions: 0 };
      this.models.set(model, s);
    }
    return s;
  }

  private syncAccounts(): void {
    for (const a of this.q.accounts.all() as Array<{ model: string; initial_cash: number; opened_at: string }>) {
      const s = this.state(a.model);
      if (s.initialCash !== null) continue;
      // an account is opened before its first fill: nothing to replay, only the cash to set
      s.initialCash = a.initial_cash;
      s.openedAt = a.opened_at;
      s.book.initialCash = a.initial_cash;
      s.book.cash += a.initial_cash;
      s.peak = Math.max(s.peak, a.initial_cash);
    }
  }

  private mark(s: ModelState, equity: number): void {
    if (equity > s.peak) s.peak = equity;
    else if (s.peak > 0) s.maxDrawdown = Math.max(s.maxDrawdown, (s.peak - equity) / s.peak);
  }

  /** Apply every row written since the last sync; returns every model's state (live objects: read only). */
  sync(): ReadonlyMap<string, ModelState> {
    this.syncAccounts();
    for (const f of this.q.fills.all(this.last.fill) as FillRow[]) {
      applyFill(this.state(f.model).book, f);
      this.last.fill = f.id;
    }
    for (const m of this.q.marks.all(this.last.mark) as Array<{ id: number; model: string; equity: number }>) {
      this.mark(this.state(m.model), m.equity);
      this.last.mark = m.id;
    }
    for (const c of this.q.chat.all(this.last.chat) as Array<{ id: number; model: string; cost_usd: number }>) {
      const s = this.state(c.model);
      s.costUsd += c.cost_usd;
      s.decisions += 1;
      this.last.chat = c.id;
    }
    return this.models;
  }
}
