/** Bracket, OCO and OTO orders on the sim's tape: exits held until the entry fills, then live; one exit filling cancels the other. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerOrder, ExitOrder } from '../../../../src/broker/types.js';
import { rejection } from '../../../support/errors.js';
import { closeAll, MINUTE, OPEN, openSim, order, type PathBar, round2, type Sim, writePath } from './fixtures.js';

const T0 = Date.parse(OPEN);
afterAll(closeAll);

const exitsOf = async (s: Sim, id: string): Promise<ExitOrder[]> => (await s.broker.getOrder(id))!.exits!;
const role = (exits: ExitOrder[], type: 'limit' | 'stop') => exits.find((e) => (type === 'limit' ? e.type === 'limit' : e.type !== 'limit'))!;

function bracket(symbol: string, tp: number, sl: number, patch: Parameters<typeof order>[0] = {}) {
  return order({ symbol, qty: 10, order_class: 'bracket', take_profit: { limit_price: tp }, stop_loss: { stop_price: sl, limit_price: null }, ...patch });
}

describe('bracket orders', () => {
  let sim: Sim;
  let n = 0;
  beforeAll(async () => {
    sim = await openSim(OPEN, { cash: 10_000_000 });
  });

  const bar = fc
    .record({ mid: fc.integer({ min: -12, max: 12 }), up: fc.nat(3), down: fc.nat(3), flat: fc.boolean() })
    .map(({ mid, up, down, flat }): PathBar => {
      const c = 100 + mid / 4;
      return flat ? { o: c, h: c, l: c, c } : { o: c, h: c + up / 4, l: c - down / 4, c };
    });

  it('over random paths, once one exit fills the other is canceled: never both open, never both filled, the first one reached wins', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(bar, { minLength: 2, maxLength: 16 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 16, maxLength: 16 }),
        async (up, down, path, jumps) => {
          n += 1;
          const symbol = `ZB${String.fromCharCode(65 + (Math.floor(n / 26) % 26))}${String.fromCharCode(65 + (n % 26))}`;
          writePath(sim.dataDir, symbol, T0, [100, ...path]);
          sim.at(T0 + 30_000);
          const tp = 100 + up / 4;
          const sl = 100 - down / 4;
          const entry = await sim.broker.submitOrder(bracket(symbol, tp, sl));
          expect(entry.status).toBe('filled');
          expect(entry.exits!.map((e) => [e.status, e.side, e.qty])).toEqual([
            ['new', 'sell', 10],
            ['new', 'sell', 10],
          ]);
          // the model: the first bar whose high reaches the take-profit or whose low reaches the stop (on one bar, the stop)
          const hit = path.findIndex((b) => b.l <= sl || b.h >= tp);
          const winner = hit < 0 ? null : path[hit]!.l <= sl ? 'stop' : 'limit';
          let minute = 0;
          for (const jump of jumps) {
            minute = Math.min(minute + jump, path.length + 1);
            sim.at(T0 + minute * MINUTE + 30_000);
            const exits = await exitsOf(sim, entry.id);
            const states = exits.map((e) => e.status).sort();
            expect(states.filter((x) => x === 'filled').length).toBeLessThanOrEqual(1);
            if (states.includes('filled')) expect(states).toEqual(['canceled', 'filled']);
            else expect(states).toEqual(['new', 'new']);
            const reached = hit >= 0 && minute >= hit + 1;
            expect(states.includes('filled')).toBe(reached);
            if (reached) expect(role(exits, winner as 'limit' | 'stop').status).toBe('filled');
            if (minute > path.length) break;
          }
          const held = (await sim.broker.getPositions()).find((p) => p.symbol === symbol)?.qty ?? 0;
          expect(held).toBe(hit >= 0 ? 0 : 10);
          if (hit < 0) await sim.broker.cancelOrder((await exitsOf(sim, entry.id))[0]!.id);
          expect((await exitsOf(sim, entry.id)).every((e) => e.status !== 'new')).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('across one sweep of several minutes the exit the tape reaches first fills, whatever the order of the rows', async () => {
    const s = await openSim();
    // the stop (97) is reached at minute 2, the take-profit (103) at minute 4; the clock jumps past both at once
    writePath(s.dataDir, 'ZC', T0, [100, 99, 97, 100, 103, 104]);
    s.at(T0 + 30_000);
    const entry = await s.broker.submitOrder(bracket('ZC', 103, 97));
    s.at(T0 + 6 * MINUTE);
    const exits = await exitsOf(s, entry.id);
    expect(role(exits, 'stop')).toMatchObject({ status: 'filled', filledAt: new Date(T0 + 3 * MINUTE - 1).toISOString() });
    expect(role(exits, 'limit').status).toBe('canceled');
    expect(await s.broker.getPositions()).toEqual([]);
  });

  it('one bar through both exits fills the stop-loss, the fill the trader likes least', async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZD', T0, [100, { o: 100, h: 104, l: 96, c: 100 }]);
    s.at(T0 + 30_000);
    const entry = await s.broker.submitOrder(bracket('ZD', 103, 97));
    s.at(T0 + 2 * MINUTE);
    const exits = await exitsOf(s, entry.id);
    expect([role(exits, 'stop').status, role(exits, 'limit').status]).toEqual(['filled', 'canceled']);
  });

  it('a resting entry holds its exits (the tape reaching the take-profit fills nothing), and canceling the entry cancels them', async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZE', T0, [100, 101, 102, 104, 105]);
    s.at(T0 + 30_000);
    const placed = await s.broker.submitOrder(bracket('ZE', 103, 97, { type: 'limit', limit_price: 99 }));
    expect(placed.status).toBe('new');
    expect(placed.exits!.map((e) => [e.type, e.status, e.limitPrice, e.stopPrice])).toEqual([
      ['limit', 'held', 103, null],
      ['stop', 'held', null, 97],
    ]);
    expect((await s.broker.getAccount()).buyingPower).toBeCloseTo(100_000 - 10 * 99, 2); // the entry reserves; its exits nothing
    s.at(T0 + 5 * MINUTE);
    expect((await exitsOf(s, placed.id)).map((e) => e.status)).toEqual(['held', 'held']);
    await s.broker.cancelOrder(placed.id);
    const after = (await s.broker.getOrder(placed.id))!;
    expect([after.status, ...after.exits!.map((e) => e.status)]).toEqual(['canceled', 'canceled', 'canceled']);
    expect((await s.broker.getAccount()).buyingPower).toBe(100_000);
  });

  it('canceling a held exit of a resting entry cancels the whole bracket: no entry is left without its exits', async () => {
    const s = await openSim();
    const placed = await s.broker.submitOrder(bracket('AAPL', 400, 50, { type: 'limit', limit_price: 60 }));
    await s.broker.cancelOrder(placed.exits![1]!.id);
    const after = (await s.broker.getOrder(placed.id))!;
    expect([after.status, ...after.exits!.map((e) => e.status)]).toEqual(['canceled', 'canceled', 'canceled']);
    expect(await s.broker.listOrders({ status: 'open' })).toEqual([]);
  });

  it('a stop-limit stop-loss, listed open on its own, and exits that expire with a day order at the close', async () => {
    const s = await openSim();
    const entry = await s.broker.submitOrder(
      order({ qty: 4, time_in_force: 'day', order_class: 'bracket', take_profit: { limit_price: 400 }, stop_loss: { stop_price: 50, limit_price: 49 } }),
    );
    expect(entry.status).toBe('filled');
    const open = await s.broker.listOrders({ status: 'open' });
    expect(open.map((o) => [o.type, o.qty, o.status]).sort()).toEqual([
      ['limit', 4, 'new'],
      ['stop_limit', 4, 'new'],
    ]);
    s.at(Date.parse('2025-06-03T20:30:00Z'));
    expect((await exitsOf(s, entry.id)).map((e) => e.status)).toEqual(['expired', 'expired']);
    expect((await s.broker.getPositions())[0]!.qty).toBe(4);
  });

  it('refuses a sell bracket or OTO (it would open a short in a cash account) and a buy OCO', async () => {
    const s = await openSim();
    await s.broker.submitOrder(order({ qty: 10 }));
    const short = await rejection(s.broker.submitOrder(bracket('AAPL', 150, 250, { side: 'sell' })));
    expect(short).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 403, reason: 'no_shorting' } });
    const oco = await rejection(
      s.broker.submitOrder(
        order({ side: 'buy', type: 'limit', order_class: 'oco', take_profit: { limit_price: 150 }, stop_loss: { stop_price: 250, limit_price: null } }),
      ),
    );
    expect(oco.details).toMatchObject({ status: 403, reason: 'no_shorting' });
  });
});

describe('OCO and OTO orders', () => {
  it('OCO: both exits of a held position live at once, the shares promised once; the stop fills and the take-profit is canceled', async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZF', T0, [100, 99, 98, 96.5, 95]);
    s.at(T0 + 30_000);
    await s.broker.submitOrder(order({ symbol: 'ZF', qty: 20 }));
    const oco: BrokerOrder = await s.broker.submitOrder(
      order({
        symbol: 'ZF',
        side: 'sell',
        qty: 10,
        type: 'limit',
        order_class: 'oco',
        take_profit: { limit_price: 103 },
        stop_loss: { stop_price: 97, limit_price: null },
      }),
    );
    expect(oco).toMatchObject({ status: 'new', orderClass: 'oco', type: 'limit', limitPrice: 103 });
    expect(oco.exits!.map((e) => [e.type, e.status, e.stopPrice, e.side, e.qty])).toEqual([['stop', 'new', 97, 'sell', 10]]);
    // 20 held, the OCO promises 10 (not 20): 10 more may be sold, 11 may not
    expect((await rejection(s.broker.submitOrder(order({ symbol: 'ZF', side: 'sell', qty: 11, type: 'limit', limit_price: 500 })))).message).toMatch(
      /available: 10/,
    );
    s.at(T0 + 4 * MINUTE + 30_000);
    const after = (await s.broker.getOrder(oco.id))!;
    expect(after.status).toBe('canceled');
    expect(after.exits![0]).toMatchObject({ status: 'filled', filledAt: new Date(T0 + 4 * MINUTE - 1).toISOString() });
    expect(after.exits![0]!.filledAvgPrice).toBeCloseTo(96.5 - 0.02, 2);
    expect((await s.broker.getPositions())[0]!.qty).toBe(10);
  });

  it('OCO: the take-profit fills and the stop is canceled; canceling a live OCO cancels both', async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZG', T0, [100, 101, 102, 103.5]);
    s.at(T0 + 30_000);
    await s.broker.submitOrder(order({ symbol: 'ZG', qty: 20 }));
    const ocoOf = (tp: number) =>
      order({
        symbol: 'ZG',
        side: 'sell',
        qty: 10,
        type: 'limit',
        order_class: 'oco',
        take_profit: { limit_price: tp },
        stop_loss: { stop_price: 90, limit_price: null },
      });
    const a = await s.broker.submitOrder(ocoOf(103));
    const b = await s.broker.submitOrder(ocoOf(150));
    await s.broker.cancelOrder(b.exits![0]!.id);
    const bAfter = (await s.broker.getOrder(b.id))!;
    expect([bAfter.status, bAfter.exits![0]!.status]).toEqual(['canceled', 'canceled']);
    s.at(T0 + 4 * MINUTE);
    const aAfter = (await s.broker.getOrder(a.id))!;
    // the tape gaps from 102 to 103.5: a sell limit at 103 fills at the better price printed
    expect([aAfter.status, aAfter.filledAvgPrice, aAfter.exits![0]!.status]).toEqual(['filled', 103.5, 'canceled']);
  });

  it('OTO: one exit attaches, held until the entry fills, then live for the qty filled', async () => {
    const s = await openSim();
    writePath(s.dataDir, 'ZH', T0, [100, 99.5, 99, 98, 97, 95]);
    s.at(T0 + 30_000);
    const oto = await s.broker.submitOrder(
      order({ symbol: 'ZH', qty: 7, type: 'limit', limit_price: 99, order_class: 'oto', stop_loss: { stop_price: 96, limit_price: null } }),
    );
    expect(oto.exits!.map((e) => [e.type, e.status, e.side])).toEqual([['stop', 'held', 'sell']]);
    s.at(T0 + 2 * MINUTE + 30_000);
    const entered = (await s.broker.getOrder(oto.id))!;
    expect(entered.status).toBe('filled');
    expect(entered.exits![0]).toMatchObject({ status: 'new', qty: 7 });
    s.at(T0 + 6 * MINUTE);
    expect((await exitsOf(s, oto.id))[0]!.status).toBe('filled');
    expect(await s.broker.getPositions()).toEqual([]);
    expect((await s.broker.getAccount()).cash).toBeCloseTo(100_000 - 7 * 99 + 7 * round2(95 - 0.02), 2);
  });
});
