/**
 * The broker tools through a real MCP client against the built server on the sim broker.
 * Orders are placed from this test process with the sim broker module on the SAME data dir
 * (place_order is another issue's gate); the server sees them through SQLite, as a second
 * server process would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../src/broker/sim.js';
import type { OrderSubmission } from '../../src/broker/types.js';
import { callOk, callTool, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';

const CLOCK = '2025-06-03T15:00:00Z'; // a Tuesday, market open
let server: RunningServer;
let analyst: RunningServer;
let sim: SimBroker;

function order(patch: Partial<OrderSubmission>): OrderSubmission {
  return {
    symbol: 'AAPL',
    side: 'buy',
    qty: 1,
    notional: null,
    type: 'market',
    time_in_force: 'day',
    limit_price: null,
    stop_price: null,
    extended_hours: false,
    client_order_id: `e2e-${Math.random().toString(36).slice(2)}`,
    order_class: 'simple',
    legs: null,
    ...patch,
  };
}

beforeAll(async () => {
  const dataDir = tempDataDir('tars-broker-sim-');
  server = await startServer({ profile: 'executor', dataDir, env: { TRADING_MCP_SIM_CLOCK: CLOCK, TRADING_MCP_SIM_CASH: '50000' } });
  analyst = await startServer({ profile: 'analyst', env: { TRADING_MCP_SIM_CLOCK: CLOCK } });
  sim = await openSimBroker({ dataDir, startingCash: 50_000, seed: 42, now: () => new Date(CLOCK) });
});
afterAll(async () => {
  await sim?.close();
  await server?.close();
  await analyst?.close();
});

describe('broker tools on the sim broker (E2E)', () => {
  it('get_account: starting cash from TRADING_MCP_SIM_CASH, mode sim, then cash after a fill placed by another process', async () => {
    const before = await callOk<{ mode: string; account: { cash: number; equity: number; buyingPower: number } }>(server.client, 'get_account');
    expect(before.mode).toBe('sim');
    expect(before.account).toMatchObject({ cash: 50_000, equity: 50_000, buyingPower: 50_000 });
    const filled = await sim.submitOrder(order({ qty: 4, client_order_id: 'acct-fill' }));
    const after = await callOk<{ account: { cash: number; equity: number } }>(server.client, 'get_account');
    expect(after.account.cash).toBeCloseTo(50_000 - 4 * filled.filledAvgPrice!, 2);
    const positions = await callOk<{ mode: string; positions: Array<{ symbol: string; qty: number; costBasis: number }>; totals: { costBasis: number } }>(
      server.client,
      'get_positions',
      { symbols: ['AAPL'] },
    );
    expect(positions.mode).toBe('sim');
    expect(positions.positions).toEqual([expect.objectContaining({ symbol: 'AAPL', qty: 4, costBasis: Math.round(4 * filled.filledAvgPrice! * 100) / 100 })]);
    expect((await callOk<{ positions: unknown[] }>(server.client, 'get_positions', { symbols: ['MSFT'] })).positions).toEqual([]);
  });

  it('get_orders filters by status and symbol and finds one by client_order_id; unknown ids are NOT_FOUND', async () => {
    const resting = await sim.submitOrder(order({ symbol: 'MSFT', type: 'limit', limit_price: 10, time_in_force: 'gtc', client_order_id: 'rest-msft' }));
    const open = await callOk<{ orders: Array<{ id: string; status: string }> }>(server.client, 'get_orders', { status: 'open' });
    expect(open.orders.map((o) => o.id)).toContain(resting.id);
    const closed = await callOk<{ orders: Array<{ clientOrderId: string; status: string }> }>(server.client, 'get_orders', {
      status: 'closed',
      symbols: ['AAPL'],
    });
    expect(closed.orders.map((o) => [o.clientOrderId, o.status])).toContainEqual(['acct-fill', 'filled']);
    const one = await callOk<{ orders: Array<{ id: string; limitPrice: number }> }>(server.client, 'get_orders', { client_order_id: 'rest-msft' });
    expect(one.orders).toEqual([expect.objectContaining({ id: resting.id, limitPrice: 10 })]);
    expect(errorCode(await callTool(server.client, 'get_orders', { client_order_id: 'never-placed' }))).toBe('NOT_FOUND');
    expect(errorCode(await callTool(server.client, 'get_orders', { order_id: 'abc', status: 'open' }))).toBe('INVALID_INPUT');
  });

  it('cancel_order by client_order_id cancels in the shared database; a second cancel is BROKER_REJECTED; unknown is NOT_FOUND', async () => {
    const resting = await sim.submitOrder(order({ type: 'limit', limit_price: 5, time_in_force: 'gtc', client_order_id: 'to-cancel' }));
    const res = await callOk<{ canceled: boolean; mode: string; order: { id: string; status: string } }>(server.client, 'cancel_order', {
      client_order_id: 'to-cancel',
    });
    expect(res).toMatchObject({ canceled: true, mode: 'sim', order: { id: resting.id, status: 'canceled' } });
    expect((await sim.getOrder(resting.id))!.status).toBe('canceled'); // seen from the other process
    const again = await callTool(server.client, 'cancel_order', { order_id: resting.id });
    expect(errorCode(again)).toBe('BROKER_REJECTED');
    expect((again.structuredContent as { details: { status: number } }).details.status).toBe(422);
    expect(errorCode(await callTool(server.client, 'cancel_order', { client_order_id: 'ghost' }))).toBe('NOT_FOUND');
    expect(errorCode(await callTool(server.client, 'cancel_order', {}))).toBe('INVALID_INPUT');
    expect(errorCode(await callTool(server.client, 'cancel_order', { order_id: resting.id, client_order_id: 'to-cancel' }))).toBe('INVALID_INPUT');
  });

  it('get_market_data: bars, quote, trade, snapshot and an options chain, all mode sim', async () => {
    const bars = await callOk<{ mode: string; timeframe: string; bars: Array<{ t: string; o: number; h: number; l: number; c: number }> }>(
      analyst.client,
      'get_market_data',
      { kind: 'bars', symbol: 'AAPL', timeframe: '1Day', limit: 5 },
    );
    expect(bars.mode).toBe('sim');
    expect(bars.bars.map((b) => b.t.slice(0, 10))).toEqual(['2025-05-28', '2025-05-29', '2025-05-30', '2025-06-02', '2025-06-03']);
    for (const b of bars.bars) expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
    const ranged = await callOk<{ bars: Array<{ t: string }> }>(analyst.client, 'get_market_data', {
      kind: 'bars',
      symbol: 'AAPL',
      timeframe: '15Min',
      start: '2025-06-02T13:30:00Z',
      end: '2025-06-02T15:00:00Z',
    });
    expect(ranged.bars.map((b) => b.t)).toEqual([
      '2025-06-02T13:30:00.000Z',
      '2025-06-02T13:45:00.000Z',
      '2025-06-02T14:00:00.000Z',
      '2025-06-02T14:15:00.000Z',
      '2025-06-02T14:30:00.000Z',
      '2025-06-02T14:45:00.000Z',
    ]);
    const quote = await callOk<{ quote: { bidPrice: number; askPrice: number; timestamp: string } }>(analyst.client, 'get_market_data', {
      kind: 'quote',
      symbol: 'AAPL',
    });
    expect(quote.quote.askPrice).toBeGreaterThan(quote.quote.bidPrice);
    expect(quote.quote.timestamp).toBe('2025-06-03T15:00:00.000Z');
    const trade = await callOk<{ trade: { price: number } }>(analyst.client, 'get_market_data', { kind: 'trade', symbol: 'AAPL' });
    expect(trade.trade.price).toBeGreaterThanOrEqual(quote.quote.bidPrice);
    expect(trade.trade.price).toBeLessThanOrEqual(quote.quote.askPrice);
    const snap = await callOk<{ snapshot: { dailyBar: { t: string }; prevDailyBar: { t: string } } }>(analyst.client, 'get_market_data', {
      kind: 'snapshot',
      symbol: 'AAPL',
    });
    expect(snap.snapshot.dailyBar.t.slice(0, 10)).toBe('2025-06-03');
    expect(snap.snapshot.prevDailyBar.t.slice(0, 10)).toBe('2025-06-02');
    const chain = await callOk<{
      options: Array<{ symbol: string; expiration: string; type: string; strike: number; bid: number; ask: number; delta: number; impliedVolatility: number }>;
    }>(analyst.client, 'get_market_data', {
      kind: 'options_chain',
      symbol: 'AAPL',
      expiration_gte: '2025-06-10',
      expiration_lte: '2025-06-30',
      option_type: 'put',
      limit: 20,
    });
    expect(chain.options.length).toBe(20);
    for (const o of chain.options) {
      expect(o.type).toBe('put');
      expect(o.expiration >= '2025-06-10' && o.expiration <= '2025-06-30').toBe(true);
      expect(o.delta).toBeLessThanOrEqual(0);
      expect(o.ask).toBeGreaterThan(o.bid);
      expect(o.impliedVolatility).toBeGreaterThan(0);
    }
  });

  it('refuses malformed input with INVALID_INPUT and keeps answering', async () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['get_market_data', { kind: 'quote', symbol: 'AAPL', extra: 1 }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', limit: '5' }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', limit: Number.NaN }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', limit: 2.5 }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', limit: 0 }],
      ['get_market_data', { kind: 'quote', symbol: 'aapl' }],
      ['get_market_data', { kind: 'quote', symbol: 'TOOLONG' }],
      ['get_market_data', { kind: 'quote', symbol: 'AAPL', timeframe: '1Day' }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', timeframe: '2Day' }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', start: 'yesterday' }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', start: '2025-06-03', end: '2025-06-01' }],
      ['get_market_data', { kind: 'options_chain', symbol: 'AAPL', expiration_gte: '2025-13-01' }],
      ['get_market_data', { kind: 'level2', symbol: 'AAPL' }],
      ['get_account', { verbose: true }],
      ['get_positions', { symbols: ['aapl'] }],
      ['get_orders', { limit: '10' }],
      ['get_orders', { status: 'pending' }],
      ['get_orders', { after: 'not-a-date' }],
    ];
    for (const [name, args] of bad) {
      const r = await callTool(server.client, name, args);
      expect(errorCode(r), `${name} ${JSON.stringify(args)}`).toBe('INVALID_INPUT');
    }
    await expect(server.client.ping()).resolves.toBeDefined();
  });

  it('cancel_order is executor-only and annotated destructive; the read tools are read-only', async () => {
    const { tools } = await analyst.client.listTools();
    expect(tools.map((t) => t.name)).not.toContain('cancel_order');
    expect(errorCode(await callTool(analyst.client, 'cancel_order', { order_id: 'x' }))).toBe('NOT_IN_PROFILE');
    const exec = (await server.client.listTools()).tools;
    const byName = new Map(exec.map((t) => [t.name, t.annotations]));
    expect(byName.get('cancel_order')).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    for (const n of ['get_account', 'get_positions', 'get_orders', 'get_market_data'])
      expect(byName.get(n)).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });
});
