/**
 * Trade memory on one PostgreSQL through real MCP clients against BUILT server processes (npm run build
 * first), SPEC §16: replicas A and B on one account (one data dir's sim) share one memory — a round trip
 * placed and closed on A shows on B with the gate's metadata, exact to the cent, each fill stored once
 * however both poll, and its loss gives one draft lesson across both; no memory.sqlite is written. A
 * replica C on another data dir (its own sim account) sees none of it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { MARKET_OPEN_INSTANT } from '../support/execution-harness.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { roomyExecutorProfile, switchableOpus } from '../support/order-kinds.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../support/postgres.js';

interface Memory {
  sync: { read: number; added: number; stored: number };
  aggregates: { count: number };
  trips: Array<{ id: string; qty: number; realized_pnl: number; strategy: string | null; tags: string[]; fill_ids: string[] }>;
}

describe.skipIf(!PG_TEST_URL)('trade memory shared by replicas on one PostgreSQL', () => {
  let db: FreshDatabase;
  let gw: FakeGateway;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    [db, gw] = await Promise.all([freshDatabase('memory_e2e'), startFakeGateway()]);
    switchableOpus(gw, () => 'approve');
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await gw?.close();
    await db?.drop();
  }, 60_000);

  const env = () => ({
    LLM_GATEWAY_BASE_URL: gw.url,
    LLM_GATEWAY_API_KEY: 'test-key',
    TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT,
    TRADING_MCP_DATABASE_URL: db.url,
  });
  const start = async (dataDir: string) => {
    const s = await startServer({ profile: roomyExecutorProfile(), env: env(), dataDir });
    servers.push(s);
    return s;
  };

  it('a round trip on A is on B exactly once with its metadata and one draft; C on another account sees none', async () => {
    const dir = tempDataDir('tars-memory-pg-e2e-');
    const [a, b, c] = await Promise.all([start(dir), start(dir), start(tempDataDir('tars-memory-pg-e2e-'))]);
    await callOk(a.client, 'place_order', {
      symbol: 'AAPL',
      side: 'buy',
      qty: 4,
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'pg-e2e-open',
      strategy: 'trend_following',
      tags: ['pg'],
      rationale: 'shared memory',
    });
    await callOk(a.client, 'close_position', { symbol: 'AAPL', client_order_id: 'pg-e2e-close' });
    const [ma, mb] = await Promise.all([callOk<Memory>(a.client, 'get_trade_memory'), callOk<Memory>(b.client, 'get_trade_memory')]);
    expect(ma.sync.added + mb.sync.added).toBe(2);
    const again = await callOk<Memory>(b.client, 'get_trade_memory');
    expect(again.sync).toMatchObject({ added: 0, stored: 2 });
    expect(again.trips).toHaveLength(1);
    expect(again.trips[0]).toMatchObject({ qty: 4, strategy: 'trend_following', tags: ['pg'] });
    expect(Math.round(again.trips[0]!.realized_pnl * 100) / 100).toBe(again.trips[0]!.realized_pnl);
    expect((await callOk<Memory>(a.client, 'get_trade_memory')).trips).toEqual(again.trips);
    expect(existsSync(join(dir, 'memory.sqlite'))).toBe(false);
    // bought at the ask, sold at the bid: a loss, drafted once across both replicas
    expect(again.trips[0]!.realized_pnl).toBeLessThan(0);
    type Hits = { results: Array<{ id: string }> };
    const query = { query: 'AAPL trend_following loss on a round trip', k: 10, include_drafts: true };
    for (const s of [a, b]) {
      const drafts = (await callOk<Hits>(s.client, 'search_lessons', query)).results.filter((h) => h.id.startsWith('loss-'));
      expect(drafts).toHaveLength(1);
    }
    const other = await callOk<Memory>(c.client, 'get_trade_memory');
    expect(other.sync.stored).toBe(0);
    expect(other.aggregates.count).toBe(0);
  }, 120_000);
});
