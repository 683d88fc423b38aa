/**
 * The arena's accounts as the leaderboard and every round read them: each model's book, its equity curve's
 * running peak and worst drawdown, and its LLM cost, built by applying the store's rows in id order
 * (accounts, then fills, marks and ModelChat rows), so a book here equals the replay of the model's fills.
 *
 * `ModelStates` applies rows; `ArenaState` keeps one warm on SQLite, reading only the rows after the last
 * seen (this process's and any other's on the data dir). PostgreSQL builds its states from one snapshot
 * instead (store/pg-books.ts), since ids there are not committed in order across replicas.
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

export interface AccountRow {
  model: string;
  initial_cash: number;
  opened_at: string;
}
export type FillRow = BookFill & { id: number; model: string };
export interface MarkRow {
  id: number;
  model: string;
  equity: number;
}
export interface ChatCostRow {
  id: number;
  model: string;
  cost_usd: number;
}

export interface StateRows {
  accounts: readonly AccountRow[];
  fills: readonly FillRow[];
  marks: readonly MarkRow[];
  chat: readonly ChatCostRow[];
}

export class ModelStates {
  readonly models = new Map<string, ModelState>();

  private state(model: string): ModelState {
    let s = this.models.get(model);
    if (!s) {
      s = { model, initialCash: null, openedAt: null, book: emptyBook(0), peak: Number.NEGATIVE_INFINITY, maxDrawdown: 0, costUsd: 0, decisions: 0 };
      this.models.set(model, s);
    }
    return s;
  }

  account(a: AccountRow): void {
    const s = this.state(a.model);
    if (s.initialCash !== null) return;
    // an account is opened before its first fill: nothing to replay, only the cash to set
    s.initialCash = a.initial_cash;
    s.openedAt = a.opened_at;
    s.book.initialCash = a.initial_cash;
    s.book.cash += a.initial_cash;
    s.peak = Math.max(s.peak, a.initial_cash);
  }

  fill(f: FillRow): void {
    applyFill(this.state(f.model).book, f);
  }

  mark(m: MarkRow): void {
    const s = this.state(m.model);
    if (m.equity > s.peak) s.peak = m.equity;
    else if (s.peak > 0) s.maxDrawdown = Math.max(s.maxDrawdown, (s.peak - m.equity) / s.peak);
  }

  chat(c: ChatCostRow): void {
    const s = this.state(c.model);
    s.costUsd += c.cost_usd;
    s.decisions += 1;
  }

  apply(rows: StateRows): void {
    for (const a of rows.accounts) this.account(a);
    for (const f of rows.fills) this.fill(f);
    for (const m of rows.marks) this.mark(m);
    for (const c of rows.chat) this.chat(c);
  }
}

/** The warm state over one SQLite file. */
export class ArenaState {
  private readonly states = new ModelStates();
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

  /** Apply every row written since the last sync; returns every model's state (live objects: read only). */
  sync(): ReadonlyMap<string, ModelState> {
    const rows: StateRows = {
      accounts: this.q.accounts.all() as AccountRow[],
      fills: this.q.fills.all(this.last.fill) as FillRow[],
      marks: this.q.marks.all(this.last.mark) as MarkRow[],
      chat: this.q.chat.all(this.last.chat) as ChatCostRow[],
    };
    this.states.apply(rows);
    this.last.fill = rows.fills.at(-1)?.id ?? this.last.fill;
    this.last.mark = rows.marks.at(-1)?.id ?? this.last.mark;
    this.last.chat = rows.chat.at(-1)?.id ?? this.last.chat;
    return this.states.models;
  }
}
