import { describe, expect, it } from 'vitest';
import { trailingStopCheck } from '../../../../src/risk/checks/trailing-stop.js';
import { order, position } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const trailing = (side: 'buy' | 'sell', trail: { trail_price?: number; trail_percent?: number }, qty = 10) => ({
  input: { order: order({ symbol: 'AAPL', side, qty, type: 'trailing_stop', ...trail }), positions: [position('AAPL', 10)] },
});

describe('trailing_stop', () => {
  it('reports the worst fill of a sell trailing stop: the bid less the trail', () => {
    expect(runCheck(trailingStopCheck, trailing('sell', { trail_price: 2 }))).toEqual({
      passed: true,
      limit: null,
      actual: 97.99,
      message: 'a sell trailing $2 from bid 99.99: worst case fills at 97.99, giving up $20.00 on 10 shares from now (more in a gap)',
    });
    expect(runCheck(trailingStopCheck, trailing('sell', { trail_percent: 5 })).actual).toBeCloseTo(94.99, 2);
  });

  it('reports what a buy trailing stop may pay: the ask plus the trail', () => {
    expect(runCheck(trailingStopCheck, trailing('buy', { trail_percent: 1 }))).toEqual({
      passed: true,
      limit: null,
      actual: 101.0101,
      message: 'a buy trailing 1% from ask 100.01: worst case pays 101.0101 a share, $1,010.10 for 10 (buying_power is charged on it)',
    });
  });

  it('refuses a sell trail as large as the price, and a trail with no quote to start from', () => {
    expect(runCheck(trailingStopCheck, trailing('sell', { trail_price: 99.99 }))).toEqual({
      passed: false,
      limit: null,
      actual: 0,
      message: 'the $99.99 trail ($99.99) reaches the price (bid 99.99): the stop would sit at or below zero',
    });
    expect(runCheck(trailingStopCheck, { input: { ...trailing('sell', { trail_price: 2 }).input, quotes: {} } })).toEqual({
      passed: false,
      limit: null,
      actual: null,
      message: 'no usable quote to start the $2 trail from',
    });
  });

  it('does not apply to other orders', () => {
    expect(runCheck(trailingStopCheck).message).toBe('not applicable: not a trailing stop');
  });
});
