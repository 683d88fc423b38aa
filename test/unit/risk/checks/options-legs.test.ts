import { describe, expect, it } from 'vitest';
import { optionsLegsCheck } from '../../../../src/risk/checks/options-legs.js';
import { creditSpreadInput } from '../fixtures.js';
import { leg, mlegInput, runCheck } from '../check-context.js';

const RULE = '2-4 unique legs, one underlying';
const legsOf = (...legs: Parameters<typeof mlegInput>[0]) => runCheck(optionsLegsCheck, { input: mlegInput(legs) });

describe('options_legs', () => {
  it('passes 2 unique legs on one underlying', () => {
    expect(runCheck(optionsLegsCheck, { input: creditSpreadInput() })).toEqual({ passed: true, limit: RULE, actual: 2, message: '2 unique legs on SPY' });
  });

  it('does not apply to a simple order', () => {
    expect(runCheck(optionsLegsCheck)).toEqual({ passed: true, limit: null, actual: null, message: 'not applicable: not a multi-leg order' });
  });

  it('refuses the same contract twice, too many legs, a non-OCC leg, two underlyings', () => {
    expect(legsOf(leg('P', 100, 'sell'), leg('P', 100, 'buy'))).toEqual({
      passed: false,
      limit: RULE,
      actual: 2,
      message: 'a contract appears in more than one leg',
    });
    expect(legsOf(leg('P', 90, 'buy'), leg('P', 95, 'sell'), leg('C', 105, 'sell'), leg('C', 110, 'buy'), leg('C', 115, 'buy'))).toMatchObject({
      passed: false,
      actual: 5,
      message: '5 legs (2–4 allowed)',
    });
    expect(legsOf(leg('P', 100, 'sell'), { ...leg('P', 95, 'buy'), symbol: 'SPY-PUT-95' }).message).toBe('a leg is not a valid OCC option symbol');
    expect(legsOf(leg('P', 100, 'sell'), leg('P', 95, 'buy', { root: 'QQQ' })).message).toBe('legs on several underlyings (SPY, QQQ)');
  });

  it('refuses a leg whose side and position_intent disagree', () => {
    const mismatched = leg('P', 100, 'sell', { intent: 'buy_to_open' });
    expect(legsOf(mismatched, leg('P', 95, 'buy')).message).toBe(`side and position_intent disagree on ${mismatched.symbol}`);
  });

  it('refuses a fractional number of spreads, and names every problem at once', () => {
    expect(runCheck(optionsLegsCheck, { input: mlegInput([leg('P', 100, 'sell'), leg('P', 95, 'buy')], { qty: 1.5 }) }).message).toBe(
      'qty must be a whole number of spreads',
    );
    expect(runCheck(optionsLegsCheck, { input: mlegInput([leg('P', 100, 'sell')], { qty: 0 }) }).message).toBe(
      '1 legs (2–4 allowed); qty must be a whole number of spreads',
    );
  });
});
