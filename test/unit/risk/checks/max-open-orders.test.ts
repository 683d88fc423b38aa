import { describe, expect, it } from 'vitest';
import { maxOpenOrdersCheck } from '../../../../src/risk/checks/max-open-orders.js';
import { openOrder } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const open = (n: number, status: 'new' | 'canceled' = 'new') => ({
  input: { openOrders: Array.from({ length: n }, () => openOrder({ symbol: 'MSFT', side: 'buy', status })) },
});

describe('max_open_orders', () => {
  it('counts this order with those open', () => {
    expect(runCheck(maxOpenOrdersCheck)).toEqual({ passed: true, limit: 10, actual: 1, message: '1 open orders with this one, within 10' });
    expect(runCheck(maxOpenOrdersCheck, open(9))).toEqual({ passed: true, limit: 10, actual: 10, message: '10 open orders with this one, within 10' });
  });

  it('refuses the order that would exceed the limit', () => {
    expect(runCheck(maxOpenOrdersCheck, open(10))).toEqual({
      passed: false,
      limit: 10,
      actual: 11,
      message: '10 orders already open; this one would make 11, above 10',
    });
  });

  it('ignores orders the broker no longer works', () => {
    expect(runCheck(maxOpenOrdersCheck, open(10, 'canceled'))).toMatchObject({ passed: true, actual: 1 });
  });

  it('counts a replace in the place of the order it replaces', () => {
    const full = open(10);
    const replaces = full.input.openOrders[0]!;
    expect(runCheck(maxOpenOrdersCheck, { input: { ...full.input, action: { kind: 'replace', replaces } } })).toEqual({
      passed: true,
      limit: 10,
      actual: 10,
      message: '10 open orders with this one, within 10',
    });
  });
});
