/**
 * Market-data feeds on the loopback Alpaca: every data call names its feed, a feed the data plan
 * does not cover is refused with its own reason and the variable to set, and the fake's bodies
 * keep to the shapes Alpaca records (clock offsets, string quantities, the multi-leg parent).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAlpacaBroker, type AlpacaBrokerOptions } from '../../../src/broker/alpaca.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { rejection } from '../../support/errors.js';
import { startFakeAlpaca, type FakeAlpaca } from '../../support/fake-alpaca.js';

let fake: FakeAlpaca;

beforeEach(async () => {
  fake = await startFakeAlpaca();
});
afterEach(async () => {
  await fake.close();
});

const connect = (extra: Partial<AlpacaBrokerOptions> = {}) =>
  openAlpacaBroker({ keyId: fake.keyId, secret: fake.secret, baseUrl: fake.tradingUrl, dataUrl: fake.dataUrl, mode: 'paper', timeoutMs: 2_000, ...extra });
const OCC = 'SPY250620C00500000';

async function readEverything(broker: Awaited<ReturnType<typeof connect>>): Promise<void> {
  await broker.getBars({ symbol: 'AAPL', timeframe: '1Day', limit: 5 });
  await broker.getLatestQuote('AAPL');
  await broker.getLatestTrade('AAPL');
  await broker.getSnapshot('AAPL');
  await broker.getLatestQuote(OCC);
  await broker.getLatestTrade(OCC);
  await broker.getOptionSnapshots({ underlying: 'SPY' });
  await broker.getOptionSnapshotsFor([OCC]);
}

describe('market-data feed', () => {
  it('every stock call sends feed=iex and every options call feed=indicative by default (the free plan)', async () => {
    await readEverything(await connect());
    const data = fake.requests.filter((r) => r.api === 'data');
    expect(data).toHaveLength(8);
    for (const r of data) expect([r.path, r.query.feed, r.status]).toEqual([r.path, r.path.startsWith('/v2/stocks/') ? 'iex' : 'indicative', 200]);
  });

  it('sends the configured feeds (sip, opra) and a paid plan serves them', async () => {
    fake.dataPlan = 'algo_trader_plus';
    await readEverything(await connect({ stockFeed: 'sip', optionsFeed: 'opra' }));
    const feeds = new Set(fake.requests.filter((r) => r.api === 'data').map((r) => `${r.path.split('/')[2]}:${r.query.feed}:${r.status}`));
    expect(feeds).toEqual(new Set(['stocks:sip:200', 'options:opra:200']));
  });

  it("a free plan's 403 for SIP is a data_plan refusal that names TRADING_MCP_DATA_FEED", async () => {
    const broker = await connect({ stockFeed: 'sip' });
    for (const read of [
      () => broker.getLatestQuote('AAPL'),
      () => broker.getBars({ symbol: 'AAPL', timeframe: '1Day', limit: 5 }),
      () => broker.getSnapshot('AAPL'),
    ]) {
      const err = await rejection(read());
      expect(err.code).toBe('BROKER_REJECTED');
      expect(err.details).toMatchObject({ status: 403, reason: 'data_plan', feed: 'sip', feedKind: 'stocks', variable: 'TRADING_MCP_DATA_FEED' });
      expect(err.message).toContain('subscription does not permit querying recent SIP data');
      expect(err.message).toContain('set TRADING_MCP_DATA_FEED=iex');
      expect(err.message).not.toContain('{ feed:'); // the SDK's own hint speaks to SDK users, not to ours
    }
    // SIP history that ended 15+ minutes ago is open to the free plan.
    expect(await broker.getBars({ symbol: 'AAPL', timeframe: '1Day', end: new Date(Date.now() - 3_600_000).toISOString(), limit: 5 })).toEqual([]);
  });

  it("a free plan's 403 for OPRA names TRADING_MCP_OPTIONS_FEED; another 403 stays 'forbidden'", async () => {
    const broker = await connect({ optionsFeed: 'opra' });
    const err = await rejection(broker.getOptionSnapshots({ underlying: 'SPY' }));
    expect(err.details).toMatchObject({ status: 403, reason: 'data_plan', feed: 'opra', variable: 'TRADING_MCP_OPTIONS_FEED' });
    expect(err.message).toContain('set TRADING_MCP_OPTIONS_FEED=indicative');
    fake.fail({ api: 'data', path: '/v2/stocks/AAPL/quotes/latest', status: 403, body: { message: 'forbidden.' } });
    expect((await rejection((await connect()).getLatestQuote('AAPL'))).details).toMatchObject({ status: 403, reason: 'forbidden' });
  });

  it('the feeds come from TRADING_MCP_DATA_FEED / TRADING_MCP_OPTIONS_FEED, default iex / indicative, and a wrong one stops start-up', () => {
    expect(loadConfig({}, {}).alpaca).toMatchObject({ dataFeed: 'iex', optionsFeed: 'indicative' });
    expect(loadConfig({}, { TRADING_MCP_DATA_FEED: 'sip', TRADING_MCP_OPTIONS_FEED: 'opra' }).alpaca).toMatchObject({ dataFeed: 'sip', optionsFeed: 'opra' });
    expect(() => loadConfig({}, { TRADING_MCP_DATA_FEED: 'nasdaq' })).toThrow(ConfigError);
  });
});

describe("the fake keeps to Alpaca's recorded bodies", () => {
  it('the clock answers in New York offsets, its own time with nanoseconds and the session bounds in seconds, which the adapter reads; a clock it cannot read is refused', async () => {
    const broker = await connect();
    const clock = await broker.getClock();
    expect(clock.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}-0[45]:00$/);
    expect(clock.nextClose).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/);
    expect(Math.abs(Date.parse(clock.timestamp) - Date.now())).toBeLessThan(60_000);
    fake.setClock({ is_open: true, next_open: 'tomorrow', next_close: '2025-06-03T16:00:00-04:00' });
    expect((await rejection(broker.getClock())).details).toMatchObject({ reason: 'invalid_response' });
  });

  it('the calendar clock follows the NYSE sessions in New York time', async () => {
    const calendar = await startFakeAlpaca({ clock: 'calendar' });
    try {
      const broker = await openAlpacaBroker({
        keyId: calendar.keyId,
        secret: calendar.secret,
        baseUrl: calendar.tradingUrl,
        dataUrl: calendar.dataUrl,
        mode: 'paper',
      });
      calendar.setNow('2025-06-07T16:00:00Z'); // Saturday noon in New York
      const weekend = await broker.getClock();
      expect(weekend).toMatchObject({ isOpen: false, nextOpen: '2025-06-09T09:30:00-04:00', nextClose: '2025-06-09T16:00:00-04:00' });
      expect(weekend.timestamp.startsWith('2025-06-07T12:00:00.')).toBe(true);
      calendar.setNow('2025-12-15T15:00:00Z'); // a Monday in EST, 10:00 in New York
      expect(await broker.getClock()).toMatchObject({ isOpen: true, nextClose: '2025-12-15T16:00:00-05:00' });
    } finally {
      await calendar.close();
    }
  });

  it("order quantities arrive as strings (and a number, as in alpaca-py's hand-edited bodies, still reads); a multi-leg parent names no symbol or side", async () => {
    const broker = await connect();
    const seeded = fake.addOrder({ symbol: 'SPY', qty: 1 as unknown as string, filled_qty: '0' });
    expect((await broker.getOrder(seeded.id))!.qty).toBe(1);
    const legs = [
      { symbol: 'SPY250620P00480000', side: 'buy' as const, ratio_qty: 1, position_intent: 'buy_to_open' as const },
      { symbol: 'SPY250620P00490000', side: 'sell' as const, ratio_qty: 1, position_intent: 'sell_to_open' as const },
    ];
    const placed = await broker.submitOrder({
      symbol: null,
      side: 'buy',
      qty: 2,
      notional: null,
      type: 'limit',
      time_in_force: 'day',
      limit_price: -1.1,
      stop_price: null,
      extended_hours: false,
      client_order_id: 'fidelity-mleg',
      order_class: 'mleg',
      legs,
    });
    const wire = fake.submittedOrders[0]!;
    expect(wire).toMatchObject({ symbol: '', side: '', asset_class: '', asset_id: '', qty: '2', type: 'limit', order_class: 'mleg' });
    expect(wire).not.toHaveProperty('position_intent');
    expect((wire.legs as Array<Record<string, unknown>>).map((l) => [l.type, l.ratio_qty, l.qty, l.asset_class])).toEqual([
      ['', '1', '2', 'us_option'],
      ['', '1', '2', 'us_option'],
    ]);
    expect(placed).toMatchObject({ symbol: null, side: null, orderClass: 'mleg', qty: 2 });
  });

  it("the account carries Alpaca's options fields", async () => {
    const body = await (
      await fetch(`${fake.tradingUrl}/v2/account`, { headers: { 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': fake.secret } })
    ).json();
    expect(body).toMatchObject({ options_approved_level: 3, options_trading_level: 3, options_buying_power: '100000' });
  });
});
