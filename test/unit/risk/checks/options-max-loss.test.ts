import { describe, expect, it } from 'vitest';
import { optionsMaxLossCheck } from '../../../../src/risk/checks/options-max-loss.js';
import { creditSpreadInput, occ, position } from '../fixtures.js';
import { leg, mlegInput, optionInput, runCheck } from '../check-context.js';

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
    expect(runCheck(optionsMaxLossCheck).message).toBe('not applicable: not an options order');
  });

  it('takes a long option at its premium and a cash-secured put at strike less premium', () => {
    expect(runCheck(optionsMaxLossCheck, { input: optionInput({ qty: 2, limit: 1.1 }) })).toEqual({
      passed: true,
      limit: 1000,
      actual: 220,
      message: 'max loss at expiry is the premium 1.1 × 100 × 2 = $220.00, within $1,000.00',
    });
    const put = optionInput({ side: 'sell', qty: 1, limit: 1.1, symbol: occ('2026-04-09', 'P', 9) });
    expect(runCheck(optionsMaxLossCheck, { input: put })).toEqual({
      passed: true,
      limit: 1000,
      actual: 790,
      message: 'max loss at expiry (strike 9 − premium 1.1) × 100 × 1 = $790.00 (the underlying at 0), within $1,000.00',
    });
    expect(runCheck(optionsMaxLossCheck, { input: optionInput({ side: 'sell', symbol: occ('2026-04-09', 'P', 100) }) })).toMatchObject({
      passed: false,
      actual: 19_780,
    });
  });

  it('adds nothing for a covered call or a close, and refuses a naked call as unbounded', () => {
    const sellCall = optionInput({ side: 'sell', qty: 1 });
    expect(runCheck(optionsMaxLossCheck, { input: { ...sellCall, positions: [position('SPY', 100)] } })).toMatchObject({ passed: true, actual: 0 });
    expect(runCheck(optionsMaxLossCheck, { input: { ...sellCall, positions: [position(occ('2026-04-09', 'C', 100), 1, 1.1)] } })).toEqual({
      passed: true,
      limit: 1000,
      actual: 0,
      message: 'closes an option position: no new loss at expiry',
    });
    expect(runCheck(optionsMaxLossCheck, { input: sellCall })).toEqual({
      passed: false,
      limit: 1000,
      actual: 'unbounded',
      message: 'a naked short call: the loss grows without bound as the underlying rises',
    });
  });
});
