/**
 * The arena store in `<dataDir>/arena.sqlite` (the embedded default). WAL, synchronous=NORMAL: a commit
 * survives a crash or kill -9; no real money depends on it. A fill is sized and written in one `BEGIN
 * IMMEDIATE` transaction (the write lock first), so two processes on one data dir never spend the same
 * shadow cash twice. Reads come from the warm state (state.ts), which reads only rows it has not seen.
 * The work is synchronous (better-sqlite3); the methods answer as promises to keep one interface.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { openSqliteWith } from '../../store/sqlite.js';
import { type Book, cents, emptyBook, markToMarket } from '../book.js';
import { ArenaState, type ModelState } from '../state.js';
import {
  type Account,
  type ArenaStore,
  CHAT_COLUMNS,
  type ChatFilter,
  type ChatRecord,
  type FillRequest,
  type FillResult,
  type Mark,
  type RoundRow,
  type StoredFill,
} from './contract.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS accounts (model TEXT PRIMARY KEY, initial_cash REAL NOT NULL, opened_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS fills (
    id INTEGER PRIMARY KEY, model TEXT NOT NULL, at TEXT NOT NULL, source TEXT NOT NULL, ref TEXT NOT NULL,
    symbol TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL, price REAL NOT NULL, mid REAL NOT NULL,
    cash_after REAL NOT NULL, UNIQUE (model, source, ref, symbol));
  CREATE INDEX IF NOT EXISTS fills_model ON fills (model, id);
  CREATE TABLE IF NOT EXISTS marks (id INTEGER PRIMARY KEY, model TEXT NOT NULL, at TEXT NOT NULL, equity REAL NOT NULL);
  CREATE INDEX IF NOT EXISTS marks_model ON marks (model, id);
  CREATE TABLE IF NOT EXISTS chat (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, model TEXT NOT NULL,
    model_requested TEXT, model_served TEXT, tier TEXT, symbols TEXT NOT NULL, prompt_digest TEXT NOT NULL,
    reply TEXT, action TEXT, symbol TEXT, qty_fraction REAL, confidence REAL, reasoning TEXT, status TEXT NOT NULL,
    error_code TEXT, error_message TEXT, cost_usd REAL NOT NULL, latency_ms REAL NOT NULL, call_id TEXT,
    fill_id INTEGER, fill_note TEXT);
  CREATE INDEX IF NOT EXISTS chat_at ON chat (at);
  CREATE TABLE IF NOT EXISTS rounds (id TEXT PRIMARY KEY, at TEXT NOT NULL, symbols TEXT NOT NULL, status TEXT NOT NULL, result TEXT);
`;

export class SqliteArenaStore implements ArenaStore {
  readonly backend = 'sqlite' as const;
  readonly where: string;
  private readonly s;
  private readonly state: ArenaState;

  constructor(private readonly db: BetterSqlite3.Database) {
    db.exec(SCHEMA);
    this.where = db.name;
    this.state = new ArenaState(db);
    this.s = {
      open: db.prepare('INSERT OR IGNORE INTO accounts (model, initial_cash, opened_at) VALUES (?, ?, ?)'),
      account: db.prepare('SELECT initial_cash FROM accounts WHERE model = ?').pluck(),
      accounts: db.prepare('SELECT model, initial_cash, opened_at FROM accounts ORDER BY model'),
      fills: db.prepare('SELECT * FROM fills ORDER BY id'),
      fillIn: db.prepare(
        'INSERT OR IGNORE INTO fills (model, at, source, ref, symbol, side, qty, price, mid, cash_after) VALUES (@model, @at, @source, @ref, @symbol, @side, @qty, @price, @mid, @cash_after)',
      ),
      mark: db.prepare('INSERT INTO marks (model, at, equity) VALUES (?, ?, ?)'),
      marks: db.prepare('SELECT model, at, equity FROM marks ORDER BY id'),
      chatIn: db.prepare(`INSERT INTO chat (${CHAT_COLUMNS.join(', ')}) VALUES (${CHAT_COLUMNS.map((c) => `@${c}`).join(', ')})`),
      roundIn: db.prepare('INSERT INTO rounds (id, at, symbols, status) VALUES (?, ?, ?, ?)'),
      roundDone: db.prepare('UPDATE rounds SET status = ?, result = ? WHERE id = ?'),
      rounds: db.prepare('SELECT id, at, symbols, status FROM rounds ORDER BY at DESC LIMIT ?'),
    };
  }

  private openSync(model: string, initialCash: number, at: string): number {
    this.s.open.run(model, initialCash, at);
    return this.s.account.get(model) as number;
  }

  private bookSync(model: string, initialCash: number): Book {
    return this.state.sync().get(model)?.book ?? emptyBook(initialCash);
  }

  async openAccount(model: string, initialCash: number, at: string): Promise<number> {
    return this.openSync(model, initialCash, at);
  }

  async accounts(): Promise<Account[]> {
    return this.s.accounts.all() as Account[];
  }

  /** A copy: the warm state's own book changes with the next sync. */
  async bookOf(model: string, initialCash: number): Promise<Book> {
    return structuredClone(this.bookSync(model, initialCash));
  }

  /** Live objects of the warm state: read them, do not keep them across another store call. */
  async models(): Promise<ReadonlyMap<string, ModelState>> {
    return this.state.sync();
  }

  private fillSync(req: FillRequest): FillResult {
    const run = this.db.transaction((): FillResult => {
      const initial = this.openSync(req.model, req.initialCash, req.at);
      const book = structuredClone(this.bookSync(req.model, initial));
      const sized = req.size(book);
      if (!sized.ok) return { filled: null, reason: sized.reason, book };
      const value = cents(sized.qty * sized.price);
      const row = {
        model: req.model,
        at: req.at,
        source: req.source,
        ref: req.ref,
        symbol: req.symbol,
        side: sized.side,
        qty: sized.qty,
        price: sized.price,
        mid: req.mid,
      };
      const cash_after = cents(sized.side === 'buy' ? book.cash - value : book.cash + value);
      const info = this.s.fillIn.run({ ...row, cash_after });
      if (info.changes === 0) return { filled: null, reason: `already filled for ${req.source} ${req.ref}`, book };
      const filled: StoredFill = { ...row, id: Number(info.lastInsertRowid), cash_after };
      return { filled, book: structuredClone(this.bookSync(req.model, initial)) };
    });
    return run.immediate();
  }

  async fill(req: FillRequest): Promise<FillResult> {
    return this.fillSync(req);
  }

  /** One commit; a fill inside keeps its own savepoint. */
  async fillAll(reqs: readonly FillRequest[]): Promise<FillResult[]> {
    return this.db.transaction(() => reqs.map((r) => this.fillSync(r))).immediate();
  }

  async mark(model: string, at: string, equity: number): Promise<void> {
    this.s.mark.run(model, at, equity);
  }

  async markAll(models: readonly string[], mids: ReadonlyMap<string, number>, at: string): Promise<Map<string, number>> {
    return this.db.transaction(() => this.markEach(models, mids, at)).immediate();
  }

  private markEach(models: readonly string[], mids: ReadonlyMap<string, number>, at: string): Map<string, number> {
    const states = this.state.sync();
    const equities = new Map<string, number>();
    for (const model of new Set(models)) {
      const book = states.get(model)?.book;
      if (!book) continue;
      const { equity } = markToMarket(book, mids);
      this.s.mark.run(model, at, equity);
      equities.set(model, equity);
    }
    return equities;
  }

  async heldBy(models: readonly string[]): Promise<string[]> {
    const states = this.state.sync();
    return [...new Set(models.flatMap((m) => [...(states.get(m)?.book.holdings.keys() ?? [])]))];
  }

  async marks(): Promise<Mark[]> {
    return this.s.marks.all() as Mark[];
  }

  async fills(): Promise<StoredFill[]> {
    return this.s.fills.all() as StoredFill[];
  }

  private chatSync(c: ChatRecord): number {
    return Number(this.s.chatIn.run({ ...c, symbols: JSON.stringify(c.symbols) }).lastInsertRowid);
  }

  async recordChat(c: ChatRecord): Promise<number> {
    return this.chatSync(c);
  }

  async recordChats(cs: readonly ChatRecord[]): Promise<number[]> {
    return this.db.transaction(() => cs.map((c) => this.chatSync(c))).immediate();
  }

  async chat(f: ChatFilter): Promise<Array<ChatRecord & { id: number }>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (f.model) add('model = ?', f.model);
    if (f.round) add('ref = ?', f.round);
    if (f.since) add('at >= ?', f.since);
    if (f.symbol) add('(symbol = ? OR EXISTS (SELECT 1 FROM json_each(chat.symbols) WHERE value = ?))', f.symbol, f.symbol);
    const sql = `SELECT * FROM chat ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, f.limit) as Array<ChatRecord & { id: number; symbols: string }>;
    return rows.map((r) => ({ ...r, symbols: JSON.parse(r.symbols as unknown as string) as string[] }));
  }

  async beginRound(id: string, at: string, symbols: string[]): Promise<void> {
    this.s.roundIn.run(id, at, JSON.stringify(symbols), 'running');
  }

  async finishRound(id: string, status: 'done' | 'failed', result: unknown): Promise<void> {
    this.s.roundDone.run(status, JSON.stringify(result), id);
  }

  async recentRounds(limit: number): Promise<RoundRow[]> {
    return (this.s.rounds.all(limit) as Array<{ id: string; at: string; symbols: string; status: string }>).map((r) => ({
      ...r,
      symbols: JSON.parse(r.symbols),
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export async function openArenaStore(path: string): Promise<SqliteArenaStore> {
  const { default: Database } = await import('better-sqlite3');
  return new SqliteArenaStore(openSqliteWith(Database, path, { synchronous: 'NORMAL' }));
}
