/**
 * The warm matcher (live.ts) against matching everything at once: fills stored in random batches,
 * some posted late (earlier than fills already matched), metadata recorded before and after the
 * trip closed, a regime read late. After every batch the live view equals matchRoundTrips over
 * every stored fill with the stored metadata, and each losing trip is offered until handed over.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/memory/fills.js';
import { LiveMemory } from '../../../src/memory/live.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import { SqliteMemory } from '../../../src/memory/store/sqlite.js';
import { tempDataDir } from '../../support/client.js';
import { at, spy } from './fixtures.js';

const stores: SqliteMemory[] = [];
afterAll(() => {
  for (const s of stores) s.close();
});

const SYMBOLS = ['AAPL', 'MSFT', spy('C', 500)];

const fillArb = fc.record({
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  qty: fc.integer({ min: 1, max: 6 }),
  cents: fc.integer({ min: 100, max: 20_000 }),
  minute: fc.integer({ min: 0, max: 300 }),
  mleg: fc.boolean(),
});

function toFills(raw: fc.RecordValue<typeof fillArb>[]): Fill[] {
  return raw.map((r, i) => ({
    id: `f${String(i).padStart(4, '0')}`,
    order_id: `o${i}`,
    client_order_id: r.mleg && r.symbol.length > 6 ? `m${Math.floor(i / 2)}` : `c${i}`,
    symbol: r.symbol,
    side: r.side,
    qty: r.qty,
    price: r.cents / 100,
    fee: 0.01,
    at: at(r.minute),
    parent_order_id: r.mleg && r.symbol.length > 6 ? `M${Math.floor(i / 2)}` : null,
  }));
}

const ACCOUNT = 'sim:sim';

describe('LiveMemory', () => {
  it('equals matching every stored fill at once, whatever the batches and late fills', async () => {
    const store = await SqliteMemory.open(tempDataDir('tars-live-'));
    stores.push(store);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fillArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }),
        async (raw, cuts) => {
          const account = `${ACCOUNT}:${run++}`;
          const fills = toFills(raw);
          const live = new LiveMemory();
          let from = 0;
          for (const n of [...cuts, fills.length]) {
            const batch = fills.slice(from, from + n);
            from += n;
            store.addFills(account, batch, null, new Date());
            // metadata for some orders before their trips close, for others after; a regime read late
            for (const f of batch) {
              if (Number(f.id.slice(1)) % 3 === 0) {
                store.recordMeta(
                  account,
                  { client_order_id: f.client_order_id, broker_order_id: null, symbol: f.symbol, strategy: 's', tags: ['t'], rationale: null, audit_id: null },
                  new Date(),
                );
              }
            }
            const view = await live.refresh(store.asStore(), account);
            const all = store.fillsAfter(account, 0).fills;
            const expected = matchRoundTrips(all, { metaOf: (o) => store.meta(account, o.client_order_id) });
            expect(view.match).toEqual(expected);
            expect(view.stored).toBe(all.length);
            expect(view.losses.map((t) => t.id).sort()).toEqual(
              expected.trips
                .filter((t) => t.realized_pnl < 0)
                .map((t) => t.id)
                .sort(),
            );
            for (const c of new Set(batch.map((f) => f.client_order_id))) store.setRegime(account, c, { trend: 'up', volatility: 'high' });
            if (from >= fills.length) break;
          }
          const after = await live.refresh(store.asStore(), account);
          expect(after.match).toEqual(matchRoundTrips(store.fillsAfter(account, 0).fills, { metaOf: (o) => store.meta(account, o.client_order_id) }));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('offers a losing trip until it is marked handed, and reads handed trips from the store on a cold start', async () => {
    const store = await SqliteMemory.open(tempDataDir('tars-live-'));
    stores.push(store);
    const loss: Fill[] = [
      { id: 'a', order_id: 'A', client_order_id: 'cA', symbol: 'AAPL', side: 'buy', qty: 1, price: 100, fee: 0, at: at(0) },
      { id: 'b', order_id: 'B', client_order_id: 'cB', symbol: 'AAPL', side: 'sell', qty: 1, price: 99, fee: 0, at: at(1) },
    ];
    store.addFills(ACCOUNT, loss, null, new Date());
    const live = new LiveMemory();
    expect((await live.refresh(store.asStore(), ACCOUNT)).losses.map((t) => t.id)).toEqual(['single:a']);
    expect((await live.refresh(store.asStore(), ACCOUNT)).losses.map((t) => t.id)).toEqual(['single:a']);
    live.markHanded('single:a');
    expect((await live.refresh(store.asStore(), ACCOUNT)).losses).toEqual([]);
    store.claimHandOver(ACCOUNT, 'single:a', new Date());
    expect((await new LiveMemory().refresh(store.asStore(), ACCOUNT)).losses).toEqual([]);
  });

  it('runs two refreshes at once one after the other: the rows of one read are matched once, not twice', async () => {
    const db = await SqliteMemory.open(tempDataDir('tars-live-'));
    stores.push(db);
    const store = db.asStore();
    const trip: Fill[] = [
      { id: 'a', order_id: 'A', client_order_id: 'cA', symbol: 'AAPL', side: 'buy', qty: 2, price: 100, fee: 0, at: at(0) },
      { id: 'b', order_id: 'B', client_order_id: 'cB', symbol: 'AAPL', side: 'sell', qty: 2, price: 99, fee: 0, at: at(1) },
    ];
    db.addFills(ACCOUNT, trip, null, new Date());
    const live = new LiveMemory();
    const [x, y] = await Promise.all([live.refresh(store, ACCOUNT), live.refresh(store, ACCOUNT)]);
    const expected = matchRoundTrips(db.fillsAfter(ACCOUNT, 0).fills);
    expect(x.match).toEqual(expected);
    expect(y.match).toEqual(expected);
    expect(y.stored).toBe(2);
  });
});
