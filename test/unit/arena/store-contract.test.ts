/**
 * The arena store's contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL:
 * accounts opened once, fills sized against the account as it stands and at most once per (model, source,
 * ref, symbol), marks, ModelChat and its filters, the round journal, and the models' states every handle
 * reads alike. Two store instances (two pools on PostgreSQL, two arena.sqlite handles on SQLite) racing fills
 * on one account never spend more than its cash. On PostgreSQL a lost or broken database rejects with
 * STORE_UNAVAILABLE, never a pass.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { replay } from '../../../src/arena/book.js';
import { ARENA_DB_FILE, type ArenaStore, type ChatRecord, type FillRequest } from '../../../src/arena/store/contract.js';
import { pgArenaStore } from '../../../src/arena/store/postgres.js';
import { openArenaStore } from '../../../src/arena/store/sqlite.js';
import { ToolError } from '../../../src/errors.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { contract, type StorePlace } from '../../support/backends.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ToolError ? e.code : `raw ${String(e)}`),
  );

const AT = '2026-12-02T10:00:00.000Z';

/** A fill of `qty` shares at `price`, whatever the book (buy) or capped by what is held (sell). */
const fixed = (model: string, ref: string, side: 'buy' | 'sell', qty: number, price: number, symbol = 'SPY'): FillRequest => ({
  model,
  initialCash: 1000,
  at: AT,
  source: 'round',
  ref,
  symbol,
  mid: price,
  size: (book) =>
    side === 'buy'
      ? book.cash >= qty * price
        ? { ok: true, side, qty, price }
        : { ok: false, reason: 'no cash' }
      : (book.holdings.get(symbol)?.qty ?? 0) >= qty
        ? { ok: true, side, qty, price }
        : { ok: false, reason: 'not held' },
});

const chatRow = (model: string, ref: string, over: Partial<ChatRecord> = {}): ChatRecord => ({
  at: AT,
  kind: 'round',
  ref,
  model,
  model_requested: model,
  model_served: model,
  tier: 'analysis',
  symbols: ['SPY', 'QQQ'],
  prompt_digest: 'd'.repeat(16),
  reply: '{"action":"BUY"}',
  action: 'BUY',
  symbol: 'SPY',
  qty_fraction: 0.25,
  confidence: 0.7,
  reasoning: 'trend',
  status: 'valid',
  error_code: null,
  error_message: null,
  cost_usd: 0.000125,
  latency_ms: 12.5,
  call_id: 'call-1',
  fill_id: null,
  fill_note: null,
  ...over,
});

contract('the arena store', (backend) => {
  let place: StorePlace;
  const pools: Postgres[] = [];
  const stores: ArenaStore[] = [];
  /** A store on its own connection(s): a fresh pool on PostgreSQL, a fresh handle on arena.sqlite. */
  const open = async (): Promise<ArenaStore> => {
    let store: ArenaStore;
    if (place.databaseUrl) {
      const pg = await openPostgres(place.databaseUrl, { max: 4 });
      pools.push(pg);
      store = pgArenaStore(pg.pool, pg.where);
    } else {
      store = await openArenaStore(join(place.dataDir, ARENA_DB_FILE));
    }
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of pools.splice(0)) await p.pool.end();
    await place.cleanup();
  });

  it('an account opens once with its first initial cash; a fill sizes against the book as it stands, once per ref', async () => {
    const store = await open();
    expect(await store.openAccount('a', 1000, AT)).toBe(1000);
    expect(await store.openAccount('a', 5000, AT)).toBe(1000);
    const first = await store.fill(fixed('a', 'r1', 'buy', 3, 100));
    expect(first.filled).toMatchObject({ model: 'a', source: 'round', ref: 'r1', symbol: 'SPY', side: 'buy', qty: 3, price: 100, mid: 100, cash_after: 700 });
    expect(first.book).toMatchObject({ cash: 700, fills: 1 });
    expect(first.book.holdings.get('SPY')).toEqual({ qty: 3, cost: 300 });
    const again = await store.fill(fixed('a', 'r1', 'buy', 1, 100));
    expect(again).toMatchObject({ filled: null, reason: 'already filled for round r1' });
    expect(await store.fill(fixed('a', 'r2', 'buy', 8, 100))).toMatchObject({ filled: null, reason: 'no cash' });
    const sell = await store.fill(fixed('a', 'r3', 'sell', 2, 110));
    expect(sell.filled).toMatchObject({ side: 'sell', cash_after: 920 });
    expect(sell.book).toMatchObject({ cash: 920, closed: 1, wins: 1, realized: 20 });
    // a fill opens the account it needs; a council's ref is another key than a round's
    const council = await store.fill({ ...fixed('b', 'r1', 'buy', 1, 50), source: 'council', initialCash: 2000 });
    expect(council.filled).toMatchObject({ model: 'b', source: 'council', cash_after: 1950 });
    const fills = await store.fills();
    expect(fills.map((f) => [f.model, f.ref, f.side, f.qty, f.cash_after])).toEqual([
      ['a', 'r1', 'buy', 3, 700],
      ['a', 'r3', 'sell', 2, 920],
      ['b', 'r1', 'buy', 1, 1950],
    ]);
    expect(fills.every((f, i) => i === 0 || f.id > fills[i - 1]!.id)).toBe(true);
    expect(await store.accounts()).toEqual([
      { model: 'a', initial_cash: 1000, opened_at: AT },
      { model: 'b', initial_cash: 2000, opened_at: AT },
    ]);
    const book = await store.bookOf('a', 1000);
    expect(book).toEqual(
      replay(
        1000,
        fills.filter((f) => f.model === 'a'),
      ),
    );
    expect(await store.bookOf('nobody', 42)).toMatchObject({ initialCash: 42, cash: 42, fills: 0 });
    expect(await store.heldBy(['a', 'b', 'nobody'])).toEqual(expect.arrayContaining(['SPY']));
    await store.fill(fixed('a', 'r4', 'sell', 1, 90));
    expect(await store.heldBy(['a'])).toEqual([]);
  });

  it('fillAll: several accounts in one commit, each sized in its own account, results in order', async () => {
    const store = await open();
    const results = await store.fillAll([
      fixed('z', 'c1', 'buy', 2, 100),
      fixed('a', 'c1', 'buy', 20, 100),
      fixed('m', 'c1', 'buy', 1, 100),
      fixed('z', 'c1', 'buy', 1, 100),
    ]);
    expect(results.map((r) => (r.filled ? r.filled.model : r.reason))).toEqual(['z', 'no cash', 'm', 'already filled for round c1']);
    expect((await store.fills()).map((f) => f.model)).toEqual(['z', 'm']);
    expect(await store.fillAll([])).toEqual([]);
  });

  it('marks, ModelChat and the models every handle reads alike: book, drawdown, cost, decisions', async () => {
    const store = await open();
    const other = await open();
    await store.fill(fixed('a', 'r1', 'buy', 5, 100));
    await other.fill(fixed('b', 'r1', 'buy', 1, 100));
    const equities = await store.markAll(['a', 'b', 'a', 'ghost'], new Map([['SPY', 90]]), AT);
    expect(Object.fromEntries(equities)).toEqual({ a: 950, b: 990 });
    await other.mark('a', AT, 1100);
    await other.mark('a', AT, 990);
    expect(await store.marks()).toEqual([
      { model: 'a', at: AT, equity: 950 },
      { model: 'b', at: AT, equity: 990 },
      { model: 'a', at: AT, equity: 1100 },
      { model: 'a', at: AT, equity: 990 },
    ]);
    await store.recordChat(chatRow('a', 'r1', { cost_usd: 0.5 }));
    await other.recordChats([chatRow('a', 'r2', { cost_usd: 0.25 }), chatRow('c', 'r2', { cost_usd: 1 })]);
    const [mine, theirs] = [await store.models(), await other.models()];
    const a = mine.get('a')!;
    expect(a).toMatchObject({ initialCash: 1000, openedAt: AT, costUsd: 0.75, decisions: 2, peak: 1100 });
    expect(a.maxDrawdown).toBeCloseTo(0.1, 9);
    expect(a.book).toMatchObject({ cash: 500, fills: 1 });
    expect(mine.get('c')).toMatchObject({ initialCash: null, costUsd: 1, decisions: 1 });
    expect([...mine.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(new Map([...theirs].sort())).toEqual(new Map([...mine].sort()));
  });

  it('ModelChat reads back newest first, filtered by model, symbol (its own or the round’s), round and since', async () => {
    const store = await open();
    const ids = await store.recordChats([
      chatRow('a', 'r1'),
      chatRow('b', 'r1', { symbol: null, action: null, symbols: ['QQQ'], status: 'failed', error_code: 'TIMEOUT', error_message: 'late' }),
      chatRow('a', 'c9', { kind: 'council', at: '2026-12-02T11:00:00.000Z', symbols: ['AAPL'], symbol: 'AAPL', fill_id: 7, fill_note: 'n' }),
    ]);
    expect(ids).toHaveLength(3);
    const all = await store.chat({ limit: 10 });
    expect(all.map((c) => c.id)).toEqual([...ids].reverse());
    expect(all[2]).toEqual({ ...chatRow('a', 'r1'), id: ids[0] });
    expect(all[0]).toMatchObject({ kind: 'council', symbols: ['AAPL'], fill_id: 7, fill_note: 'n' });
    expect(all[1]).toMatchObject({ model: 'b', symbol: null, status: 'failed', error_code: 'TIMEOUT' });
    const refs = async (f: Parameters<ArenaStore['chat']>[0]) => (await store.chat(f)).map((c) => `${c.model}/${c.ref}`);
    expect(await refs({ model: 'a', limit: 10 })).toEqual(['a/c9', 'a/r1']);
    expect(await refs({ symbol: 'QQQ', limit: 10 })).toEqual(['b/r1', 'a/r1']);
    expect(await refs({ symbol: 'AAPL', limit: 10 })).toEqual(['a/c9']);
    expect(await refs({ round: 'r1', limit: 1 })).toEqual(['b/r1']);
    expect(await refs({ since: '2026-12-02T10:30:00.000Z', limit: 10 })).toEqual(['a/c9']);
    expect(await refs({ model: 'a', symbol: 'SPY', round: 'r1', since: AT, limit: 10 })).toEqual(['a/r1']);
    expect(await store.recordChats([])).toEqual([]);
  });

  it('the round journal: begun running, finished done or failed, newest first; a round id is journalled once', async () => {
    const store = await open();
    await store.beginRound('r1', '2026-12-02T10:00:00.000Z', ['SPY']);
    await store.beginRound('r2', '2026-12-02T10:05:00.000Z', ['SPY', 'QQQ']);
    await store.finishRound('r1', 'done', { cost_usd: 0.1 });
    await store.finishRound('r2', 'failed', { error: 'x' });
    expect(await store.recentRounds(5)).toEqual([
      { id: 'r2', at: '2026-12-02T10:05:00.000Z', symbols: ['SPY', 'QQQ'], status: 'failed' },
      { id: 'r1', at: '2026-12-02T10:00:00.000Z', symbols: ['SPY'], status: 'done' },
    ]);
    expect(await store.recentRounds(1)).toHaveLength(1);
    await expect(store.beginRound('r1', AT, ['SPY'])).rejects.toThrow();
  });

  it('two stores racing fills on one account (distinct refs) buy exactly what its cash covers — never a cent below zero', async () => {
    const stores = [await open(), await open()];
    await stores[0]!.openAccount('m', 1000, AT);
    // 2 stores × 4 racers × 8 tries of one share at $100 on $1000: 10 fill, whoever gets there first
    const racer = async (store: ArenaStore, name: string) => {
      let filled = 0;
      for (let i = 0; i < 8; i++) {
        const r = await store.fill({
          ...fixed('m', `${name}-${i}`, 'buy', 1, 100),
          size: (book) => (book.cash >= 100 ? { ok: true, side: 'buy', qty: 1, price: 100 } : { ok: false, reason: 'no cash' }),
        });
        if (r.filled) filled++;
      }
      return filled;
    };
    const counts = await Promise.all(stores.flatMap((s, si) => [0, 1, 2, 3].map((k) => racer(s, `s${si}r${k}`))));
    const fills = await stores[1]!.fills();
    expect({ filled: counts.reduce((a, b) => a + b, 0), rows: fills.length }).toEqual({ filled: 10, rows: 10 });
    expect(fills.map((f) => f.cash_after)).toEqual(Array.from({ length: 10 }, (_, i) => 900 - i * 100));
    expect(await stores[0]!.bookOf('m', 1000)).toMatchObject({ cash: 0, fills: 10 });
    // each store's books, warm from its own fills, take in the other's (PostgreSQL reads only the fills after the last it saw)
    for (const s of stores) expect((await s.models()).get('m')!.book).toEqual(replay(1000, fills));
    await stores[0]!.fill(fixed('m', 'sell-1', 'sell', 3, 110));
    expect((await stores[1]!.models()).get('m')!.book).toMatchObject({ cash: 330, fills: 11, closed: 1, wins: 1 });
    expect((await stores[1]!.fill(fixed('m', 'sell-2', 'sell', 8, 110))).filled).toBeNull();
    expect((await stores[1]!.fill(fixed('m', 'sell-2', 'sell', 7, 110))).filled).toMatchObject({ cash_after: 1100 });
  });

  it('two stores racing the same refs: each ref fills once', async () => {
    const stores = [await open(), await open()];
    const tries = (store: ArenaStore) =>
      Promise.all(Array.from({ length: 12 }, (_, i) => store.fill({ ...fixed('m', `shared-${i}`, 'buy', 1, 10), initialCash: 100_000 })));
    const [x, y] = await Promise.all(stores.map(tries));
    const won = [...x!, ...y!].filter((r) => r.filled).length;
    expect(won).toBe(12);
    const refs = (await stores[0]!.fills()).map((f) => f.ref);
    expect(new Set(refs).size).toBe(12);
    expect(refs).toHaveLength(12);
  });

  if (backend.name === 'postgres') {
    it('fails closed: a database that cannot be reached, or refuses a statement, rejects with STORE_UNAVAILABLE', async () => {
      const gone = createPool('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
      const lost = pgArenaStore(gone);
      expect(await codeOf(lost.fill(fixed('a', 'r1', 'buy', 1, 100)))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(lost.models())).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(lost.recordChat(chatRow('a', 'r1')))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(lost.openAccount('a', 1, AT))).toBe('STORE_UNAVAILABLE');
      await gone.end();
      const store = await open();
      await store.openAccount('a', 1000, AT);
      await pools[0]!.pool.query('DROP TABLE arena_fills');
      expect(await codeOf(store.fill(fixed('a', 'r1', 'buy', 1, 100)))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(store.fills())).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(store.heldBy(['a']))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(store.markAll(['a'], new Map(), AT))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(store.models())).toBe('STORE_UNAVAILABLE');
    });
  }
});
