/**
 * The arena store on the shared PostgreSQL (SPEC §14, §16): the same accounts, fills, marks, ModelChat and
 * rounds as arena.sqlite, for any number of replicas on any hosts.
 *
 * - A fill: one READ COMMITTED transaction that opens the account if it has none (INSERT … ON CONFLICT DO
 *   NOTHING), locks its row (SELECT … FOR UPDATE), replays the model's fills, sizes, and inserts under
 *   UNIQUE (model, source, ref, symbol) ON CONFLICT DO NOTHING. Every fill of a model is written under that
 *   lock, so the replay sees all of them and two replicas never spend the same shadow cash twice; the
 *   unique key makes a round's or a council's fill per model happen at most once. Several fills in one
 *   transaction lock their accounts in model order first (no deadlock between two councils).
 * - Reads that build the leaderboard (models, a marking) come from one REPEATABLE READ snapshot: the books
 *   from the fills after the last this process saw of each model (pg-books.ts: per model, fill ids are
 *   committed in order), the drawdowns and the LLM cost aggregated by the database over every mark and
 *   ModelChat row (their ids are not committed in order across replicas, so no cursor over those).
 * Every public method fails closed: any database error rejects with STORE_UNAVAILABLE (failClosedMethods).
 */
import { applyFill, type Book, type BookFill, cents, emptyBook, markToMarket, replay } from '../book.js';
import { failClosedMethods } from '../../store/postgres/fail-closed.js';
import { type PgClient, type PgPool, query, withTransaction } from '../../store/postgres/pool.js';
import type { AccountRow, ModelState } from '../state.js';
import { type Aggregates, BookCache, CHAT_AGGREGATE, MARKS_AGGREGATE, type Queryable, rows, type Seen, statesOf } from './pg-books.js';
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

const STORE = 'the arena store';

const INSERT_FILL = `INSERT INTO arena_fills (model, at, source, ref, symbol, side, qty, price, mid, cash_after)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (model, source, ref, symbol) DO NOTHING RETURNING id`;
const INSERT_CHAT = `INSERT INTO arena_chat (${CHAT_COLUMNS.join(', ')}) VALUES (${CHAT_COLUMNS.map((c, i) => (c === 'symbols' ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ')}) RETURNING id`;
const FILL_COLUMNS = 'id, model, at, source, ref, symbol, side, qty, price, mid, cash_after';

async function openIn(c: Queryable, model: string, initialCash: number, at: string): Promise<void> {
  await c.query('INSERT INTO arena_accounts (model, initial_cash, opened_at) VALUES ($1, $2, $3) ON CONFLICT (model) DO NOTHING', [model, initialCash, at]);
}

/** The model's book replayed from its fills (under its account's lock inside a fill: every fill of it). */
async function bookIn(c: Queryable, model: string, initialCash: number): Promise<Book> {
  const fills = await rows<BookFill>(c, 'SELECT symbol, side, qty, price FROM arena_fills WHERE model = $1 ORDER BY id', [model]);
  return replay(initialCash, fills);
}

/** Size and insert one fill; the caller holds the account's row lock. */
async function fillIn(c: Queryable, req: FillRequest, seen: Seen, staged: Map<string, Seen>): Promise<FillResult> {
  staged.set(req.model, seen);
  const book = structuredClone(seen.book);
  const sized = req.size(book);
  if (!sized.ok) return { filled: null, reason: sized.reason, book };
  const value = cents(sized.qty * sized.price);
  const cash_after = cents(sized.side === 'buy' ? book.cash - value : book.cash + value);
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
  const [inserted] = await rows<{ id: number }>(c, INSERT_FILL, [...Object.values(row), cash_after]);
  // a conflicting row was committed under the lock before this transaction took it: `seen` holds it already
  if (!inserted) return { filled: null, reason: `already filled for ${req.source} ${req.ref}`, book };
  const after = structuredClone(seen.book);
  applyFill(after, row);
  staged.set(req.model, { initial: seen.initial, book: after, last: inserted.id });
  return { filled: { ...row, id: inserted.id, cash_after } as StoredFill, book: structuredClone(after) };
}

/** Open and lock every account these fills touch, in model order; their initial cash by model. */
async function lockAccounts(c: Queryable, reqs: readonly FillRequest[]): Promise<Map<string, number>> {
  const first = new Map<string, FillRequest>();
  for (const r of reqs) if (!first.has(r.model)) first.set(r.model, r);
  const models = [...first.keys()].sort();
  for (const m of models) await openIn(c, m, first.get(m)!.initialCash, first.get(m)!.at);
  const locked = await rows<{ model: string; initial_cash: number }>(
    c,
    'SELECT model, initial_cash FROM arena_accounts WHERE model = ANY($1::text[]) ORDER BY model FOR UPDATE',
    [models],
  );
  return new Map(locked.map((a) => [a.model, a.initial_cash]));
}

export class PgArenaStore implements ArenaStore {
  readonly backend = 'postgres' as const;
  private readonly books = new BookCache();

  constructor(
    private readonly pool: PgPool,
    readonly where = 'postgres',
  ) {}

  async openAccount(model: string, initialCash: number, at: string): Promise<number> {
    await openIn(this.pool, model, initialCash, at);
    const [a] = await query<{ initial_cash: number }>(this.pool, 'SELECT initial_cash FROM arena_accounts WHERE model = $1', [model]);
    if (!a) throw new Error(`the arena account of ${model} is missing after its insert`);
    return a.initial_cash;
  }

  accounts(): Promise<Account[]> {
    return query<Account>(this.pool, 'SELECT model, initial_cash, opened_at FROM arena_accounts ORDER BY model');
  }

  bookOf(model: string, initialCash: number): Promise<Book> {
    return withTransaction(
      this.pool,
      async (c) => {
        const [a] = await rows<{ initial_cash: number }>(c, 'SELECT initial_cash FROM arena_accounts WHERE model = $1', [model]);
        return a ? bookIn(c, model, a.initial_cash) : emptyBook(initialCash);
      },
      { isolation: 'repeatable read' },
    );
  }

  models(): Promise<ReadonlyMap<string, ModelState>> {
    return withTransaction(this.pool, (c) => this.states(c), { isolation: 'repeatable read' });
  }

  /** Every model's state (or only these accounts', without marks and ModelChat) in the transaction's snapshot. */
  private async states(c: Queryable, only?: readonly string[]): Promise<Map<string, ModelState>> {
    const accounts = await rows<AccountRow>(
      c,
      `SELECT model, initial_cash, opened_at FROM arena_accounts${only ? ' WHERE model = ANY($1::text[])' : ''} ORDER BY model`,
      only ? [only] : [],
    );
    const books = await this.books.sync(c, accounts);
    const agg: Aggregates = only ? { marks: [], chat: [] } : { marks: await rows(c, MARKS_AGGREGATE), chat: await rows(c, CHAT_AGGREGATE) };
    return statesOf(accounts, books, agg);
  }

  fill(req: FillRequest): Promise<FillResult> {
    return this.fillAll([req]).then(([r]) => r!);
  }

  fillAll(reqs: readonly FillRequest[]): Promise<FillResult[]> {
    if (!reqs.length) return Promise.resolve([]);
    const run = withTransaction(this.pool, async (c) => {
      const initial = await lockAccounts(c, reqs);
      const staged = new Map<string, Seen>();
      const out: FillResult[] = [];
      for (const r of reqs) out.push(await fillIn(c, r, await this.books.current(c, r.model, initial.get(r.model)!, staged), staged));
      return { out, staged };
    });
    return run.then(({ out, staged }) => {
      this.books.keep(staged);
      return out;
    });
  }

  async mark(model: string, at: string, equity: number): Promise<void> {
    await query(this.pool, 'INSERT INTO arena_marks (model, at, equity) VALUES ($1, $2, $3)', [model, at, equity]);
  }

  /** Each account (of these models, those that have one) marked from one snapshot, the marks in one commit. */
  markAll(models: readonly string[], mids: ReadonlyMap<string, number>, at: string): Promise<Map<string, number>> {
    const wanted = [...new Set(models)];
    return withTransaction(
      this.pool,
      async (c) => {
        const states = await this.states(c, wanted);
        const equities = new Map<string, number>();
        for (const m of wanted) {
          const s = states.get(m);
          if (s && s.initialCash !== null) equities.set(m, markToMarket(s.book, mids).equity);
        }
        if (equities.size) {
          await c.query('INSERT INTO arena_marks (model, at, equity) SELECT m, $2, e FROM unnest($1::text[], $3::float8[]) AS u(m, e)', [
            [...equities.keys()],
            at,
            [...equities.values()],
          ]);
        }
        return equities;
      },
      { isolation: 'repeatable read' },
    );
  }

  async heldBy(models: readonly string[]): Promise<string[]> {
    const held = await query<{ symbol: string }>(
      this.pool,
      `SELECT DISTINCT symbol FROM (SELECT model, symbol FROM arena_fills WHERE model = ANY($1::text[]) GROUP BY model, symbol
         HAVING SUM(CASE WHEN side = 'buy' THEN qty ELSE -qty END) > 0) h ORDER BY symbol`,
      [[...models]],
    );
    return held.map((h) => h.symbol);
  }

  marks(): Promise<Mark[]> {
    return query<Mark>(this.pool, 'SELECT model, at, equity FROM arena_marks ORDER BY id');
  }

  fills(): Promise<StoredFill[]> {
    return query<StoredFill>(this.pool, `SELECT ${FILL_COLUMNS} FROM arena_fills ORDER BY id`);
  }

  async recordChat(c: ChatRecord): Promise<number> {
    const [r] = await query<{ id: number }>(this.pool, INSERT_CHAT, chatParams(c));
    return r!.id;
  }

  recordChats(cs: readonly ChatRecord[]): Promise<number[]> {
    if (!cs.length) return Promise.resolve([]);
    return withTransaction(this.pool, async (c) => {
      const ids: number[] = [];
      for (const row of cs) ids.push((await rows<{ id: number }>(c, INSERT_CHAT, chatParams(row)))[0]!.id);
      return ids;
    });
  }

  chat(f: ChatFilter): Promise<Array<ChatRecord & { id: number }>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      args.push(value);
      where.push(clause(`$${args.length}`));
    };
    if (f.model) add((n) => `model = ${n}`, f.model);
    if (f.round) add((n) => `ref = ${n}`, f.round);
    if (f.since) add((n) => `at >= ${n}`, f.since);
    if (f.symbol) add((n) => `(symbol = ${n} OR symbols @> jsonb_build_array(${n}::text))`, f.symbol);
    args.push(f.limit);
    const sql = `SELECT id, ${CHAT_COLUMNS.join(', ')} FROM arena_chat ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return query<ChatRecord & { id: number }>(this.pool, sql, args);
  }

  async beginRound(id: string, at: string, symbols: string[]): Promise<void> {
    await query(this.pool, `INSERT INTO arena_rounds (id, at, symbols, status) VALUES ($1, $2, $3::jsonb, 'running')`, [id, at, JSON.stringify(symbols)]);
  }

  async finishRound(id: string, status: 'done' | 'failed', result: unknown): Promise<void> {
    await query(this.pool, 'UPDATE arena_rounds SET status = $2, result = $3 WHERE id = $1', [id, status, JSON.stringify(result)]);
  }

  recentRounds(limit: number): Promise<RoundRow[]> {
    return query<RoundRow>(this.pool, 'SELECT id, at, symbols, status FROM arena_rounds ORDER BY at DESC, seq DESC LIMIT $1', [limit]);
  }

  /** The pool belongs to the process's database service, which ends it. */
  async close(): Promise<void> {}
}

const chatParams = (c: ChatRecord): unknown[] => CHAT_COLUMNS.map((k) => (k === 'symbols' ? JSON.stringify(c.symbols) : c[k]));

const PUBLIC = [
  'openAccount',
  'accounts',
  'bookOf',
  'models',
  'fill',
  'fillAll',
  'mark',
  'markAll',
  'heldBy',
  'marks',
  'fills',
  'recordChat',
  'recordChats',
  'chat',
  'beginRound',
  'finishRound',
  'recentRounds',
] as const satisfies ReadonlyArray<keyof ArenaStore>;

/** The PostgreSQL arena store, every public method failing closed (STORE_UNAVAILABLE). */
export function pgArenaStore(pool: PgPool, where?: string): ArenaStore {
  return failClosedMethods(new PgArenaStore(pool, where), STORE, PUBLIC);
}
