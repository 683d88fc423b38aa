import { describe, expect, it } from 'vitest';
import { exitOrdersCheck } from '../../../../src/risk/checks/exit-orders.js';
import type { OrderInput } from '../../../../src/orders/order.js';
import { order, position } from '../fixtures.js';
import { runCheck } from '../check-context.js';

// The baseline AAPL quote is 99.99 / 100.01 (mid 100).
const bracket = (over: Partial<OrderInput> = {}) => ({
  input: {
    order: order({
      symbol: 'AAPL',
      side: 'buy',
      qty: 10,
      type: 'market',
      order_class: 'bracket',
      take_profit: { limit_price: 110 },
      stop_loss: { stop_price: 95 },
      ...over,
    } as OrderInput),
  },
});
const oco = (stop: number, tp: number) => ({
  input: {
    order: order({
      symbol: 'AAPL',
      side: 'sell',
      qty: 10,
      type: 'limit',
      order_class: 'oco',
      take_profit: { limit_price: tp },
      stop_loss: { stop_price: stop },
    }),
    positions: [position('AAPL', 10)],
  },
});

describe('exit_orders', () => {
  it('bounds a market-entry buy bracket by its stop from the ask it pays', () => {
    expect(runCheck(exitOrdersCheck, bracket())).toEqual({
      passed: true,
      limit: 'stop < price < take_profit',
      actual: 50.1,
      message:
        'max loss $50.10: 5.01 from the entry 100.01 to stop 95 × 10; take profit 110; a stop exits at the market once triggered (a gap can fill it below the stop)',
    });
  });

  it('refuses a market-entry bracket whose exits do not straddle the price', () => {
    expect(runCheck(exitOrdersCheck, bracket({ stop_loss: { stop_price: 100.5 }, take_profit: { limit_price: 101 } }))).toEqual({
      passed: false,
      limit: 'stop < price < take_profit',
      actual: 100,
      message:
        "a market-entry bracket's exits must straddle the current price 100 (stop < price < take_profit): stop_loss 100.5 is not below it; Alpaca refuses it too",
    });
    const short = bracket({ side: 'sell', take_profit: { limit_price: 100.5 }, stop_loss: { stop_price: 105 } });
    expect(runCheck(exitOrdersCheck, short)).toMatchObject({
      passed: false,
      limit: 'take_profit < price < stop',
      message: expect.stringContaining('take_profit 100.5 is not below it'),
    });
  });

  it('bounds a short bracket by its stop above the bid it sells at', () => {
    const short = bracket({ side: 'sell', take_profit: { limit_price: 90 }, stop_loss: { stop_price: 105 } });
    expect(runCheck(exitOrdersCheck, short)).toMatchObject({
      passed: true,
      actual: 50.1,
      message: expect.stringContaining('5.01 from the entry 99.99 to stop 105 × 10'),
    });
  });

  it('measures a stop-limit exit at its limit and says it may not fill in a gap; a limit entry needs no straddle', () => {
    const r = runCheck(exitOrdersCheck, bracket({ type: 'limit', limit_price: 100, stop_loss: { stop_price: 95, limit_price: 94 } }));
    expect(r).toEqual({
      passed: true,
      limit: null,
      actual: 60,
      message:
        'max loss $60.00: 6 from the entry 100 to stop 95 / limit 94 × 10; take profit 110; a stop-limit exit may not fill in a gap through 94, and the position then stays open without a stop',
    });
  });

  it('says an OTO without a stop does not bound its loss', () => {
    const oto = bracket({ order_class: 'oto', stop_loss: undefined });
    expect(runCheck(exitOrdersCheck, oto)).toEqual({
      passed: true,
      limit: 'stop < price < take_profit',
      actual: null,
      message: 'no stop_loss: the order does not bound its loss; take profit 110',
    });
  });

  it('checks an OCO (exits of a long) against the current price', () => {
    expect(runCheck(exitOrdersCheck, oco(95, 110))).toMatchObject({
      passed: true,
      actual: 50,
      message: expect.stringContaining('the stop gives up at most $50.00: 5 from the current price 100 to stop 95 × 10'),
    });
    expect(runCheck(exitOrdersCheck, oco(95, 99))).toMatchObject({ passed: false, message: expect.stringContaining('take_profit 99 is not above it') });
    expect(runCheck(exitOrdersCheck, { input: { ...oco(95, 110).input, quotes: {} } })).toEqual({
      passed: false,
      limit: 'stop < price < take_profit',
      actual: null,
      message: 'no usable quote to check the oco exits against',
    });
  });

  it('does not apply to a simple order', () => {
    expect(runCheck(exitOrdersCheck).message).toBe('not applicable: no exit orders');
  });
});
