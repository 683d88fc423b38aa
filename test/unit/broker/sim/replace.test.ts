/** replaceOrder on the sim, Alpaca's way: a new order replaces the old one, which ends `replaced`; the reservation moves; closed orders are refused with 42210000. */
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../support/errors.js';
import { closeAll, MINUTE, OPEN, openSim, order, writePath } from './fixtures.js';

const T0 = Date.parse(OPEN);
afterAll(closeAll);

describe('replaceOrder', () => {
  it('replaces an open limit with a new order: new id and client_order_id, the chain linked both ways, the reservation moved', async () => {
    const s = await openSim();
    const old = await s.broker.submitOrder(order({ qty: 10, type: 'limit', limit_price: 100, client_order_id: 'first' }));
    expect((await s.broker.getAccount()).buyingPower).toBe(100_000 - 1_000);
    const next = await s.broker.replaceOrder(old.id, { qty: 6, limit_price: 120, client_order_id: 'second' });
    expect(next).toMatchObject({ clientOrderId: 'second', replaces: old.id, replacedBy: null, status: 'new', qty: 6, limitPrice: 120, type: 'limit' });
    expect(next.id).not.toBe(old.id);
    expect(await s.broker.getOrder(old.id)).toMatchObject({ status: 'replaced', replacedBy: next.id });
    expect((await s.broker.getAccount()).buyingPower).toBe(100_000 - 720);
    expect((await s.broker.listOrders({ status: 'open' })).map((o) => o.id)).toEqual([next.id]);
    expect((await s.broker.getOrderByClientId('second'))!.id).toBe(next.id);
  });

  it('refuses a filled, canceled or already replaced order with 422 / 42210000, an unknown id with NOT_FOUND, a reused client_order_id', async () => {
    const s = await openSim();
    const filled = await s.broker.submitOrder(order({ qty: 1 }));
    const refused = await rejection(s.broker.replaceOrder(filled.id, { qty: 2, client_order_id: 'r1' }));
    expect(refused).toMatchObject({
      code: 'BROKER_REJECTED',
      details: { status: 422, reason: 'not_replaceable', alpacaCode: 42210000, orderStatus: 'filled' },
    });
    const resting = await s.broker.submitOrder(order({ qty: 1, type: 'limit', limit_price: 50 }));
    const next = await s.broker.replaceOrder(resting.id, { limit_price: 51, client_order_id: 'r2' });
    expect((await rejection(s.broker.replaceOrder(resting.id, { limit_price: 52, client_order_id: 'r3' }))).details).toMatchObject({
      reason: 'not_replaceable',
      alpacaCode: 42210000,
      orderStatus: 'replaced',
    });
    expect((await rejection(s.broker.replaceOrder(next.id, { limit_price: 52, client_order_id: 'r2' }))).details.reason).toBe('duplicate_client_order_id');
    await s.broker.cancelOrder(next.id);
    expect((await rejection(s.broker.replaceOrder(next.id, { limit_price: 53, client_order_id: 'r4' }))).details.orderStatus).toBe('canceled');
    expect((await rejection(s.broker.replaceOrder('nope', { qty: 1, client_order_id: 'r5' }))).code).toBe('NOT_FOUND');
  });

  it('refuses a change the order cannot take, and leaves the order as it was when the replacement is refused', async () => {
    const s = await openSim(OPEN, { cash: 10_000 });
    const resting = await s.broker.submitOrder(order({ qty: 10, type: 'limit', limit_price: 100 }));
    const invalid = async (change: Parameters<typeof s.broker.replaceOrder>[1]) => (await rejection(s.broker.replaceOrder(resting.id, change))).details;
    expect(await invalid({ stop_price: 90, client_order_id: 'x1' })).toMatchObject({ status: 422, reason: 'invalid' });
    expect(await invalid({ trail: 1, client_order_id: 'x2' })).toMatchObject({ reason: 'invalid' });
    expect(await invalid({ qty: 0, client_order_id: 'x3' })).toMatchObject({ reason: 'invalid' });
    expect(await invalid({ time_in_force: 'opg', client_order_id: 'x3b' })).toMatchObject({ reason: 'invalid' });
    const poor = await rejection(s.broker.replaceOrder(resting.id, { qty: 200, client_order_id: 'x4' }));
    expect(poor).toMatchObject({ code: 'BROKER_REJECTED', message: 'insufficient buying power' });
    expect(await s.broker.getOrder(resting.id)).toMatchObject({ status: 'new', replacedBy: null });
    expect(await s.broker.getOrderByClientId('x4')).toBeNull();
    expect((await s.broker.getAccount()).buyingPower).toBe(10_000 - 1_000);
  });

  it('a trailing stop takes a new trail: the water mark carries over, the stop is set from it', async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZR', T0, [100, 101, 103, 102]);
    s.at(T0 + 30_000);
    await s.broker.submitOrder(order({ symbol: 'ZR', qty: 5 }));
    const trailing = await s.broker.submitOrder(order({ symbol: 'ZR', side: 'sell', qty: 5, type: 'trailing_stop', trail_price: 2 }));
    s.at(T0 + 3 * MINUTE + 30_000);
    expect(await s.broker.getOrder(trailing.id)).toMatchObject({ hwm: 103, stopPrice: 101 });
    const tighter = await s.broker.replaceOrder(trailing.id, { trail: 0.5, client_order_id: 'trail-2' });
    expect(tighter).toMatchObject({ status: 'new', hwm: 103, trailPrice: 0.5, stopPrice: 102.5, replaces: trailing.id });
    expect((await rejection(s.broker.replaceOrder(tighter.id, { stop_price: 99, client_order_id: 'trail-3' }))).details.reason).toBe('invalid');
  });

  it('an exit: a held take-profit is replaced in place among its parent exits; its qty cannot change; moved to the market it fills and cancels the stop', async () => {
    const s = await openSim();
    const entry = await s.broker.submitOrder(
      order({
        qty: 10,
        type: 'limit',
        limit_price: 150,
        order_class: 'bracket',
        take_profit: { limit_price: 400 },
        stop_loss: { stop_price: 100, limit_price: null },
      }),
    );
    const [tp] = entry.exits!;
    expect(tp!.status).toBe('held');
    const heldTp = await s.broker.replaceOrder(tp!.id, { limit_price: 390, client_order_id: 'tp-2' });
    expect(heldTp).toMatchObject({ status: 'held', limitPrice: 390, replaces: tp!.id });
    expect((await s.broker.getOrder(entry.id))!.exits!.map((e) => [e.id, e.status])).toEqual([
      [(await s.broker.getOrderByClientId(entry.exits![1]!.clientOrderId))!.id, 'held'],
      [heldTp.id, 'held'],
    ]);
    expect((await rejection(s.broker.replaceOrder(heldTp.id, { qty: 5, client_order_id: 'tp-3' }))).details.reason).toBe('invalid');
    // the entry limit moved to the market fills it; then the take-profit moved under the bid fills at once
    const filledEntry = await s.broker.replaceOrder(entry.id, { limit_price: 300, client_order_id: 'entry-2' });
    expect(filledEntry.status).toBe('filled');
    expect(filledEntry.exits!.map((e) => e.status)).toEqual(['new', 'new']);
    const exitNow = await s.broker.replaceOrder(heldTp.id, { limit_price: 150, client_order_id: 'tp-4' });
    expect(exitNow.status).toBe('filled');
    expect((await s.broker.getOrder(filledEntry.id))!.exits!.map((e) => [e.type, e.status])).toEqual([
      ['stop', 'canceled'],
      ['limit', 'filled'],
    ]);
    expect(await s.broker.getPositions()).toEqual([]);
  });

  it("an OCO's own order replaced: the stop-loss follows the new order, and still cancels it when it fills", async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZO', T0, [100, 99, 97.5, 96]);
    s.at(T0 + 30_000);
    await s.broker.submitOrder(order({ symbol: 'ZO', qty: 10 }));
    const oco = await s.broker.submitOrder(
      order({
        symbol: 'ZO',
        side: 'sell',
        qty: 10,
        type: 'limit',
        order_class: 'oco',
        take_profit: { limit_price: 104 },
        stop_loss: { stop_price: 98, limit_price: null },
      }),
    );
    const stopId = oco.exits![0]!.id;
    expect((await rejection(s.broker.replaceOrder(oco.id, { limit_price: 97, client_order_id: 'oco-bad' }))).message).toMatch(/above stop_loss.stop_price/);
    const next = await s.broker.replaceOrder(oco.id, { limit_price: 102, client_order_id: 'oco-2' });
    expect(next).toMatchObject({ orderClass: 'oco', limitPrice: 102, status: 'new', replaces: oco.id });
    expect(next.exits!.map((e) => e.id)).toEqual([stopId]);
    expect((await s.broker.getOrder(oco.id))!.exits).toEqual([]);
    s.at(T0 + 3 * MINUTE);
    expect([(await s.broker.getOrder(next.id))!.status, (await s.broker.getOrder(stopId))!.status]).toEqual(['canceled', 'filled']);
  });

  it('an entry replaced so its exits would no longer bracket it is refused by the order rules', async () => {
    const s = await openSim();
    const entry = await s.broker.submitOrder(
      order({
        qty: 10,
        type: 'limit',
        limit_price: 150,
        order_class: 'bracket',
        take_profit: { limit_price: 160 },
        stop_loss: { stop_price: 140, limit_price: null },
      }),
    );
    const refused = await rejection(s.broker.replaceOrder(entry.id, { limit_price: 165, client_order_id: 'e-2' }));
    expect(refused.details.reason).toBe('invalid');
    expect(refused.message).toMatch(/take_profit.limit_price must be at least \$0.01 above/);
    expect((await s.broker.getOrder(entry.id))!.status).toBe('new');
  });
});
