/**
 * Ingestion with TRADING_MCP_DATABASE_URL set: real sim brokers, trade memory on one fresh PostgreSQL.
 * - two replicas on one account (one data dir's sim) share one memory: each fill stored once, the same
 *   trips on both, and a losing trip handed over once across them even when both load at once;
 * - replicas on different accounts (two data dirs: two sims, each numbering its fills from 1) never mix
 *   their fills or cursors;
 * - the database lost mid-run: the next load rejects with STORE_UNAVAILABLE.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../../src/broker/sim/broker.js';
import type { Deps } from '../../../src/deps.js';
import { ToolError } from '../../../src/errors.js';
import { loadTradeMemory, recordOrderMeta, setLosingTripHandler } from '../../../src/memory/ingest.js';
import { tempDataDir } from '../../support/client.js';
import { marketOrder } from '../../support/orders.js';
import { MARKET_OPEN_INSTANT } from '../../support/execution-harness.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';
import { makeDeps } from '../llm/helpers.js';

describe.skipIf(!PG_TEST_URL)('trade memory ingestion on PostgreSQL (sim)', () => {
  let db: FreshDatabase;
  const open: Array<Deps | SimBroker> = [];
  beforeEach(async () => {
    db = await freshDatabase('memory_ingest');
  });
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
    await db.drop();
  });

  async function replica(dataDir: string): Promise<{ deps: Deps; broker: SimBroker }> {
    const deps = makeDeps({ TRADING_MCP_DATABASE_URL: db.url }, dataDir);
    const broker = await openSimBroker({ dataDir, startingCash: 100_000, seed: 7, now: () => new Date(MARKET_OPEN_INSTANT) });
    open.push(deps, broker);
    return { deps, broker };
  }

  it('two replicas on one account share one memory; a losing trip is handed over once across them', async () => {
    const dataDir = tempDataDir('tars-memory-pg-');
    const [a, b] = [await replica(dataDir), await replica(dataDir)];
    const buy = await a.broker.submitOrder(marketOrder('buy', 5, 'pg-open'));
    await recordOrderMeta(a.deps, {
      client_order_id: 'pg-open',
      broker_order_id: buy.id,
      symbol: 'AAPL',
      strategy: 'mean_reversion',
      tags: ['pg'],
      rationale: 'r',
      audit_id: 'audit-pg',
    });
    await b.broker.submitOrder(marketOrder('sell', 5, 'pg-close')); // bought at the ask, sold at the bid: a loss
    const handed: string[] = [];
    for (const r of [a, b]) setLosingTripHandler(r.deps, (trip, link) => void handed.push(`${trip.id} ${link.audit_id}`));
    const [x, y] = await Promise.all([loadTradeMemory(a.deps, a.broker), loadTradeMemory(b.deps, b.broker)]);
    expect(x.sync.added + y.sync.added).toBe(2);
    const again = await loadTradeMemory(b.deps, b.broker);
    expect(again.sync.stored).toBe(2);
    expect(again.match.trips).toHaveLength(1);
    expect(again.match.trips[0]).toMatchObject({ strategy: 'mean_reversion', tags: ['pg'] });
    expect(again.match.trips[0]!.realized_pnl).toBeLessThan(0);
    await loadTradeMemory(a.deps, a.broker);
    expect(handed).toEqual([`${again.match.trips[0]!.id} audit-pg`]);
  });

  it('replicas on different accounts (two sims, both numbering fills from 1) never mix fills or cursors', async () => {
    const [a, b] = [await replica(tempDataDir('tars-memory-pg-')), await replica(tempDataDir('tars-memory-pg-'))];
    for (const r of [a, b]) setLosingTripHandler(r.deps, () => undefined);
    await a.broker.submitOrder(marketOrder('buy', 2, 'a-open'));
    await a.broker.submitOrder(marketOrder('sell', 2, 'a-close'));
    const ma = await loadTradeMemory(a.deps, a.broker);
    await b.broker.submitOrder(marketOrder('buy', 3, 'b-open'));
    await b.broker.submitOrder(marketOrder('sell', 3, 'b-close'));
    const mb = await loadTradeMemory(b.deps, b.broker);
    expect(ma.match.trips.map((t) => [t.opening_client_order_id, t.qty])).toEqual([['a-open', 2]]);
    expect(mb.sync).toEqual({ read: 2, added: 2, stored: 2 });
    expect(mb.match.trips.map((t) => [t.opening_client_order_id, t.qty])).toEqual([['b-open', 3]]);
  });

  it('a database lost mid-run: the next load rejects with STORE_UNAVAILABLE', async () => {
    const { deps, broker } = await replica(tempDataDir('tars-memory-pg-'));
    setLosingTripHandler(deps, () => undefined);
    await broker.submitOrder(marketOrder('buy', 1, 'l-open'));
    expect((await loadTradeMemory(deps, broker)).sync.stored).toBe(1);
    await db.drop();
    await broker.submitOrder(marketOrder('sell', 1, 'l-close'));
    const err = await loadTradeMemory(deps, broker).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('STORE_UNAVAILABLE');
  });
});
