import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAlpacaBroker, type AlpacaBroker, type AlpacaBrokerOptions } from '../../../src/broker/alpaca.js';
import type { OrderSubmission } from '../../../src/broker/types.js';
import { ConfigSchema, ConfigError, resolveMode } from '../../../src/config.js';
import { startFakeAlpaca, type FakeAlpaca } from '../../support/fake-alpaca.js';
import { rejection } from '../../support/errors.js';

let fake: FakeAlpaca;
let broker: AlpacaBroker;

async function connect(extra: Partial<AlpacaBrokerOptions> = {}): Promise<AlpacaBroker> {
  return openAlpacaBroker({
    keyId: fake.keyId,
    secret: fake.secret,
    baseUrl: fake.tradingUrl,
    dataUrl: fake.dataUrl,
    mode: 'paper',
    timeoutMs: 1_500,
    ...extra,
  });
}

beforeEach(async () => {
  fake = await startFakeAlpaca();
  broker = await connect();
});
afterEach(async () => {
  await fake.close();
});

function order(patch: Partial<OrderSubmission> = {}): OrderSubmission {
  return {
    symbol: 'AAPL',
    side: 'buy',
    qty: 1,
    notional: null,
    type: 'limit',
    time_in_force: 'day',
    limit_price: 150.25,
    stop_price: null,
    extended_hours: false,
    client_order_id: `t-${Math.random().toString(36).slice(2)}`,
    order_class: 'simple',
    legs: null,
    ...patch,
  };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('Alpaca adapter against the loopback Alpaca', () => {
  it('reads the account with string numbers converted, and sends the keys as Alpaca headers', async () => {
    const account = await broker.getAccount();
    expect(account).toMatchObject({ cash: 100_000, lastEquity: 99_500.5, buyingPower: 200_000, status: 'ACTIVE', mode: 'paper', daytradeCount: 0 });
    const req = fake.requests.at(-1)!;
    expect(req).toMatchObject({ api: 'trading', method: 'GET', path: '/v2/account', status: 200 });
    expect(req.headers['apca-api-key-id']).toBe(fake.keyId);
  });

  it('submits an order with Alpaca field names and string amounts, then finds it by client_order_id', async () => {
    const o = order({ client_order_id: 'abc-1' });
    const placed = await broker.submitOrder(o);
    expect(placed).toMatchObject({ clientOrderId: 'abc-1', status: 'new', limitPrice: 150.25, qty: 1 });
    expect(fake.submittedOrders).toHaveLength(1);
    expect(fake.requests.find((r) => r.method === 'POST')!.body).toMatchObject({
      symbol: 'AAPL',
      side: 'buy',
      type: 'limit',
      time_in_force: 'day',
      qty: '1',
      limit_price: '150.25',
      client_order_id: 'abc-1',
      order_class: 'simple',
    });
    expect((await broker.getOrderByClientId('abc-1'))!.id).toBe(placed.id);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v2/orders:by_client_order_id', query: { client_order_id: 'abc-1' } });
    expect(await broker.getOrderByClientId('unknown-1')).toBeNull();
    expect(await broker.getOrder('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('sends a tiny fractional quantity as plain decimal text, never exponent form', async () => {
    await broker.submitOrder(order({ client_order_id: 'tiny-1', qty: 1e-7, type: 'market', limit_price: null }));
    expect(fake.requests.find((r) => r.method === 'POST')!.body).toMatchObject({ qty: '0.0000001', client_order_id: 'tiny-1' });
  });

  it('sends a multi-leg order as order_class mleg with legs', async () => {
    await broker.submitOrder(
      order({
        symbol: null,
        order_class: 'mleg',
        type: 'limit',
        limit_price: 1.05,
        qty: 2,
        legs: [
          { symbol: 'AAPL250620C00200000', side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
          { symbol: 'AAPL250620C00210000', side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
        ],
      }),
    );
    const body = fake.requests.find((r) => r.method === 'POST')!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      order_class: 'mleg',
      qty: '2',
      limit_price: '1.05',
      legs: [
        { symbol: 'AAPL250620C00200000', side: 'buy', ratio_qty: '1', position_intent: 'buy_to_open' },
        { symbol: 'AAPL250620C00210000', side: 'sell', ratio_qty: '1', position_intent: 'sell_to_open' },
      ],
    });
    expect(body.symbol).toBeUndefined();
  });

  it('maps 403 (buying power) to BROKER_REJECTED with Alpaca message and code; nothing is accepted', async () => {
    fake.setAccount({ buying_power: '10' });
    const err = await rejection(broker.submitOrder(order()));
    expect(err.code).toBe('BROKER_REJECTED');
    expect(err.message).toContain('insufficient buying power');
    expect(err.details).toMatchObject({ status: 403, alpacaCode: 40310000 });
    expect(fake.submittedOrders).toHaveLength(0);
  });

  it('maps a PDT 403 from fail() with a custom body', async () => {
    fake.fail({ method: 'POST', path: '/v2/orders', status: 403, body: { code: 40310100, message: 'trade denied due to pattern day trading protection' } });
    const err = await rejection(broker.submitOrder(order()));
    expect(err).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 403, alpacaCode: 40310100 } });
    expect(err.message).toContain('pattern day trading');
  });

  it('maps 422 reused client_order_id to BROKER_REJECTED reason duplicate_client_order_id, and a validation 422 to reason invalid', async () => {
    await broker.submitOrder(order({ client_order_id: 'dup' }));
    const dup = await rejection(broker.submitOrder(order({ client_order_id: 'dup' })));
    expect(dup).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 422, reason: 'duplicate_client_order_id', alpacaCode: 40010001 } });
    fake.fail({ method: 'POST', status: 422, body: { code: 40010001, message: 'qty must be > 0' } });
    const bad = await rejection(broker.submitOrder(order()));
    expect(bad).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 422, reason: 'invalid' } });
    expect(fake.submittedOrders).toHaveLength(1);
  });

  it('maps 401 to BROKER_UNAVAILABLE reason unauthorized (bad keys)', async () => {
    const wrong = await connect({ secret: 'wrong' });
    const err = await rejection(wrong.getAccount());
    expect(err).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { status: 401, reason: 'unauthorized', possiblyReachedBroker: false } });
    expect(fake.requests.at(-1)!.status).toBe(401);
  });

  it('maps 5xx to BROKER_UNAVAILABLE; a POST 5xx may have reached Alpaca, a GET does not matter', async () => {
    fake.fail({ path: '/v2/account', status: 503 });
    expect(await rejection(broker.getAccount())).toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      details: { status: 503, reason: 'server_error', possiblyReachedBroker: false },
    });
    fake.fail({ method: 'POST', path: '/v2/orders', mode: 'accept-then-status', status: 500 });
    const err = await rejection(broker.submitOrder(order({ client_order_id: 'five-hundred' })));
    expect(err).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { status: 500, reason: 'server_error', possiblyReachedBroker: true } });
    // The fake did accept it: reconciliation by client_order_id finds it, and no second POST was sent.
    expect((await broker.getOrderByClientId('five-hundred'))!.clientOrderId).toBe('five-hundred');
    expect(fake.count('POST', '/v2/orders')).toBe(1);
  });

  it('maps a timeout before acceptance and after acceptance to BROKER_UNAVAILABLE reason timeout; never re-posts', async () => {
    fake.fail({ method: 'POST', path: '/v2/orders', mode: 'hang' });
    const before = await rejection(broker.submitOrder(order({ client_order_id: 'hang-before' })));
    expect(before).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { reason: 'timeout', possiblyReachedBroker: true, status: null } });
    expect(await broker.getOrderByClientId('hang-before')).toBeNull();
    fake.fail({ method: 'POST', path: '/v2/orders', mode: 'accept-then-hang' });
    const after = await rejection(broker.submitOrder(order({ client_order_id: 'hang-after' })));
    expect(after.details).toMatchObject({ reason: 'timeout', possiblyReachedBroker: true });
    expect((await broker.getOrderByClientId('hang-after'))!.status).toBe('new');
    expect(fake.count('POST', '/v2/orders')).toBe(2);
    expect(fake.submittedOrders.map((o) => o.client_order_id)).toEqual(['hang-after']);
  });

  it('maps a connection reset to BROKER_UNAVAILABLE reason connection_reset, and a closed port to connection_refused', async () => {
    fake.fail({ method: 'POST', path: '/v2/orders', mode: 'accept-then-reset' });
    expect(await rejection(broker.submitOrder(order({ client_order_id: 'reset-1' })))).toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      details: { reason: 'connection_reset', possiblyReachedBroker: true },
    });
    expect(fake.submittedOrders).toHaveLength(1);
    const port = await freePort();
    const dead = await openAlpacaBroker({
      keyId: 'k',
      secret: 's',
      baseUrl: `http://127.0.0.1:${port}`,
      dataUrl: `http://127.0.0.1:${port}`,
      mode: 'paper',
      timeoutMs: 1000,
    });
    expect(await rejection(dead.submitOrder(order()))).toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      details: { reason: 'connection_refused', possiblyReachedBroker: false },
    });
  });

  it('waits out a 429 until X-RateLimit-Reset when it fits the bound, else BROKER_UNAVAILABLE rate_limited without waiting', async () => {
    fake.fail({ path: '/v2/account', status: 429, resetInSec: 1 });
    const t0 = Date.now();
    expect((await broker.getAccount()).cash).toBe(100_000);
    expect(fake.count('GET', '/v2/account')).toBe(2);
    expect(Date.now() - t0).toBeLessThan(3_000);
    fake.fail({ path: '/v2/account', status: 429, retryAfterSec: 1 });
    const t1 = Date.now();
    await broker.getAccount();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900); // Retry-After honoured
    fake.fail({ path: '/v2/account', status: 429, resetInSec: 120 });
    const t2 = Date.now();
    const err = await rejection(broker.getAccount());
    expect(err).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { status: 429, reason: 'rate_limited', possiblyReachedBroker: false } });
    expect(Date.now() - t2).toBeLessThan(1_000);
  });

  it('a 429 on order submit is retried with the SAME client_order_id (Alpaca did not process it)', async () => {
    fake.fail({ method: 'POST', path: '/v2/orders', status: 429, resetInSec: 1 });
    const placed = await broker.submitOrder(order({ client_order_id: 'after-429' }));
    expect(placed.clientOrderId).toBe('after-429');
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((p) => [p.status, (p.body as { client_order_id: string }).client_order_id])).toEqual([
      [429, 'after-429'],
      [200, 'after-429'],
    ]);
  });

  it('keeps the process under its local request budget (the SDK token bucket)', async () => {
    const slow = await connect({ rateLimitPerMin: 3, timeoutMs: 3_000 });
    const t0 = Date.now();
    const results = await Promise.allSettled([
      slow.getClock(),
      slow.getClock(),
      slow.getClock(),
      Promise.race([slow.getClock(), new Promise((r) => setTimeout(() => r('still waiting'), 1_000))]),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' && r.value === 'still waiting' ? 'waiting' : r.status))).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'waiting',
    ]);
    expect(fake.count('GET', '/v2/clock')).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('maps every documented status and reports an unknown one as unknown with rawStatus', async () => {
    for (const s of [
      'new',
      'partially_filled',
      'filled',
      'done_for_day',
      'canceled',
      'expired',
      'replaced',
      'pending_cancel',
      'pending_replace',
      'pending_review',
      'accepted',
      'pending_new',
      'accepted_for_bidding',
      'stopped',
      'rejected',
      'suspended',
      'calculated',
      'held',
    ]) {
      const o = fake.addOrder({ symbol: 'AAPL', status: s });
      expect((await broker.getOrder(o.id))!).toMatchObject({ status: s, rawStatus: s });
    }
    const weird = fake.addOrder({ symbol: 'AAPL', status: 'pending_moon' });
    expect(await broker.getOrder(weird.id)).toMatchObject({ status: 'unknown', rawStatus: 'pending_moon' });
    fake.nextOrderStatus = 'queued_for_auction';
    expect(await broker.submitOrder(order())).toMatchObject({ status: 'unknown', rawStatus: 'queued_for_auction' });
  });

  it('refuses an answer that does not validate (BROKER_UNAVAILABLE invalid_response)', async () => {
    fake.setAccount({ cash: 'lots' });
    expect(await rejection(broker.getAccount())).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { reason: 'invalid_response' } });
    fake.fail({ method: 'POST', path: '/v2/orders', mode: 'accept-then-status', status: 200, body: { id: 'x' } });
    expect(await rejection(broker.submitOrder(order()))).toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      details: { reason: 'invalid_response', possiblyReachedBroker: true },
    });
  });

  it('lists orders with Alpaca query parameters and cancels (204), with 422 for a filled order and NOT_FOUND for an unknown id', async () => {
    const a = fake.addOrder({ symbol: 'AAPL', status: 'new', submitted_at: '2025-06-02T14:00:00Z' });
    fake.addOrder({ symbol: 'MSFT', status: 'filled', submitted_at: '2025-06-02T15:00:00Z' });
    const open = await broker.listOrders({ status: 'open', symbols: ['AAPL', 'MSFT'], after: '2025-06-01T00:00:00Z', limit: 10 });
    expect(open.map((o) => o.id)).toEqual([a.id]);
    expect(fake.requests.at(-1)!.query).toMatchObject({ status: 'open', symbols: 'AAPL,MSFT', limit: '10', direction: 'desc', after: '2025-06-01T00:00:00Z' });
    expect((await broker.listOrders({ status: 'all' })).length).toBe(2);
    await broker.cancelOrder(a.id);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v2/orders/${a.id}`, status: 204 });
    expect((await broker.getOrder(a.id))!.status).toBe('canceled');
    expect(await rejection(broker.cancelOrder(a.id))).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 422 } });
    expect((await rejection(broker.cancelOrder('no-such-order'))).code).toBe('NOT_FOUND');
  });

  it('pages bars through next_page_token, forward from start and backward for the latest bars', async () => {
    const bars = Array.from({ length: 25 }, (_, i) => ({
      t: new Date(Date.UTC(2025, 4, 1 + i, 4)).toISOString(),
      o: 100 + i,
      h: 101 + i,
      l: 99 + i,
      c: 100.5 + i,
      v: 1000 + i,
    }));
    fake.setBars('AAPL', bars);
    fake.barsPageSize = 4;
    const forward = await broker.getBars({ symbol: 'AAPL', timeframe: '1Day', start: '2025-05-01T00:00:00Z', limit: 10 });
    expect(forward.map((b) => b.o)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    const pages = fake.requests.filter((r) => r.path === '/v2/stocks/AAPL/bars');
    expect(pages).toHaveLength(3);
    expect(pages[1]!.query.page_token).toBeTruthy();
    expect(pages[0]!.query).toMatchObject({ timeframe: '1Day', limit: '10' });
    const latest = await broker.getBars({ symbol: 'AAPL', timeframe: '1Day', end: '2025-06-01T00:00:00Z', limit: 6 });
    expect(latest.map((b) => b.o)).toEqual([119, 120, 121, 122, 123, 124]);
    expect(fake.requests.at(-1)!.query.sort).toBe('desc');
  });

  it('reads quotes, trades, snapshots, clock, positions and the options chain (paged)', async () => {
    fake.setQuote('AAPL', { bp: 199.5, ap: 199.6, bs: 2, as: 3 });
    expect(await broker.getLatestQuote('AAPL')).toMatchObject({ symbol: 'AAPL', bidPrice: 199.5, askPrice: 199.6, bidSize: 2, askSize: 3 });
    fake.setTrade('AAPL', { p: 199.55, s: 10 });
    expect(await broker.getLatestTrade('AAPL')).toMatchObject({ price: 199.55, size: 10 });
    expect((await broker.getSnapshot('AAPL')).latestQuote!.askPrice).toBe(199.6);
    fake.setClock({ is_open: false, next_open: '2025-06-03T13:30:00Z', next_close: '2025-06-03T20:00:00Z' });
    expect(await broker.getClock()).toMatchObject({ isOpen: false, nextOpen: '2025-06-03T13:30:00Z' });
    fake.setPositions([
      {
        asset_id: 'x',
        symbol: 'AAPL',
        exchange: 'NASDAQ',
        asset_class: 'us_equity',
        avg_entry_price: '190.5',
        qty: '10',
        side: 'long',
        market_value: '1996',
        cost_basis: '1905',
        unrealized_pl: '91',
        unrealized_plpc: '0.0477',
        current_price: '199.6',
        lastday_price: '198',
        change_today: '0.008',
        qty_available: '10',
      },
    ]);
    expect(await broker.getPositions()).toEqual([
      { symbol: 'AAPL', assetClass: 'us_equity', qty: 10, avgEntryPrice: 190.5, costBasis: 1905, currentPrice: 199.6, marketValue: 1996, unrealizedPl: 91 },
    ]);
    const contracts = await broker.getOptionContracts({ underlying: 'AAPL', type: 'call', limit: 500 });
    expect(contracts.length).toBeGreaterThan(3);
    expect(contracts.every((c) => c.type === 'call' && c.underlying === 'AAPL')).toBe(true);
    const snaps = await broker.getOptionSnapshots({ underlying: 'AAPL', limit: 7 });
    expect(snaps).toHaveLength(7);
    expect(snaps[0]).toMatchObject({ impliedVolatility: 0.31, greeks: { delta: 0.45 } });
    expect(fake.requests.filter((r) => r.path === '/v1beta1/options/snapshots/AAPL')[0]!.query.limit).toBe('7');
    expect(await broker.getLatestQuote('AAPL250620C00200000')).toMatchObject({ symbol: 'AAPL250620C00200000', bidPrice: 1.2, askPrice: 1.3 });
    expect(fake.requests.at(-1)).toMatchObject({ api: 'data', path: '/v1beta1/options/quotes/latest', query: { symbols: 'AAPL250620C00200000' } });
    expect((await broker.getLatestTrade('AAPL250620C00200000')).price).toBe(1.25);
  });
});

describe('live-trading guard', () => {
  it('refuses a live base URL without allowLive, and accepts loopback paper and an explicit allowLive', () => {
    const base = { alpaca: { keyId: 'k', secretKey: 's', baseUrl: 'https://api.alpaca.markets' } };
    expect(() => resolveMode(ConfigSchema.parse(base))).toThrow(ConfigError);
    expect(() => resolveMode(ConfigSchema.parse({ alpaca: { ...base.alpaca, baseUrl: 'http://127.0.0.2:9999' } }))).toThrow(/TRADING_MCP_ALLOW_LIVE/);
    expect(resolveMode(ConfigSchema.parse({ ...base, allowLive: true }))).toBe('live');
    expect(resolveMode(ConfigSchema.parse({ alpaca: { ...base.alpaca, baseUrl: 'http://127.0.0.1:9999' } }))).toBe('paper');
    expect(resolveMode(ConfigSchema.parse({}))).toBe('sim');
  });
});
