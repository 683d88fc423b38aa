import { describe, expect, it } from 'vitest';
import { optionsMaxLossCheck } from '../../../../src/risk/checks/options-max-loss.js';
import { creditSpreadInput } from '../fixtures.js';
import { leg, mlegInput, runCheck } from '../check-context.js';

describe('options_max_loss', () => {
  it('passes a credit spread whose max loss (width − credit) × 100 × qty is within the limit', () => {
    expect(runCheck(optionsMaxLossCheck, { input: creditSpreadInput({ qty: 2, limit: -1.5 }), limits: { maxOptionsLossUsd: 700 } })).toEqual({
      passed: true,
      limit: 700,
      actual: 700,
      message: 'max loss at expiry $700.00 (3.5 per spread × 100 × 2, credit 1.5, worst at 0), within $700.00',
    });
  });

  it('refuses a max loss a cent above the limit', () => {
    expect(runCheck(optionsMaxLossCheck, { input: creditSpreadInput({ qty: 2 }), limits: { maxOptionsLossUsd: 699.99 } })).toEqual({
      passed: false,
      limit: 699.99,
      actual: 700,
      message: 'max loss at expiry $700.00 (3.5 per spread × 100 × 2, credit 1.5, worst at 0), above $699.99',
    });
  });

  it('takes a debit spread at its debit', () => {
    const debit = mlegInput([leg('C', 100, 'buy'), leg('C', 105, 'sell')], { qty: 3, limit: 2 });
    expect(runCheck(optionsMaxLossCheck, { input: debit }).message).toBe(
      'max loss at expiry $600.00 (2 per spread × 100 × 3, debit 2, worst at 0), within $1,000.00',
    );
  });

  it('refuses naked calls as unbounded', () => {
    expect(runCheck(optionsMaxLossCheck, { input: mlegInput([leg('C', 110, 'sell'), leg('P', 95, 'buy')], { limit: -1 }) })).toEqual({
      passed: false,
      limit: 1000,
      actual: 'unbounded',
      message: 'the payoff falls without bound as the underlying rises (naked calls)',
    });
  });

  it('refuses an order it cannot price or read, and does not apply to a simple order', () => {
    expect(runCheck(optionsMaxLossCheck, { input: creditSpreadInput(), facts: { maxLoss: null } })).toEqual({
      passed: false,
      limit: 1000,
      actual: null,
      message: 'cannot price the order (no limit_price and no quote for every leg)',
    });
    expect(runCheck(optionsMaxLossCheck, { input: mlegInput([leg('P', 100, 'sell'), { ...leg('P', 95, 'buy'), symbol: 'junk' }]) }).message).toBe(
      'cannot analyse legs that are not OCC symbols',
    );
    expect(runCheck(optionsMaxLossCheck).message).toBe('not applicable: not a multi-leg order');
  });
});
