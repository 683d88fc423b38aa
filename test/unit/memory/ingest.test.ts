/**
 * Ingestion on a real sim broker and memory.sqlite: fills stored once whatever the number of polls
 * and restarts, the gate's metadata attached to the trip, and each losing round trip handed to the
 * callback exactly once (a failed hand-over is offered again; a restart never hands one twice).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../../src/broker/sim/broker.js';
import type { Deps } from '../../../src/deps.js';
import {
  loadTradeMemory,
  memoryAccount,
  memoryStore,
  recordOrderMeta,
  recordOrderMetaWithin,
  setLosingTripHandler,
  type LosingTripLink,
} from '../../../src/memory/ingest.js';
import type { RoundTrip } from '../../../src/memory/trips.js';
import { tempDataDir } from '../../support/client.js';
import { marketOrder } from '../../support/orders.js';
import { MARKET_OPEN_INSTANT } from '../../support/execution-harness.js';
import { makeDeps } from '../llm/helpers.js';

const open: Array<Deps | SimBroker> = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function setup(dataDir: string): Promise<{ deps: Deps; broker: SimBroker }> {
  const deps = makeDeps({}, dataDir);
  const broker = await openSimBroker({ dataDir, startingCash: 100_000, seed: 7, now: () => new Date(MARKET_OPEN_INSTANT) });
  open.push(deps, broker);
  return { deps, broker };
}

describe('trade memory ingestion (sim)', () => {
  it('hands a losing round trip over once, with its audit id; a failed hand-over is offered again; a restart does not repeat it', async () => {
    const dataDir = tempDataDir('tars-memory-');
    const { deps, broker } = await setup(dataDir);
    const buy = await broker.submitOrder(marketOrder('buy', 5, 'ing-open'));
    await recordOrderMeta(deps, {
      client_order_id: 'ing-open',
      broker_order_id: buy.id,
      symbol: 'AAPL',
      strategy: 'mean_reversion',
      tags: ['unit'],
      rationale: 'r',
      audit_id: 'audit-1',
    });
    // bought at the ask, sold at the bid of the same quote: a loss of the spread
    await broker.submitOrder(marketOrder('sell', 5, 'ing-close'));
    const handed: Array<[RoundTrip, LosingTripLink]> = [];
    let fail = true;
    setLosingTripHandler(deps, (trip, link) => {
      if (fail) throw new Error('draft writer down');
      handed.push([trip, link]);
    });
    const first = await loadTradeMemory(deps, broker);
    expect(first.match.trips).toHaveLength(1);
    expect(first.match.trips[0]!.realized_pnl).toBeLessThan(0);
    expect(first.match.trips[0]).toMatchObject({ strategy: 'mean_reversion', tags: ['unit'], rationale: 'r' });
    expect(handed).toEqual([]);
    fail = false;
    await loadTradeMemory(deps, broker);
    await loadTradeMemory(deps, broker);
    expect(handed).toHaveLength(1);
    expect(handed[0]![1]).toEqual({ audit_id: 'audit-1', client_order_id: 'ing-open' });
    expect(handed[0]![0].id).toBe(first.match.trips[0]!.id);
    // a second server on the data dir: the same fills, the same trip, not handed again
    const again = await setup(dataDir);
    const seen: string[] = [];
    setLosingTripHandler(again.deps, (trip) => {
      seen.push(trip.id);
    });
    const second = await loadTradeMemory(again.deps, again.broker);
    expect(second.sync).toEqual({ read: 0, added: 0, stored: 2 });
    expect(second.match.trips).toEqual(first.match.trips);
    expect(seen).toEqual([]);
  });

  it('a claim the store cannot give back (the release fails too) is released before the next hand-over: the trip is still handed over once', async () => {
    const { deps, broker } = await setup(tempDataDir('tars-memory-'));
    await broker.submitOrder(marketOrder('buy', 5, 'rel-open'));
    await broker.submitOrder(marketOrder('sell', 5, 'rel-close'));
    const store = await memoryStore(deps);
    const realRelease = store.releaseHandOver.bind(store);
    let releaseFails = true;
    // fault injection on our own store: the database blips exactly when the claim is given back
    store.releaseHandOver = async (account, tripId) => {
      if (releaseFails) throw new Error('store unavailable');
      return realRelease(account, tripId);
    };
    const handed: string[] = [];
    let fail = true;
    setLosingTripHandler(deps, (trip) => {
      if (fail) throw new Error('draft writer down');
      handed.push(trip.id);
    });
    const first = await loadTradeMemory(deps, broker);
    expect(first.match.trips).toHaveLength(1);
    expect(handed).toEqual([]);
    releaseFails = false;
    fail = false;
    await loadTradeMemory(deps, broker);
    await loadTradeMemory(deps, broker);
    expect(handed).toEqual([first.match.trips[0]!.id]);
  });

  it("a slow store never holds a submitted order's answer past the wait: the record lands later", async () => {
    const { deps, broker } = await setup(tempDataDir('tars-memory-'));
    const store = await memoryStore(deps);
    const realRecord = store.recordMeta.bind(store);
    let letGo: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    // fault injection on our own store: the write hangs (a database that accepts and does not answer)
    store.recordMeta = async (...args) => {
      await held;
      return realRecord(...args);
    };
    const meta = { client_order_id: 'slow-1', broker_order_id: 'b-1', symbol: 'AAPL', strategy: 'breakout', tags: [], rationale: null, audit_id: 'a-1' };
    const t0 = Date.now();
    expect(await recordOrderMetaWithin(deps, meta, 150)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_000);
    letGo();
    await expect.poll(async () => (await store.meta(await memoryAccount(deps, broker), 'slow-1'))?.strategy).toBe('breakout');
    store.recordMeta = realRecord;
    expect(await recordOrderMetaWithin(deps, { ...meta, client_order_id: 'fast-1' }, 5_000)).toBe(true);
  });

  it('two syncs running at once store each fill once', async () => {
    const { deps, broker } = await setup(tempDataDir('tars-memory-'));
    await broker.submitOrder(marketOrder('buy', 3, 'c-open'));
    await broker.submitOrder(marketOrder('sell', 3, 'c-close'));
    const [a, b] = await Promise.all([loadTradeMemory(deps, broker), loadTradeMemory(deps, broker)]);
    expect(a.sync.added + b.sync.added).toBe(2);
    expect(b.sync.stored).toBe(2);
    expect(b.match.trips).toEqual(a.match.trips);
  });
});
