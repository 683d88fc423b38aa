/**
 * The Alpaca adapter's order kinds on the loopback Alpaca: the exact JSON the SDK sends for each
 * kind (bracket, OCO, OTO, trailing stop, single-leg option, multi-leg), how Alpaca's answers map
 * back (exits, trails, replace chains), replaceOrder through PATCH, and the account's options fields.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAlpacaBroker, type AlpacaBroker } from '../../../src/broker/alpaca.js';
import type { OrderSubmission } from '../../../src/broker/types.js';
import { rejection } from '../../support/errors.js';
import { startFakeAlpaca, type FakeAlpaca } from '../../support/fake-alpaca.js';

let fake: FakeAlpaca;
let broker: AlpacaBroker;

beforeEach(async () => {
  fake = await startFakeAlpaca();
  broker = await openAlpacaBroker({ keyId: fake.keyId, secret: fake.secret, baseUrl: fake.tradingUrl, dataUrl: fake.dataUrl, mode: 'paper', timeoutMs: 2_000 });
  fake.setQuote('AAPL', { bp: 199.9, ap: 200.1 });
});
afterEach(async () => {
  await fake.close();
});

function order(patch: Partial<OrderSubmission>): OrderSubmission {
  return {
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    notional: null,
    type: 'limit',
    time_in_force: 'gtc',
    limit_price: 200,
    stop_price: null,
    trail_price: null,
    trail_percent: null,
    extended_hours: false,
    client_order_id: `t-${Math.random().toString(36).slice(2)}`,
    order_class: 'simple',
    take_profit: null,
    stop_loss: null,
    position_intent: null,
    legs: null,
    ...patch,
  };
}

/** The JSON body of the last POST /v2/orders, exactly as the SDK sent it. */
const lastPost = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders').at(-1)!.body;

describe('each order kind goes out in Alpaca wire format', () => {
  it('bracket: order_class bracket with take_profit {limit_price} and stop_loss {stop_price, limit_price}, as decimal text', async () => {
    await broker.submitOrder(
      order({ client_order_id: 'br-1', order_class: 'bracket', take_profit: { limit_price: 210.5 }, stop_loss: { stop_price: 190, limit_price: 189.5 } }),
    );
    expect(lastPost()).toEqual({
      symbol: 'AAPL',
      side: 'buy',
      type: 'limit',
      time_in_force: 'gtc',
      qty: '10',
      limit_price: '200',
      client_order_id: 'br-1',
      order_class: 'bracket',
      take_profit: { limit_price: '210.5' },
      stop_loss: { stop_price: '190', limit_price: '189.5' },
    });
  });

  it('oco: type limit with the limit in take_profit, no top-level limit_price; oto: one exit only, stop_loss without limit_price', async () => {
    await broker.submitOrder(
      order({
        client_order_id: 'oco-1',
        side: 'sell',
        order_class: 'oco',
        limit_price: null,
        take_profit: { limit_price: 215 },
        stop_loss: { stop_price: 185, limit_price: null },
      }),
    );
    expect(lastPost()).toEqual({
      symbol: 'AAPL',
      side: 'sell',
      type: 'limit',
      time_in_force: 'gtc',
      qty: '10',
      client_order_id: 'oco-1',
      order_class: 'oco',
      take_profit: { limit_price: '215' },
      stop_loss: { stop_price: '185' },
    });
    await broker.submitOrder(
      order({ client_order_id: 'oto-1', type: 'market', limit_price: null, order_class: 'oto', stop_loss: { stop_price: 190.25, limit_price: null } }),
    );
    expect(lastPost()).toEqual({
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      time_in_force: 'gtc',
      qty: '10',
      client_order_id: 'oto-1',
      order_class: 'oto',
      stop_loss: { stop_price: '190.25' },
    });
  });

  it('trailing_stop: trail_price or trail_percent as text, no limit or stop; the answer carries the trail, hwm and the stop it implies', async () => {
    const placed = await broker.submitOrder(order({ client_order_id: 'ts-1', side: 'sell', type: 'trailing_stop', limit_price: null, trail_percent: 1.5 }));
    expect(lastPost()).toEqual({
      symbol: 'AAPL',
      side: 'sell',
      type: 'trailing_stop',
      time_in_force: 'gtc',
      qty: '10',
      trail_percent: '1.5',
      client_order_id: 'ts-1',
      order_class: 'simple',
    });
    expect(placed).toMatchObject({ type: 'trailing_stop', trailPercent: 1.5, trailPrice: null, hwm: 199.9 });
    expect(placed.stopPrice).toBeCloseTo(199.9 * 0.985, 6);
    const byPrice = await broker.submitOrder(order({ client_order_id: 'ts-2', side: 'sell', type: 'trailing_stop', limit_price: null, trail_price: 2.5 }));
    expect(lastPost()).toMatchObject({ trail_price: '2.5' });
    expect(lastPost()).not.toHaveProperty('trail_percent');
    expect(byPrice).toMatchObject({ trailPrice: 2.5, trailPercent: null, hwm: 199.9, stopPrice: 197.4 });
  });

  it('a single-leg option names its OCC symbol and position_intent, and reads back as us_option with that intent', async () => {
    const placed = await broker.submitOrder(
      order({ client_order_id: 'opt-1', symbol: 'AAPL250620C00200000', qty: 2, time_in_force: 'day', limit_price: 3.4, position_intent: 'buy_to_open' }),
    );
    expect(lastPost()).toEqual({
      symbol: 'AAPL250620C00200000',
      side: 'buy',
      type: 'limit',
      time_in_force: 'day',
      qty: '2',
      limit_price: '3.4',
      client_order_id: 'opt-1',
      order_class: 'simple',
      position_intent: 'buy_to_open',
    });
    expect(placed).toMatchObject({ symbol: 'AAPL250620C00200000', positionIntent: 'buy_to_open', exits: null, legs: null });
    expect(fake.submittedOrders.at(-1)).toMatchObject({ asset_class: 'us_option' });
  });

  it('a multi-leg order sends neither symbol nor side (Alpaca: side is required for every class except mleg); the legs carry them', async () => {
    await broker.submitOrder(
      order({
        client_order_id: 'ml-1',
        symbol: null,
        qty: 1,
        time_in_force: 'day',
        limit_price: -0.85,
        order_class: 'mleg',
        legs: [
          { symbol: 'AAPL250620P00180000', side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
          { symbol: 'AAPL250620P00190000', side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
        ],
      }),
    );
    expect(lastPost()).toEqual({
      type: 'limit',
      time_in_force: 'day',
      qty: '1',
      limit_price: '-0.85',
      client_order_id: 'ml-1',
      order_class: 'mleg',
      legs: [
        { symbol: 'AAPL250620P00180000', side: 'buy', ratio_qty: '1', position_intent: 'buy_to_open' },
        { symbol: 'AAPL250620P00190000', side: 'sell', ratio_qty: '1', position_intent: 'sell_to_open' },
      ],
    });
  });
});

/** A bracket as Alpaca answers GET /v2/orders/{id}?nested=true: the parent filled, its exits whole orders (Alpaca's Order fields, numbers as strings). */
function recordedBracket(): Record<string, unknown> & { symbol: string } {
  const exit = (id: string, type: string, prices: Record<string, string | null>, status: string) => ({
    id,
    client_order_id: `${id}-c`,
    created_at: '2024-12-10T16:15:53.677230742Z',
    updated_at: '2024-12-10T16:15:54.1Z',
    submitted_at: '2024-12-10T16:15:53.684952901Z',
    filled_at: null,
    expired_at: null,
    canceled_at: null,
    failed_at: null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415',
    symbol: 'AAPL',
    asset_class: 'us_equity',
    notional: null,
    qty: '5',
    filled_qty: '0',
    filled_avg_price: null,
    order_class: 'bracket',
    order_type: type,
    type,
    side: 'sell',
    position_intent: 'sell_to_close',
    time_in_force: 'gtc',
    limit_price: null,
    stop_price: null,
    ...prices,
    status,
    extended_hours: false,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    subtag: null,
    source: null,
  });
  return {
    symbol: 'AAPL',
    order_class: 'bracket',
    type: 'limit',
    order_type: 'limit',
    qty: '5',
    filled_qty: '5',
    filled_avg_price: '150',
    limit_price: '150',
    time_in_force: 'gtc',
    status: 'filled',
    legs: [
      exit('7b08df51-0000-4000-8000-00000000a001', 'limit', { limit_price: '160' }, 'new'),
      exit('7b08df51-0000-4000-8000-00000000a002', 'stop', { stop_price: '145' }, 'held'),
    ],
  };
}

describe("Alpaca's answers map back", () => {
  it('a bracket body with legs reads as exits (orders of their own, class bracket, exits null); legs stay for mleg only', async () => {
    const seeded = fake.addOrder(recordedBracket());
    const read = (await broker.getOrder(seeded.id))!;
    expect(fake.requests.at(-1)!.query).toMatchObject({ nested: 'true' });
    expect(read).toMatchObject({ orderClass: 'bracket', status: 'filled', filledQty: 5, filledAvgPrice: 150, legs: null });
    expect(read.exits!.map((e) => [e.id, e.type, e.side, e.status, e.limitPrice, e.stopPrice, e.orderClass, e.positionIntent, e.exits, e.legs])).toEqual([
      ['7b08df51-0000-4000-8000-00000000a001', 'limit', 'sell', 'new', 160, null, 'bracket', 'sell_to_close', null, null],
      ['7b08df51-0000-4000-8000-00000000a002', 'stop', 'sell', 'held', null, 145, 'bracket', 'sell_to_close', null, null],
    ]);
    expect((await broker.listOrders({ status: 'all' })).find((o) => o.id === seeded.id)!.exits).toHaveLength(2);
    expect(fake.requests.at(-1)!.query).toMatchObject({ nested: 'true' });
  });

  it('an exit that is not a whole order is refused as an invalid answer, never half-read', async () => {
    const body = recordedBracket();
    (body.legs as Array<Record<string, unknown>>)[1] = { symbol: 'AAPL', side: 'sell', type: 'stop' };
    const seeded = fake.addOrder(body);
    expect(await rejection(broker.getOrder(seeded.id))).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { reason: 'invalid_response' } });
  });

  it('a bracket placed on the fake comes back with its exits held, on the other side, at its prices', async () => {
    const placed = await broker.submitOrder(
      order({ order_class: 'bracket', take_profit: { limit_price: 210 }, stop_loss: { stop_price: 190, limit_price: null } }),
    );
    expect(placed.exits!.map((e) => [e.type, e.side, e.status, e.limitPrice, e.stopPrice, e.qty])).toEqual([
      ['limit', 'sell', 'held', 210, null, 10],
      ['stop', 'sell', 'held', null, 190, 10],
    ]);
  });
});

describe('replaceOrder (PATCH /v2/orders/{id})', () => {
  it('sends only what changes as text and answers with the new order; the old one is replaced, and points at it', async () => {
    const old = await broker.submitOrder(order({ client_order_id: 'orig-1' }));
    const next = await broker.replaceOrder(old.id, { qty: 12, limit_price: 199.5, client_order_id: 'orig-1-r1' });
    const patch = fake.requests.find((r) => r.method === 'PATCH')!;
    expect(patch).toMatchObject({ path: `/v2/orders/${old.id}`, status: 200 });
    expect(patch.body).toEqual({ qty: '12', limit_price: '199.5', client_order_id: 'orig-1-r1' });
    expect(next).toMatchObject({ clientOrderId: 'orig-1-r1', replaces: old.id, replacedBy: null, qty: 12, limitPrice: 199.5, status: 'new' });
    expect(next.id).not.toBe(old.id);
    expect(await broker.getOrder(old.id)).toMatchObject({ status: 'replaced', replacedBy: next.id });
  });

  it('a trailing stop takes its new trail as `trail`, in its own unit', async () => {
    const ts = await broker.submitOrder(order({ side: 'sell', type: 'trailing_stop', limit_price: null, trail_price: 2 }));
    const next = await broker.replaceOrder(ts.id, { trail: 3, client_order_id: 'ts-r1' });
    expect(fake.requests.find((r) => r.method === 'PATCH')!.body).toEqual({ trail: '3', client_order_id: 'ts-r1' });
    expect(next).toMatchObject({ trailPrice: 3, stopPrice: 196.9 });
  });

  it('a filled or cancelled order is BROKER_REJECTED reason not_replaceable (Alpaca 422, code 42210000); nothing new appears', async () => {
    const filled = fake.addOrder({ symbol: 'AAPL', type: 'limit', limit_price: '200', status: 'filled' });
    const err = await rejection(broker.replaceOrder(filled.id, { limit_price: 201, client_order_id: 'late-1' }));
    expect(err).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 422, alpacaCode: 42210000, reason: 'not_replaceable' } });
    const canceled = fake.addOrder({ symbol: 'AAPL', type: 'limit', limit_price: '200', status: 'canceled' });
    expect((await rejection(broker.replaceOrder(canceled.id, { qty: 3, client_order_id: 'late-2' }))).details).toMatchObject({ reason: 'not_replaceable' });
    expect([...fake.orders.values()].some((o) => o.client_order_id.startsWith('late-'))).toBe(false);
    expect((await rejection(broker.replaceOrder('no-such-order', { qty: 1, client_order_id: 'late-3' }))).code).toBe('NOT_FOUND');
  });

  it('a replacement the account cannot pay for is BROKER_REJECTED reason insufficient_buying_power (Alpaca 403, 40310000); the old order stands', async () => {
    const old = await broker.submitOrder(order({}));
    fake.setAccount({ buying_power: '3000' });
    const err = await rejection(broker.replaceOrder(old.id, { qty: 100, client_order_id: 'big-1' }));
    expect(err).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 403, alpacaCode: 40310000, reason: 'insufficient_buying_power' } });
    expect(await broker.getOrder(old.id)).toMatchObject({ status: 'new', replacedBy: null });
  });
});

describe('403 insufficient buying power on submit', () => {
  it("is BROKER_REJECTED reason insufficient_buying_power; a 403 for anything else stays 'forbidden'", async () => {
    fake.setAccount({ buying_power: '1000' });
    expect((await rejection(broker.submitOrder(order({})))).details).toMatchObject({ status: 403, alpacaCode: 40310000, reason: 'insufficient_buying_power' });
    fake.fail({ method: 'POST', path: '/v2/orders', status: 403, body: { code: 40310100, message: 'trade denied due to pattern day trading protection' } });
    expect((await rejection(broker.submitOrder(order({})))).details).toMatchObject({ status: 403, reason: 'forbidden' });
    expect(fake.submittedOrders).toHaveLength(0);
  });

  it('an option buy is priced against options_buying_power, 100 shares a contract', async () => {
    fake.setAccount({ options_buying_power: '500' });
    const err = await rejection(broker.submitOrder(order({ symbol: 'AAPL250620C00200000', qty: 2, time_in_force: 'day', limit_price: 3 })));
    expect(err.details).toMatchObject({ status: 403, reason: 'insufficient_buying_power' });
    expect((await broker.submitOrder(order({ symbol: 'AAPL250620C00200000', qty: 1, time_in_force: 'day', limit_price: 3 }))).status).toBe('new');
  });
});

describe("the account's options fields", () => {
  it('reads options_buying_power and the effective options level (trading level, capped by the approved level)', async () => {
    expect(await broker.getAccount()).toMatchObject({ optionsBuyingPower: 100_000, optionsLevel: 3 });
    fake.setAccount({ options_approved_level: 2, options_trading_level: 3, options_buying_power: '2500.5' });
    expect(await broker.getAccount()).toMatchObject({ optionsBuyingPower: 2500.5, optionsLevel: 2 });
    fake.setAccount({ options_approved_level: '1', options_trading_level: 2 });
    expect((await broker.getAccount()).optionsLevel).toBe(1);
    fake.setAccount({ options_approved_level: undefined, options_trading_level: 2 });
    expect((await broker.getAccount()).optionsLevel).toBe(2);
  });

  it('is null when Alpaca sends no options fields, and a level that is not 0–3 is an invalid answer', async () => {
    fake.setAccount({ options_approved_level: undefined, options_trading_level: undefined, options_buying_power: undefined });
    expect(await broker.getAccount()).toMatchObject({ optionsBuyingPower: null, optionsLevel: null });
    for (const bad of [4, 2.5, '2.5', 'three', -1]) {
      fake.setAccount({ options_trading_level: bad });
      expect(await rejection(broker.getAccount())).toMatchObject({ code: 'BROKER_UNAVAILABLE', details: { reason: 'invalid_response' } });
    }
  });
});
