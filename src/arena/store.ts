/**
 * The arena's durable state, in `<dataDir>/arena.sqlite` (SPEC §14): one shadow account per model (its
 * initial cash fixed when it is opened), its fills, its equity marks (the curve), every decision a model
 * gave us (ModelChat), and the rounds. WAL, synchronous=NORMAL: a commit survives a crash or kill -9; no
 * real money depends on it.
 *
 * A fill is sized and written in one `BEGIN IMMEDIATE` transaction against the account as it stands, so
 * two processes on one data dir never spend the same shadow cash twice; UNIQUE(model, source, ref, symbol)
 * makes a round's or a council's fill for a model happen at most once.
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Deps } from '../deps.js';
import { openSqliteWith } from '../store/sqlite.js';
import { type Book, type BookFill, cents, emptyBook, markToMarket, type Sized } from './book.js';
import { ArenaState, type ModelState } from './state.js';

export type FillSource = 'round' | 'council';

export interface StoredFill extends BookFill {
  id: number;
  model: string;
  at: string;
  source: FillSource;
  ref: string;
  mid: number;
  cash_after: number;
}

export interface ChatRecord {
  at: string;
  kind: FillSource;
  ref: string;
  /** The account it belongs to: the model that served the reply (else the one asked for). */
  model: string;
  model_requested: string | null;
  model_served: string | null;
  tier: string | null;
  symbols: string[];
  prompt_digest: string;
  reply: string | null;
  action: string | null;
  symbol: string | null;
  qty_fraction: number | null;
  confidence: number | null;
  reasoning: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  cost_usd: number;
  latency_ms: number;
  call_id: string | null;
  fill_id: number | null;
  fill_note: string | null;
}

export interface ChatFilter {
  model?: string | undefined;
  symbol?: string | undefined;
  round?: string | undefined;
  since?: string | undefined;
  limit: number;
}

export interface Mark {
  model: string;
  at: string;
  equity: number;
}

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

const CHAT_COLUMNS = [
  'at',
  'kind',
  'ref',
  'model',
  'model_requested',
  'model_served',
  'tier',
  'symbols',
  'prompt_digest',
  'reply',
  'action',
  'symbol',
  'qty_fraction',
  'confidence',
  'reasoning',
  'status',
  'error_code',
  'error_message',
  'cost_usd',
  'latency_ms',
  'call_id',
  'fill_id',
  'fill_note',
] as const;

export interface FillRequest {
  model: string;
  initialCash: number;
  at: string;
  source: FillSource;
  ref: string;
  symbol: string;
  mid: number;
  /** Sizes the fill against the account as it stands inside the transaction. */
  size(book: Book): Sized;
}

export type FillResult = { filled: StoredFill; book: Book } | { filled: null; reason: string; book: Book };

export class ArenaStore {
  private readonly s;
  private readonly state: ArenaState;

  constructor(private readonly db: BetterSqlite3.Database) {
    db.exec(SCHEMA);
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

  /** Open the model's account if it has none; its initial cash is the one it was opened with. */
  openAccount(model: string, initialCash: number, at: string): number {
    this.s.open.run(model, initialCash, at);
    return this.s.account.get(model) as number;
  }

  accounts(): Array<{ model: string; initial_cash: number; opened_at: string }> {
    return this.s.accounts.all() as Array<{ model: string; initial_cash: number; opened_at: string }>;
  }

  /**
   * The model's book now (every process's fills applied; see state.ts). A live object: read it, do not keep it
   * across another store call. Open the account first (openAccount).
   */
  bookOf(model: string, initialCash: number): Book {
    return this.state.sync().get(model)?.book ?? emptyBook(initialCash);
  }

  /** Every model with an account or a decision on record, up to date (live objects: read only). */
  models(): ReadonlyMap<string, ModelState> {
    return this.state.sync();
  }

  /** Size and write one fill atomically (see the module note). Nothing is written when it does not size. */
  fill(req: FillRequest): FillResult {
    const run = this.db.transaction((): FillResult => {
      const initial = this.openAccount(req.model, req.initialCash, req.at);
      const book = this.bookOf(req.model, initial);
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
      return { filled, book: this.bookOf(req.model, initial) };
    });
    return run.immediate();
  }

  /** Several writes in one transaction, one commit (a council's fills and its votes' chat rows); a fill inside keeps its own savepoint. */
  batch<T>(write: () => T): T {
    return this.db.transaction(write).immediate();
  }

  mark(model: string, at: string, equity: number): void {
    this.s.mark.run(model, at, equity);
  }

  /** A point on each of these models' equity curves: its account marked at these mids (cost where unquoted). */
  markAll(models: readonly string[], mids: ReadonlyMap<string, number>, at: string): Map<string, number> {
    return this.batch(() => this.markEach(models, mids, at));
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

  /** The symbols these models' accounts hold now. */
  heldBy(models: readonly string[]): string[] {
    const states = this.state.sync();
    return [...new Set(models.flatMap((m) => [...(states.get(m)?.book.holdings.keys() ?? [])]))];
  }

  marks(): Mark[] {
    return this.s.marks.all() as Mark[];
  }

  fills(): StoredFill[] {
    return this.s.fills.all() as StoredFill[];
  }

  recordChat(c: ChatRecord): number {
    return Number(this.s.chatIn.run({ ...c, symbols: JSON.stringify(c.symbols) }).lastInsertRowid);
  }

  chat(f: ChatFilter): Array<ChatRecord & { id: number }> {
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

  beginRound(id: string, at: string, symbols: string[]): void {
    this.s.roundIn.run(id, at, JSON.stringify(symbols), 'running');
  }

  finishRound(id: string, status: 'done' | 'failed', result: unknown): void {
    this.s.roundDone.run(status, JSON.stringify(result), id);
  }

  recentRounds(limit: number): Array<{ id: string; at: string; symbols: string[]; status: string }> {
    return (this.s.rounds.all(limit) as Array<{ id: string; at: string; symbols: string; status: string }>).map((r) => ({
      ...r,
      symbols: JSON.parse(r.symbols),
    }));
  }

  close(): void {
    this.db.close();
  }
}

export async function openArenaStore(path: string): Promise<ArenaStore> {
  const { default: Database } = await import('better-sqlite3');
  return new ArenaStore(openSqliteWith(Database, path, { synchronous: 'NORMAL' }));
}

export const getArenaStore = (deps: Deps): Promise<ArenaStore> =>
  deps.service('arena-store', async (d) => {
    const store = await openArenaStore(join(d.dataDir, 'arena.sqlite'));
    d.onClose(() => store.close());
    return store;
  });
