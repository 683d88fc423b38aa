/**
 * The loopback Alpaca behaves as Alpaca does for the new order kinds: its 422 / 403 refusals with
 * Alpaca's bodies, bracket / OCO exits held until the entry fills and cancelled with their
 * siblings, nested and flat listings, and replacing an exit in place. Seen through the adapter
 * where the adapter reads it, and as raw HTTP where the body itself is the point.
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
    order_class: 'bracket',
    take_profit: { limit_price: 210 },
    stop_loss: { stop_price: 190, limit_price: null },
    position_intent: null,
    legs: null,
    ...patch,
  };
}

/** Raw HTTP to the fake's trading API with the right keys: the status and Alpaca's JSON body. */
async function raw(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fake.tradingUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': fake.secret, 'Content-Type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

describe("Alpaca's refusals of the new kinds", () => {
  it("a bracket's exits must sit a cent beyond the base price: 422 {code: 42210000, message, base_price}", async () => {
    const tp = await raw('/v2/orders', {
      method: 'POST',
      body: {
        symbol: 'AAPL',
        side: 'buy',
        type: 'limit',
        limit_price: '200',
        qty: '1',
        time_in_force: 'gtc',
        order_class: 'bracket',
        take_profit: { limit_price: '200.005' },
        stop_loss: { stop_price: '190' },
      },
    });
    expect(tp).toEqual({ status: 422, body: { code: 42210000, message: 'take_profit.limit_price must be >= base_price + 0.01', base_price: '200' } });
    // a market entry's base price is the ask for a buy, the bid for a sell
    const sl = await rejection(broker.submitOrder(order({ type: 'market', limit_price: null, stop_loss: { stop_price: 200.095, limit_price: null } })));
    expect(sl).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 422, alpacaCode: 42210000, reason: 'invalid' } });
    expect(sl.message).toContain('stop_loss.stop_price must be <= base_price - 0.01');
    const short = await rejection(
      broker.submitOrder(
        order({ side: 'sell', type: 'market', limit_price: null, take_profit: { limit_price: 199.895 }, stop_loss: { stop_price: 210, limit_price: null } }),
      ),
    );
    expect(short.message).toContain('take_profit.limit_price must be <= base_price - 0.01');
    expect(fake.submittedOrders).toHaveLength(0);
  });

  it('a bracket without its stop, an OTO with both exits, a trailing stop without a trail, an OCO that is not a limit: 422, nothing accepted', async () => {
    const cases: Array<[Partial<OrderSubmission>, string]> = [
      [{ stop_loss: null }, 'bracket orders require take_profit.limit_price and stop_loss.stop_price'],
      [{ order_class: 'oto' }, 'oto orders require one of take_profit or stop_loss'],
      [{ order_class: 'simple', type: 'trailing_stop', limit_price: null, take_profit: null, stop_loss: null }, 'trail_price or trail_percent is required'],
      [{ order_class: 'oco', side: 'sell', type: 'market', limit_price: null }, 'oco orders must be limit orders'],
    ];
    for (const [patch, message] of cases) {
      const err = await rejection(broker.submitOrder(order(patch)));
      expect([err.code, err.details.status, err.message.includes(message)]).toEqual(['BROKER_REJECTED', 422, true]);
      expect(err.details.alpacaCode).toBe(40010001);
    }
    expect(fake.submittedOrders).toHaveLength(0);
  });
});

describe('exits and fills', () => {
  it('a bracket entry that fills releases the take-profit (new) and keeps the stop held; the take-profit filling cancels the stop', async () => {
    const placed = await broker.submitOrder(order({}));
    const [tp, sl] = fake.exitsOf(placed.id);
    expect(() => fake.fill(tp!.id)).toThrow(/held until its entry/);
    fake.fill(placed.id);
    expect((await broker.getOrder(placed.id))!).toMatchObject({ status: 'filled', filledQty: 10, filledAvgPrice: 200 });
    expect((await broker.getOrder(placed.id))!.exits!.map((e) => e.status)).toEqual(['new', 'held']);
    fake.fill(tp!.id);
    const after = (await broker.getOrder(placed.id))!.exits!;
    expect(after.map((e) => [e.status, e.filledQty, e.filledAvgPrice])).toEqual([
      ['filled', 10, 210],
      ['canceled', 0, null],
    ]);
    expect(sl!.canceled_at).toBeTruthy();
  });

  it('fills in parts at the given price, and nextOrderStatus "filled" fills a bracket entry at once', async () => {
    const placed = await broker.submitOrder(order({ order_class: 'simple', take_profit: null, stop_loss: null }));
    fake.fill(placed.id, { qty: 4, price: 199 });
    expect(await broker.getOrder(placed.id)).toMatchObject({ status: 'partially_filled', filledQty: 4, filledAvgPrice: 199 });
    fake.fill(placed.id, { price: 200 });
    expect(await broker.getOrder(placed.id)).toMatchObject({ status: 'filled', filledQty: 10, filledAvgPrice: 199.6 });
    fake.nextOrderStatus = 'filled';
    const bracket = await broker.submitOrder(order({}));
    expect(bracket.status).toBe('filled');
    expect(bracket.exits!.map((e) => e.status)).toEqual(['new', 'held']);
  });

  it('an OCO is its take-profit limit with the stop as its one leg; the stop filling cancels the limit', async () => {
    const oco = await broker.submitOrder(
      order({ side: 'sell', order_class: 'oco', limit_price: null, take_profit: { limit_price: 215 }, stop_loss: { stop_price: 185, limit_price: 184 } }),
    );
    expect(oco).toMatchObject({ orderClass: 'oco', type: 'limit', limitPrice: 215, side: 'sell', status: 'new' });
    expect(oco.exits!.map((e) => [e.type, e.side, e.stopPrice, e.limitPrice, e.status])).toEqual([['stop_limit', 'sell', 185, 184, 'held']]);
    fake.fill(oco.exits![0]!.id);
    expect(await broker.getOrder(oco.id)).toMatchObject({ status: 'canceled' });
  });

  it('cancelling a bracket entry cancels its exits; cancelling one exit cancels its sibling', async () => {
    const a = await broker.submitOrder(order({}));
    await broker.cancelOrder(a.id);
    expect((await broker.getOrder(a.id))!.exits!.map((e) => e.status)).toEqual(['canceled', 'canceled']);
    const b = await broker.submitOrder(order({}));
    fake.fill(b.id);
    await broker.cancelOrder(b.exits![1]!.id);
    expect((await broker.getOrder(b.id))!.exits!.map((e) => e.status)).toEqual(['canceled', 'canceled']);
  });
});

describe('listings and replacing an exit', () => {
  it('nested=true lists exits under their parent only; without it each exit is an order of its own and the parent has legs null', async () => {
    const placed = await broker.submitOrder(order({}));
    const listed = await broker.listOrders({ status: 'open' });
    expect(listed.map((o) => [o.id, o.exits?.length ?? 0])).toEqual([[placed.id, 2]]);
    type Row = { id: string; legs: unknown[] | null };
    const flat = (await raw('/v2/orders?status=open')).body as Row[];
    expect(new Map(flat.map((o) => [o.id, o.legs]))).toEqual(
      new Map([
        [placed.id, null],
        [placed.exits![0]!.id, null],
        [placed.exits![1]!.id, null],
      ]),
    );
    expect(((await raw(`/v2/orders/${placed.id}`)).body as Row).legs).toBeNull();
    expect(((await raw(`/v2/orders/${placed.id}?nested=true`)).body as Row).legs).toHaveLength(2);
  });

  it('moving the stop: PATCH the stop exit, and the parent carries the replacement in its place', async () => {
    const placed = await broker.submitOrder(order({}));
    fake.fill(placed.id);
    const stop = placed.exits![1]!;
    const moved = await broker.replaceOrder(stop.id, { stop_price: 195, client_order_id: 'stop-r1' });
    expect(moved).toMatchObject({ replaces: stop.id, stopPrice: 195, status: 'held', orderClass: 'bracket', side: 'sell' });
    const exits = (await broker.getOrder(placed.id))!.exits!;
    expect(exits.map((e) => [e.id, e.stopPrice])).toEqual([
      [placed.exits![0]!.id, null],
      [moved.id, 195],
    ]);
    expect(await broker.getOrder(stop.id)).toMatchObject({ status: 'replaced', replacedBy: moved.id });
    const wrongField = await rejection(broker.replaceOrder(moved.id, { limit_price: 194, client_order_id: 'stop-r2' }));
    expect(wrongField).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 422, alpacaCode: 40010001, reason: 'invalid' } });
    expect(wrongField.message).toContain('stop orders must not have limit_price');
  });
});
