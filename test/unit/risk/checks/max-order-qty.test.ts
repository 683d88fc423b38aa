import { describe, expect, it } from 'vitest';
import { maxOrderQtyCheck } from '../../../../src/risk/checks/max-order-qty.js';
import { creditSpreadInput, order } from '../fixtures.js';
import { leg, mlegInput, optionInput, runCheck } from '../check-context.js';

const shares = (qty: number) => ({ input: { order: order({ symbol: 'AAPL', side: 'buy', qty, type: 'limit', limit_price: 100 }) } });

describe('max_order_qty', () => {
  it('passes shares at the limit and refuses shares above it', () => {
    expect(runCheck(maxOrderQtyCheck, shares(500))).toEqual({ passed: true, limit: 500, actual: 500, message: '500 shares within 500' });
    expect(runCheck(maxOrderQtyCheck, shares(500.5))).toEqual({ passed: false, limit: 500, actual: 500.5, message: '500.5 shares exceed 500' });
  });

  it('sizes a notional order at the ask, and refuses one it cannot size', () => {
    expect(runCheck(maxOrderQtyCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', notional: 1000, type: 'market' }) } })).toEqual({
      passed: true,
      limit: 500,
      actual: 9.999,
      message: '9.999 shares within 500',
    });
    expect(runCheck(maxOrderQtyCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', notional: 1000, type: 'market' }), quotes: {} } })).toEqual({
      passed: false,
      limit: 500,
      actual: null,
      message: 'cannot size a notional order without a quote',
    });
  });

  it('counts contracts on the largest leg of a multi-leg order (spreads × ratio)', () => {
    expect(runCheck(maxOrderQtyCheck, { input: creditSpreadInput({ qty: 10 }) })).toEqual({
      passed: true,
      limit: 10,
      actual: 10,
      message: '10 contracts on the largest leg, within 10',
    });
    expect(runCheck(maxOrderQtyCheck, { input: creditSpreadInput({ qty: 11 }) })).toEqual({
      passed: false,
      limit: 10,
      actual: 11,
      message: '11 contracts on the largest leg exceed 10',
    });
    const ratio = mlegInput([leg('C', 100, 'buy'), leg('C', 105, 'sell', { ratio: 2 })], { qty: 6 });
    expect(runCheck(maxOrderQtyCheck, { input: ratio })).toMatchObject({ passed: false, actual: 12 });
  });

  it('counts a single-leg option in contracts against the options limit', () => {
    expect(runCheck(maxOrderQtyCheck, { input: optionInput({ qty: 10 }) })).toEqual({ passed: true, limit: 10, actual: 10, message: '10 contracts within 10' });
    expect(runCheck(maxOrderQtyCheck, { input: optionInput({ qty: 11 }) })).toEqual({
      passed: false,
      limit: 10,
      actual: 11,
      message: '11 contracts exceed 10',
    });
  });
});
