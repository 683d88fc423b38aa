/**
 * kill -9 of a sim-backed server loses no order, fill or cash movement.
 *
 * Two writers share one data dir: this test process (the sim broker module, clock 15:00) places
 * market orders (fill + cash movement at once), near-the-money limit orders and deep resting
 * limits; the server (executor, clock 15:05) is driven through MCP at the same time — its sweeps
 * FILL the near limits that traded through in 15:00–15:05 and its cancel_order calls CANCEL the
 * deep ones. Mid-stream the server gets SIGKILL. Then: every write either side acknowledged is
 * in the database, every fill has exactly its cash movement, the cash ledger adds up to the
 * cent, the database passes integrity_check, and a restarted server reports the same state.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../src/broker/sim.js';
import type { OrderSubmission } from '../../src/broker/types.js';
import { callOk, callTool, startServer, tempDataDir, type RunningServer } from '../support/client.js';

const T0 = '2025-06-03T15:00:00Z';
const T1 = '2025-06-03T15:05:00Z';
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

function order(patch: Partial<OrderSubmission>): OrderSubmission {
  return {
    symbol: 'AAPL',
    side: 'buy',
    qty: 1,
    notional: null,
    type: 'market',
    time_in_force: 'gtc',
    limit_price: null,
    stop_price: null,
    extended_hours: false,
    client_order_id: 'x',
    order_class: 'simple',
    legs: null,
    ...patch,
  };
}

describe('sim broker durability under kill -9', () => {
  it('loses no acknowledged order, fill, cancel or cash movement', async () => {
    const dataDir = tempDataDir('tars-kill9-');
    const env = { TRADING_MCP_SIM_CLOCK: T1, TRADING_MCP_LOG_LEVEL: 'warn', TRADING_MCP_SIM_CASH: '1000000' };
    const server: RunningServer = await startServer({ profile: 'executor', dataDir, env });
    cleanup.push(() => server.close());
    const sim: SimBroker = await openSimBroker({ dataDir, startingCash: 1_000_000, seed: 42, now: () => new Date(T0) });
    cleanup.push(() => sim.close());

    // Limits the path trades through between 15:00 and 15:05 (the server's sweep fills them) and ones it never reaches.
    const window = sim.market.fineBars('AAPL', Date.parse(T0), Date.parse(T1)); // the tape the server will see
    const low = Math.min(...window.map((b) => b.l));
    const ask = (await sim.getLatestQuote('AAPL')).askPrice;
    const nearLimit = Math.round(((low + ask) / 2) * 100) / 100;
    expect(nearLimit).toBeLessThan(ask);

    const acknowledged = new Map<string, 'market' | 'near' | 'deep'>();
    const cancelAcked = new Set<string>();
    const filledSeenByServer = new Set<string>();
    let stop = false;
    let serverAlive = true;

    const writer = (async () => {
      for (let i = 0; !stop && i < 2_000; i += 1) {
        const kind = (['market', 'near', 'deep'] as const)[i % 3]!;
        const coid = `k9-${kind}-${i}`;
        const limit = kind === 'near' ? nearLimit : kind === 'deep' ? 1 : null;
        await sim.submitOrder(order({ client_order_id: coid, type: limit === null ? 'market' : 'limit', limit_price: limit }));
        acknowledged.set(coid, kind);
        await new Promise((r) => setImmediate(r));
      }
    })();

    const driver = (async () => {
      while (serverAlive) {
        try {
          const deep = [...acknowledged].filter(([c, k]) => k === 'deep' && !cancelAcked.has(c)).map(([c]) => c);
          for (const coid of deep.slice(0, 3)) {
            const r = await callTool(server.client, 'cancel_order', { client_order_id: coid });
            if (!r.isError) cancelAcked.add(coid);
          }
          const closed = await callTool(server.client, 'get_orders', { status: 'closed', limit: 500 });
          if (!closed.isError)
            for (const o of (closed.structuredContent as { orders: Array<{ clientOrderId: string; status: string }> }).orders)
              if (o.status === 'filled') filledSeenByServer.add(o.clientOrderId);
        } catch {
          return; // the transport died with the server
        }
      }
    })();

    // Kill once both sides have written (the server has canceled and filled something), mid-stream.
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline && !(cancelAcked.size > 0 && [...filledSeenByServer].some((c) => c.includes('-near-'))))
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 400)));
    expect(server.pid).toBeTruthy();
    process.kill(server.pid!, 'SIGKILL');
    serverAlive = false;
    await driver;
    stop = true;
    await writer;

    expect(acknowledged.size).toBeGreaterThan(20);
    expect(cancelAcked.size).toBeGreaterThan(0);
    expect([...filledSeenByServer].some((c) => c.includes('-near-'))).toBe(true); // the server itself wrote fills

    const db = new Database(join(dataDir, 'sim-broker.sqlite'), { readonly: true });
    cleanup.push(async () => db.close());
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT id, client_order_id, status, filled_qty, filled_avg_price FROM orders').all() as Array<{
      id: string;
      client_order_id: string;
      status: string;
      filled_qty: number;
      filled_avg_price: number | null;
    }>;
    const byCoid = new Map(rows.map((r) => [r.client_order_id, r]));
    for (const coid of acknowledged.keys()) expect(byCoid.has(coid), coid).toBe(true);
    expect(rows.length).toBe(acknowledged.size);
    for (const coid of cancelAcked) expect(byCoid.get(coid)!.status, coid).toBe('canceled');
    for (const coid of filledSeenByServer) expect(byCoid.get(coid)!.status, coid).toBe('filled');
    for (const [coid, kind] of acknowledged) if (kind === 'market') expect(byCoid.get(coid)!.status).toBe('filled');

    // Each filled order has exactly one fill and one cash movement of exactly −qty × price; nothing half-written.
    const fills = db.prepare('SELECT order_id, qty, price FROM fills').all() as Array<{ order_id: string; qty: number; price: number }>;
    const moves = db.prepare("SELECT order_id, amount_cents FROM cash_movements WHERE reason != 'initial_deposit'").all() as Array<{
      order_id: string;
      amount_cents: number;
    }>;
    const filled = rows.filter((r) => r.status === 'filled');
    expect(fills.length).toBe(filled.length);
    expect(moves.length).toBe(filled.length);
    for (const r of filled) {
      const f = fills.filter((x) => x.order_id === r.id);
      const m = moves.filter((x) => x.order_id === r.id);
      expect(f).toHaveLength(1);
      expect(m).toHaveLength(1);
      expect(m[0]!.amount_cents).toBe(-Math.round(f[0]!.qty * f[0]!.price * 100));
      expect(r.filled_avg_price).toBe(f[0]!.price);
    }
    const cashCents = (db.prepare('SELECT SUM(amount_cents) AS c FROM cash_movements').get() as { c: number }).c;
    expect(cashCents).toBe(100_000_000 - fills.reduce((a, f) => a + Math.round(f.qty * f.price * 100), 0));
    const position = db.prepare("SELECT qty FROM positions WHERE symbol = 'AAPL'").get() as { qty: number };
    expect(position.qty).toBe(fills.reduce((a, f) => a + f.qty, 0));

    // A restarted server on the same data dir reports exactly this state.
    const again = await startServer({ profile: 'executor', dataDir, env });
    cleanup.push(() => again.close());
    // Its first call sweeps: near limits the killed server never evaluated fill now (they traded through by 15:05).
    const account = await callOk<{ account: { cash: number } }>(again.client, 'get_account');
    const ledger = db.transaction(() => ({
      cash: (db.prepare('SELECT SUM(amount_cents) AS c FROM cash_movements').get() as { c: number }).c,
      fills: (db.prepare('SELECT SUM(ROUND(qty * price * 100)) AS s FROM fills').get() as { s: number }).s,
      nearOpen: (db.prepare("SELECT COUNT(*) AS n FROM orders WHERE client_order_id LIKE 'k9-near-%' AND status != 'filled'").get() as { n: number }).n,
    }))();
    expect(ledger.cash).toBe(100_000_000 - ledger.fills);
    expect(ledger.nearOpen).toBe(0);
    expect(Math.round(account.account.cash * 100)).toBe(ledger.cash);
    const all = await callOk<{ orders: Array<{ clientOrderId: string }> }>(again.client, 'get_orders', { status: 'all', limit: 500 });
    expect(all.orders.length).toBe(Math.min(500, acknowledged.size));
    expect(all.orders[0]!.clientOrderId).toBe([...acknowledged.keys()].at(-1)); // newest first
    for (const coid of [...cancelAcked].slice(0, 20)) {
      const one = await callOk<{ orders: Array<{ status: string }> }>(again.client, 'get_orders', { client_order_id: coid });
      expect(one.orders[0]!.status, coid).toBe('canceled');
    }
  });
});
