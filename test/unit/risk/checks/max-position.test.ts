import { describe, expect, it } from 'vitest';
import { maxPositionCheck } from '../../../../src/risk/checks/max-position.js';
import { creditSpreadInput, openOrder, order, position } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

const sell = (qty: number) => order({ symbol: 'AAPL', side: 'sell', qty, type: 'limit', limit_price: 100 });

describe('max_position', () => {
  it('passes a position within 5% of equity after the fill', () => {
    expect(runCheck(maxPositionCheck)).toEqual({
      passed: true,
      limit: 5000,
      actual: 1000,
      message: 'position 0 + open buys 0 → 10 shares ≈ $1,000.00, within 5% of equity ($5,000.00)',
    });
    expect(runCheck(maxPositionCheck, { input: { positions: [position('AAPL', 40)] } })).toMatchObject({ passed: true, actual: 5000 });
  });

  it('counts same-side open orders and refuses above the limit', () => {
    const input = { positions: [position('AAPL', 40)], openOrders: [openOrder({ symbol: 'AAPL', side: 'buy', qty: 1 })] };
    expect(runCheck(maxPositionCheck, { input })).toEqual({
      passed: false,
      limit: 5000,
      actual: 5100,
      message: 'position 40 + open buys 1 → 51 shares ≈ $5,100.00, above 5% of equity ($5,000.00)',
    });
  });

  it('passes an order that reduces an oversized position', () => {
    expect(runCheck(maxPositionCheck, { input: { order: sell(10), positions: [position('AAPL', 100)] } })).toEqual({
      passed: true,
      limit: 5000,
      actual: 9000,
      message: 'position 100 + open sells 0 → 90 shares ≈ $9,000.00: above the limit $5,000.00 but the order reduces the position',
    });
  });

  it('refuses a sale that flips a long into an oversized short', () => {
    expect(runCheck(maxPositionCheck, { input: { order: sell(61), positions: [position('AAPL', 10)] } })).toMatchObject({ passed: false, actual: 5100 });
  });

  it('refuses when it cannot price the position', () => {
    expect(runCheck(maxPositionCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' }), quotes: {} } })).toEqual({
      passed: false,
      limit: 5000,
      actual: null,
      message: 'cannot value the position without a price',
    });
  });

  it('does not apply to a multi-leg order', () => {
    expect(runCheck(maxPositionCheck, { input: creditSpreadInput() })).toEqual({
      passed: true,
      limit: null,
      actual: null,
      message: 'not applicable: options exposure is bounded by options_max_loss',
    });
  });

  it('values an option position at 100 shares a contract', () => {
    expect(runCheck(maxPositionCheck, { input: optionInput({ qty: 2, limit: 1.1 }) })).toEqual({
      passed: true,
      limit: 5000,
      actual: 220,
      message: 'position 0 + open buys 0 → 2 contracts ≈ $220.00, within 5% of equity ($5,000.00)',
    });
    expect(runCheck(maxPositionCheck, { input: optionInput({ qty: 10, limit: 5.01 }) })).toMatchObject({ passed: false, actual: 5010 });
  });
});
