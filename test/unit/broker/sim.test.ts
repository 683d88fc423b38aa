import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../../src/broker/sim.js';
import type { OrderSubmission } from '../../../src/broker/types.js';
import { rejection } from '../../support/errors.js';

const open: SimBroker[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

function order(patch: Partial<OrderSubmission>): OrderSubmission {
  return {
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    notional: null,
    type: 'market',
    time_in_force: 'day',
    limit_price: null,
    stop_price: null,
    extended_hours: false,
    client_order_id: `c-${Math.random().toString(36).slice(2)}`,
    order_class: 'simple',
    legs: null,
    ...patch,
  };
}

async function sim(at: string, dataDir = mkdtempSync(join(tmpdir(), 'sim-unit-')), startingCash = 100_000) {
  const clock = { now: new Date(at) };
  const broker = await openSimBroker({ dataDir, startingCash, seed: 42, now: () => clock.now });
  open.push(broker);
  return { broker, clock, dataDir };
}

describe('sim broker', () => {
  it('fills a market buy at the ask, moves cash by exactly qty × price and books the position', async () => {
    const { broker } = await sim('2025-06-03T15:00:00Z'); // Tuesday, market open
    const quote = await broker.getLatestQuote('AAPL');
    expect(quote.askPrice).toBeGreaterThan(quote.bidPrice);
    const filled = await broker.submitOrder(order({ qty: 10 }));
    expect(filled).toMatchObject({ status: 'filled', filledQty: 10, filledAvgPrice: quote.askPrice });
    const account = await broker.getAccount();
    expect(account.cash).toBeCloseTo(100_000 - 10 * quote.askPrice, 2);
    expect(account.mode).toBe('sim');
    const [pos] = await broker.getPositions();
    expect(pos).toMatchObject({ symbol: 'AAPL', qty: 10, avgEntryPrice: quote.askPrice, costBasis: Math.round(10 * quote.askPrice * 100) / 100 });
    expect(pos!.unrealizedPl).toBeCloseTo(pos!.marketValue - pos!.costBasis, 2);
    // Sell half at the bid: cash comes back, cost basis shrinks proportionally.
    const sold = await broker.submitOrder(order({ side: 'sell', qty: 5 }));
    expect(sold.filledAvgPrice).toBe(quote.bidPrice);
    expect((await broker.getPositions())[0]).toMatchObject({ qty: 5, avgEntryPrice: quote.askPrice });
    expect((await broker.getAccount()).daytradeCount).toBe(1);
  });

  it('rests a limit below the market and fills it when the simulated price crosses, by sim time', async () => {
    const { broker, clock } = await sim('2025-06-03T15:00:00Z');
    const mid = (await broker.getLatestTrade('AAPL')).price;
    const limit = Math.round(mid * 0.97 * 100) / 100;
    const resting = await broker.submitOrder(order({ type: 'limit', limit_price: limit, time_in_force: 'gtc', qty: 3 }));
    expect(resting.status).toBe('new');
    expect((await broker.getAccount()).buyingPower).toBeCloseTo(100_000 - 3 * limit, 2);
    // Walk sim time forward a day at a time until the path trades through the limit.
    let found = null;
    for (let day = 1; day <= 60 && !found; day += 1) {
      clock.now = new Date(Date.parse('2025-06-03T15:00:00Z') + day * 86_400_000);
      const o = await broker.getOrder(resting.id);
      if (o?.status === 'filled') found = o;
    }
    expect(found).not.toBeNull();
    expect(found!.filledAvgPrice).toBeLessThanOrEqual(limit);
    // The fill happened at a minute whose low reached the limit.
    const bars = await broker.getBars({ symbol: 'AAPL', timeframe: '1Min', start: new Date(Date.parse(found!.filledAt!) - 59_999).toISOString(), limit: 1 });
    expect(bars[0]!.l).toBeLessThanOrEqual(limit);
    expect((await broker.getAccount()).cash).toBeCloseTo(100_000 - 3 * found!.filledAvgPrice!, 2);
  });

  it('expires an unfilled day limit at the close and queues a market order placed while closed until the open', async () => {
    const { broker, clock } = await sim('2025-06-03T15:00:00Z');
    const mid = (await broker.getLatestTrade('AAPL')).price;
    const day = await broker.submitOrder(order({ type: 'limit', limit_price: Math.round(mid * 0.5 * 100) / 100, qty: 1 }));
    clock.now = new Date('2025-06-03T21:00:00Z'); // after the close
    expect((await broker.getOrder(day.id))!.status).toBe('expired');
    const queued = await broker.submitOrder(order({ qty: 2 }));
    expect(queued.status).toBe('accepted');
    clock.now = new Date('2025-06-04T13:45:00Z'); // next morning
    const filled = (await broker.getOrder(queued.id))!;
    expect(filled.status).toBe('filled');
    expect(filled.filledAt).toBe('2025-06-04T13:30:00.000Z');
  });

  it('refuses a reused client_order_id forever, insufficient buying power, and selling what is not held', async () => {
    const { broker, dataDir } = await sim('2025-06-03T15:00:00Z', undefined, 1_000);
    await broker.submitOrder(order({ client_order_id: 'once', qty: 1 }));
    const dup = await rejection(broker.submitOrder(order({ client_order_id: 'once', qty: 1 })));
    expect(dup.code).toBe('BROKER_REJECTED');
    expect(dup.details).toMatchObject({ reason: 'duplicate_client_order_id', status: 422 });
    const poor = await rejection(broker.submitOrder(order({ qty: 100 })));
    expect(poor).toMatchObject({ code: 'BROKER_REJECTED', message: 'insufficient buying power' });
    const naked = await rejection(broker.submitOrder(order({ side: 'sell', qty: 5 })));
    expect(naked.code).toBe('BROKER_REJECTED');
    expect(naked.message).toMatch(/insufficient qty available/);
    // Still refused after a restart on the same data dir.
    await broker.close();
    const again = await openSimBroker({ dataDir, startingCash: 1_000, seed: 42, now: () => new Date('2025-06-05T15:00:00Z') });
    open.push(again);
    expect((await rejection(again.submitOrder(order({ client_order_id: 'once', qty: 1 })))).details.reason).toBe('duplicate_client_order_id');
    expect((await again.listOrders({ status: 'all' })).length).toBe(1);
  });

  it('cancels a resting order once; a second cancel is rejected and an unknown id is NOT_FOUND', async () => {
    const { broker } = await sim('2025-06-03T15:00:00Z');
    const o = await broker.submitOrder(order({ type: 'limit', limit_price: 1, time_in_force: 'gtc', qty: 1 }));
    await broker.cancelOrder(o.id);
    expect((await broker.getOrder(o.id))!.status).toBe('canceled');
    expect((await broker.getAccount()).buyingPower).toBe(100_000);
    expect((await rejection(broker.cancelOrder(o.id))).details.status).toBe(422);
    expect((await rejection(broker.cancelOrder('nope'))).code).toBe('NOT_FOUND');
    expect(await broker.getOrderByClientId('never-used')).toBeNull();
    expect((await broker.listOrders({ status: 'closed', symbols: ['AAPL'] })).map((x) => x.id)).toEqual([o.id]);
    expect(await broker.listOrders({ status: 'open' })).toEqual([]);
  });

  it('prices a defined-risk vertical from Black–Scholes, fills it and refuses a naked short call', async () => {
    const { broker } = await sim('2025-06-03T15:00:00Z');
    const calls = (
      await broker.getOptionContracts({ underlying: 'SPY', type: 'call', expirationGte: '2025-06-20', expirationLte: '2025-06-20', limit: 400 })
    ).sort((a, b) => a.strike - b.strike);
    const spot = (await broker.getLatestTrade('SPY')).price;
    const lower = calls.find((c) => c.strike >= spot)!;
    const upper = calls.find((c) => c.strike >= lower.strike + 10)!;
    const snaps = await broker.getOptionSnapshots({ underlying: 'SPY', type: 'call', expirationGte: '2025-06-20', expirationLte: '2025-06-20', limit: 400 });
    const q = (s: string) => snaps.find((x) => x.symbol === s)!.latestQuote!;
    expect(q(lower.symbol).askPrice).toBeGreaterThan(q(upper.symbol).askPrice); // a lower strike call is worth more
    expect(await broker.getLatestQuote(lower.symbol)).toEqual(q(lower.symbol)); // OCC quotes for the risk checks
    const spread = await broker.submitOrder(
      order({
        symbol: null,
        order_class: 'mleg',
        type: 'market',
        qty: 2,
        legs: [
          { symbol: lower.symbol, side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
          { symbol: upper.symbol, side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
        ],
      }),
    );
    expect(spread.status).toBe('filled');
    const debit = q(lower.symbol).askPrice - q(upper.symbol).bidPrice;
    expect(spread.filledAvgPrice).toBeCloseTo(debit, 2);
    const account = await broker.getAccount();
    expect(account.cash).toBeCloseTo(100_000 - debit * 2 * 100, 1);
    const positions = await broker.getPositions();
    expect(positions.map((p) => [p.symbol, p.qty, p.assetClass])).toEqual(
      expect.arrayContaining([
        [lower.symbol, 2, 'us_option'],
        [upper.symbol, -2, 'us_option'],
      ]),
    );
    const naked = await rejection(
      broker.submitOrder(
        order({
          symbol: null,
          order_class: 'mleg',
          type: 'market',
          qty: 1,
          legs: [
            { symbol: lower.symbol, side: 'sell', ratio_qty: 2, position_intent: 'sell_to_open' },
            { symbol: upper.symbol, side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
          ],
        }),
      ),
    );
    expect(naked.code).toBe('BROKER_REJECTED');
    expect(naked.details.status).toBe(403);
  });

  it('keeps every order, fill and cash movement in SQLite with WAL and synchronous=FULL', async () => {
    const { broker, dataDir } = await sim('2025-06-03T15:00:00Z');
    await broker.submitOrder(order({ qty: 1 }));
    await broker.submitOrder(order({ qty: 2 }));
    const db = new Database(join(dataDir, 'sim-broker.sqlite'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect((db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n).toBe(2);
      expect((db.prepare('SELECT COUNT(*) AS n FROM fills').get() as { n: number }).n).toBe(2);
      expect((db.prepare("SELECT COUNT(*) AS n FROM cash_movements WHERE reason = 'buy'").get() as { n: number }).n).toBe(2);
    } finally {
      db.close();
    }
  });

  it('gives deterministic prices per seed, skips holidays in daily bars, and reads a CSV when one is present', async () => {
    const a = await sim('2025-06-23T15:00:00Z');
    const b = await sim('2025-06-23T15:00:00Z');
    expect(await a.broker.getLatestQuote('MSFT')).toEqual(await b.broker.getLatestQuote('MSFT'));
    const days = (await a.broker.getBars({ symbol: 'MSFT', timeframe: '1Day', limit: 5 })).map((x) => x.t.slice(0, 10));
    expect(days).toEqual(['2025-06-16', '2025-06-17', '2025-06-18', '2025-06-20', '2025-06-23']); // no Juneteenth
    const dir = mkdtempSync(join(tmpdir(), 'sim-csv-'));
    mkdirSync(join(dir, 'market-data'));
    writeFileSync(join(dir, 'market-data', 'ZZZ.csv'), 'timestamp,open,high,low,close,volume\n2025-06-02,10,11,9,10.5,1000\n2025-06-03,10.5,12,10,11.5,2000\n');
    const c = await sim('2025-06-04T15:00:00Z', dir);
    expect((await c.broker.getLatestTrade('ZZZ')).price).toBe(11.5);
    const bars = await c.broker.getBars({ symbol: 'ZZZ', timeframe: '1Day', limit: 10 });
    expect(bars.map((x) => [x.o, x.c, x.v])).toEqual([
      [10, 10.5, 1000],
      [10.5, 11.5, 2000],
    ]);
  });

  it('aggregates consistently: a daily bar is the open, high, low, close and volume of its minute bars', async () => {
    const { broker } = await sim('2025-06-06T21:00:00Z');
    const [day] = await broker.getBars({ symbol: 'NVDA', timeframe: '1Day', start: '2025-06-05T00:00:00Z', limit: 1 });
    const minutes = await broker.getBars({ symbol: 'NVDA', timeframe: '1Min', start: '2025-06-05T13:30:00Z', end: '2025-06-05T20:00:00Z', limit: 1000 });
    expect(minutes).toHaveLength(390);
    expect(day).toMatchObject({
      t: '2025-06-05T04:00:00.000Z',
      o: minutes[0]!.o,
      c: minutes[389]!.c,
      h: Math.max(...minutes.map((m) => m.h)),
      l: Math.min(...minutes.map((m) => m.l)),
      v: minutes.reduce((a, m) => a + m.v, 0),
    });
    const hours = await broker.getBars({ symbol: 'NVDA', timeframe: '1Hour', start: '2025-06-05T13:00:00Z', end: '2025-06-05T20:00:00Z', limit: 10 });
    expect(hours.map((h) => h.t.slice(11, 16))).toEqual(['13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00']);
    expect(hours[0]!.o).toBe(minutes[0]!.o);
  });

  it('honours a pinned clock: the account reports the market closed on a holiday', async () => {
    const { broker } = await sim('2025-12-25T16:00:00Z');
    const clock = await broker.getClock();
    expect(clock).toMatchObject({ isOpen: false, nextOpen: '2025-12-26T14:30:00.000Z' });
  });
});
