/**
 * Trade memory's store contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL.
 * Every `open()` is another replica: a fresh handle on memory.sqlite, or a fresh pool on the database.
 * - two replicas ingesting overlapping, shuffled pages at once store each fill once (the counts they
 *   return add up to the fills), and the trips match to the cent what the fills say;
 * - a reader polling `changes` while two replicas write sees every row exactly once (commit order);
 * - the broker cursor never moves backwards when replicas read overlapping pages from one start;
 * - a losing trip is claimed by exactly one of eight racers; metadata and regimes read incrementally;
 * - on PostgreSQL a database that cannot be reached, or refuses a statement, rejects every method with
 *   STORE_UNAVAILABLE, never a raw driver error or a pass.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { Fill } from '../../../src/memory/fills.js';
import { LiveMemory } from '../../../src/memory/live.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import type { ChangesFrom, MemoryStore } from '../../../src/memory/store/contract.js';
import { openPgMemoryStore } from '../../../src/memory/store/postgres.js';
import { SqliteMemory } from '../../../src/memory/store/sqlite.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { contract, type StorePlace } from '../../support/backends.js';
import { at } from './fixtures.js';

const ACCOUNT = 'sim:sim';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'];

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ToolError ? e.code : `raw ${String(e)}`),
  );

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], r: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** `n` round trips (buy then sell, one symbol each in turn, a cent fee a fill) and each one's P&L in cents. */
function trips(n: number, r: () => number): { fills: Fill[]; pnlCents: number[] } {
  const fills: Fill[] = [];
  const pnlCents: number[] = [];
  for (let k = 0; k < n; k++) {
    const symbol = SYMBOLS[k % SYMBOLS.length]!;
    const qty = 1 + Math.floor(r() * 9);
    const open = 1_000 + Math.floor(r() * 50_000);
    const close = open + Math.floor(r() * 2_001) - 1_000;
    for (const [i, side, cents] of [
      [0, 'buy', open],
      [1, 'sell', close],
    ] as const) {
      const id = `f${String(2 * k + i).padStart(4, '0')}`;
      fills.push({
        id,
        order_id: `o${id}`,
        client_order_id: `c${id}`,
        symbol,
        side,
        qty,
        price: cents / 100,
        fee: 0.01,
        at: at(2 * k + i),
        parent_order_id: null,
      });
    }
    pnlCents.push(qty * (close - open) - 2);
  }
  return { fills, pnlCents };
}

/** Overlapping pages of `fills` (each page shuffled), in a shuffled order, some pages twice. */
function pages(fills: readonly Fill[], r: () => number): Fill[][] {
  const out: Fill[][] = [];
  for (let start = 0; start < fills.length; ) {
    const len = 3 + Math.floor(r() * 8);
    out.push(shuffle(fills.slice(start, start + len + Math.floor(r() * 5)), r));
    start += len;
  }
  return shuffle([...out, ...out.filter(() => r() < 0.3)], r);
}

const ALL: ChangesFrom = { fillRow: 0, feeRow: 0, metaSeq: 0, handed: true };

contract('the trade memory store', (backend) => {
  let place: StorePlace;
  const pools: Postgres[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  /** Another replica on the same memory. */
  const open = async (): Promise<MemoryStore> => {
    if (place.databaseUrl) {
      const pg = await openPostgres(place.databaseUrl, { max: 3 });
      pools.push(pg);
      return openPgMemoryStore(pg.pool, pg.where);
    }
    const db = await SqliteMemory.open(place.dataDir);
    closers.push(() => db.close());
    return db.asStore();
  };
  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const p of pools.splice(0)) await p.pool.end();
    await place.cleanup();
  });

  it('two replicas ingesting overlapping shuffled pages at once store each fill once; the trips are exact to the cent', async () => {
    const r = rng(18);
    const { fills, pnlCents } = trips(60, r);
    const [a, b] = [await open(), await open()];
    const lives = [new LiveMemory(), new LiveMemory()];
    const ingest = async (store: MemoryStore, live: LiveMemory, list: Fill[][]) => {
      let added = 0;
      for (const page of list) {
        added += await store.addFills(ACCOUNT, page, null, new Date());
        await live.refresh(store, ACCOUNT); // incremental reads while the other replica writes
      }
      return added;
    };
    const added = await Promise.all([ingest(a, lives[0]!, pages(fills, r)), ingest(b, lives[1]!, pages(fills, r))]);
    expect(added[0]! + added[1]!).toBe(fills.length);
    const stored = await b.fills(ACCOUNT);
    expect(stored.map((f) => f.id).sort()).toEqual(fills.map((f) => f.id));
    const expected = matchRoundTrips(fills);
    expect(matchRoundTrips(stored)).toEqual(expected);
    const byOpen = new Map(expected.trips.map((t) => [t.opening_order_id, t]));
    pnlCents.forEach((cents, k) => {
      const t = byOpen.get(`of${String(2 * k).padStart(4, '0')}`)!;
      expect(t.realized_pnl).toBe(cents / 100);
    });
    for (const [i, live] of lives.entries()) {
      const view = await live.refresh([a, b][i]!, ACCOUNT);
      expect(view.stored).toBe(fills.length);
      expect(view.match).toEqual(expected);
    }
  });

  it('reads a fill back as stored, a side that is neither buy nor sell included, so matching refuses it (never read as a buy)', async () => {
    const store = await open();
    const good: Fill[] = [
      { id: 'f1', order_id: 'o1', client_order_id: 'c1', symbol: 'AAPL', side: 'buy', qty: 2, price: 100, fee: 0.01, at: at(0) },
      { id: 'f2', order_id: 'o2', client_order_id: 'c2', symbol: 'AAPL', side: 'sell', qty: 2, price: 101, fee: null, at: at(60) },
    ];
    const odd = { ...good[0]!, id: 'f3', order_id: 'o3', side: 'BUY' as Fill['side'], at: at(120) };
    await store.addFills(ACCOUNT, [...good, odd], null, new Date());
    const stored = await store.fills(ACCOUNT);
    expect(stored.map((f) => f.side)).toEqual(['buy', 'sell', 'BUY']);
    expect((await store.changes(ACCOUNT, ALL)).fills.fills.map((f) => f.side)).toEqual(['buy', 'sell', 'BUY']);
    expect(matchRoundTrips(stored.slice(0, 2)).trips[0]!.realized_pnl).toBe(1.99);
    await expect(codeOf(new LiveMemory().refresh(store, ACCOUNT))).resolves.toBe('INVALID_INPUT');
  });

  it('a reader polling changes while two replicas write sees every row once, in commit order', async () => {
    const [a, b, reader] = [await open(), await open(), await open()];
    const seen: string[] = [];
    const from: ChangesFrom = { fillRow: 0, feeRow: 0, metaSeq: 0, handed: false };
    const poll = async () => {
      const c = await reader.changes(ACCOUNT, from);
      for (const f of c.fills.fills) seen.push(f.id);
      expect(c.fills.lastRow).toBeGreaterThanOrEqual(from.fillRow);
      from.fillRow = c.fills.lastRow;
    };
    let writing = true;
    const write = async (store: MemoryStore, who: string) => {
      for (let i = 0; i < 25; i++) {
        const batch = [0, 1, 2].map((j) => ({ ...trips(1, rng(i * 3 + j)).fills[0]!, id: `${who}${i}-${j}`, at: at(i) }));
        await store.addFills(ACCOUNT, [...batch, { ...batch[0]!, id: `shared${i}` }], null, new Date());
      }
    };
    const readLoop = async () => {
      while (writing) await poll();
    };
    const reading = readLoop();
    await Promise.all([write(a, 'a'), write(b, 'b')]);
    writing = false;
    await reading;
    await poll();
    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen.sort()).toEqual((await reader.fills(ACCOUNT)).map((f) => f.id).sort());
    expect(seen).toHaveLength(2 * 25 * 3 + 25);
  });

  it('the cursor moves only from where its read started: overlapping reads never move it backwards', async () => {
    const [a, b] = [await open(), await open()];
    const page = (n: number) => `p${String(n).padStart(4, '0')}`;
    // both read from the start; b's longer read commits first; a's shorter one must not pull it back
    expect(await a.cursor(ACCOUNT)).toBeNull();
    await b.addFills(ACCOUNT, [], { from: null, to: page(6) }, new Date());
    await a.addFills(ACCOUNT, [], { from: null, to: page(4) }, new Date());
    expect(await a.cursor(ACCOUNT)).toBe(page(6));
    await a.addFills(ACCOUNT, [], { from: page(6), to: page(7) }, new Date());
    await b.addFills(ACCOUNT, [], { from: page(6), to: page(9) }, new Date()); // stale start: no move
    expect(await b.cursor(ACCOUNT)).toBe(page(7));
    await a.addFills(ACCOUNT, [], { from: page(7), to: null }, new Date()); // no cursor from the broker: left
    expect(await a.cursor(ACCOUNT)).toBe(page(7));
    // fees keep their own cursor, with the same rule
    await b.addFees(ACCOUNT, [], { from: null, to: page(3) }, new Date());
    await a.addFees(ACCOUNT, [], { from: null, to: page(2) }, new Date());
    expect(await a.feeCursor(ACCOUNT)).toBe(page(3));
    // racing replicas, each reading from what it last saw and moving 1-3 pages on: never backwards
    const r = rng(7);
    const observed: string[] = [];
    const race = async (store: MemoryStore) => {
      for (let i = 0; i < 20; i++) {
        const start = await store.cursor(ACCOUNT);
        const to = page(Number(start!.slice(1)) + 1 + Math.floor(r() * 3));
        await new Promise((res) => setTimeout(res, Math.floor(r() * 3)));
        await store.addFills(ACCOUNT, [], { from: start, to }, new Date());
        observed.push((await store.cursor(ACCOUNT))!);
      }
    };
    await Promise.all([race(a), race(b)]);
    const last = await a.cursor(ACCOUNT);
    for (const c of observed) expect(c <= last!).toBe(true);
    expect(last! > page(7)).toBe(true);
  });

  it('stores fees once and reads them, and the metadata and regimes, incrementally', async () => {
    const [a, b] = [await open(), await open()];
    const fee = { id: 'fee1', amount: 0.02, order_id: 'o1', symbol: 'AAPL', date: '2026-03-02' };
    expect(await a.addFees(ACCOUNT, [fee], null, new Date())).toBe(1);
    expect(await b.addFees(ACCOUNT, [fee, { ...fee, id: 'fee2', order_id: null }], null, new Date())).toBe(1);
    const fills = trips(2, rng(3)).fills;
    await a.addFills(ACCOUNT, fills, null, new Date());
    const meta = { broker_order_id: null, symbol: 'AAPL', strategy: 's1', tags: ['t'], rationale: 'why', audit_id: 'aud' };
    await a.recordMeta(ACCOUNT, { ...meta, client_order_id: fills[0]!.client_order_id }, new Date());
    await b.recordMeta(ACCOUNT, { ...meta, client_order_id: fills[0]!.client_order_id, strategy: 'other' }, new Date()); // first kept
    const first = await b.changes(ACCOUNT, ALL);
    expect(first.fees.fees).toEqual([fee, { ...fee, id: 'fee2', order_id: null }]);
    expect(first.fills.fills).toEqual(fills);
    expect(first.meta.rows).toEqual([
      { client_order_id: fills[0]!.client_order_id, strategy: 's1', tags: ['t'], rationale: 'why', audit_id: 'aud', regime: null, regime_state: 'pending' },
    ]);
    expect(first.handed).toEqual(new Set());
    expect(await a.pendingRegimes(ACCOUNT)).toEqual([{ client_order_id: fills[0]!.client_order_id, symbol: fills[0]!.symbol, at: fills[0]!.at }]);
    await b.setRegime(ACCOUNT, fills[0]!.client_order_id, { trend: 'up', volatility: 'low' });
    await a.setRegime(ACCOUNT, fills[0]!.client_order_id, null); // no longer pending: kept
    const next = await a.changes(ACCOUNT, { fillRow: first.fills.lastRow, feeRow: first.fees.lastRow, metaSeq: first.meta.lastSeq, handed: false });
    expect(next.fills.fills).toEqual([]);
    expect(next.fees.fees).toEqual([]);
    expect(next.handed).toBeNull();
    expect(next.meta.rows.map((m) => [m.strategy, m.regime, m.regime_state])).toEqual([['s1', { trend: 'up', volatility: 'low' }, 'set']]);
    expect(next.meta.lastSeq).toBeGreaterThan(first.meta.lastSeq);
    expect(await a.pendingRegimes(ACCOUNT)).toEqual([]);
    expect((await b.meta(ACCOUNT, fills[0]!.client_order_id))?.audit_id).toBe('aud');
    expect(await b.meta(ACCOUNT, 'nope')).toBeNull();
    expect(await b.changes('alpaca:paper', ALL)).toMatchObject({ fills: { fills: [] }, meta: { rows: [] }, fees: { fees: [] } });
  });

  it('a losing trip is claimed by exactly one of eight racers on four replicas; a released claim is taken again', async () => {
    const replicas = await Promise.all([open(), open(), open(), open()]);
    const won = await Promise.all(Array.from({ length: 8 }, (_, i) => replicas[i % 4]!.claimHandOver(ACCOUNT, 'single:f0001', new Date())));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect((await replicas[2]!.changes(ACCOUNT, ALL)).handed).toEqual(new Set(['single:f0001']));
    await replicas[won.indexOf(true) % 4]!.releaseHandOver(ACCOUNT, 'single:f0001');
    const again = await Promise.all(replicas.map((s) => s.claimHandOver(ACCOUNT, 'single:f0001', new Date())));
    expect(again.filter(Boolean)).toHaveLength(1);
  });

  if (backend.name === 'postgres') {
    it('fails closed: a database that cannot be reached, or refuses a statement, rejects every method with STORE_UNAVAILABLE', async () => {
      const gone = createPool('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
      const lost = openPgMemoryStore(gone, 'gone');
      const f = trips(1, rng(1)).fills;
      const calls: Array<(s: MemoryStore) => Promise<unknown>> = [
        (s) => s.addFills(ACCOUNT, f, { from: null, to: 'p1' }, new Date()),
        (s) => s.cursor(ACCOUNT),
        (s) => s.addFees(ACCOUNT, [], { from: null, to: 'p1' }, new Date()),
        (s) => s.feeCursor(ACCOUNT),
        (s) => s.fills(ACCOUNT),
        (s) =>
          s.recordMeta(
            ACCOUNT,
            { client_order_id: 'c', broker_order_id: null, symbol: null, strategy: null, tags: [], rationale: null, audit_id: null },
            new Date(),
          ),
        (s) => s.meta(ACCOUNT, 'c'),
        (s) => s.changes(ACCOUNT, ALL),
        (s) => s.pendingRegimes(ACCOUNT),
        (s) => s.setRegime(ACCOUNT, 'c', null),
        (s) => s.claimHandOver(ACCOUNT, 'single:x', new Date()),
        (s) => s.releaseHandOver(ACCOUNT, 'single:x'),
      ];
      for (const call of calls) expect(await codeOf(call(lost))).toBe('STORE_UNAVAILABLE');
      await gone.end();
      const store = await open();
      for (const t of ['memory_fills', 'memory_counters', 'memory_cursors', 'memory_order_meta', 'memory_fees', 'memory_handed_over'])
        await pools[0]!.pool.query(`DROP TABLE ${t}`);
      for (const call of calls) expect(await codeOf(call(store))).toBe('STORE_UNAVAILABLE');
    });
  }
});
