import { describe, expect, it } from 'vitest';
import { optionsDefinedRiskCheck } from '../../../../src/risk/checks/options-defined-risk.js';
import { creditSpreadInput } from '../fixtures.js';
import { leg, mlegInput, runCheck } from '../check-context.js';

const RULE = 'every short covered';
const legsOf = (...legs: Parameters<typeof mlegInput>[0]) => runCheck(optionsDefinedRiskCheck, { input: mlegInput(legs) });

describe('options_defined_risk', () => {
  it('passes a spread whose short leg is covered, and long options alone', () => {
    expect(runCheck(optionsDefinedRiskCheck, { input: creditSpreadInput() })).toEqual({
      passed: true,
      limit: RULE,
      actual: 'covered',
      message: 'every short leg is covered by a long leg of the same type and expiry',
    });
    expect(legsOf(leg('C', 100, 'buy'), leg('P', 95, 'buy')).message).toBe('long options only');
  });

  it('refuses a naked short call beside a long put', () => {
    expect(legsOf(leg('C', 110, 'sell'), leg('P', 95, 'buy'))).toEqual({
      passed: false,
      limit: RULE,
      actual: 'call 2026-04-09',
      message: 'naked short options: 1 short vs 0 long call 2026-04-09',
    });
  });

  it('refuses a ratio spread with more shorts than longs, and a long of another expiry as cover', () => {
    expect(legsOf(leg('C', 100, 'buy'), leg('C', 105, 'sell', { ratio: 2 })).message).toBe('naked short options: 2 short vs 1 long call 2026-04-09');
    expect(legsOf(leg('P', 100, 'sell'), leg('P', 95, 'buy', { expiry: '2026-04-17' }))).toMatchObject({ passed: false, actual: 'put 2026-04-09' });
  });

  it('refuses legs it cannot read, and does not apply to a simple order', () => {
    expect(legsOf(leg('P', 100, 'sell'), { ...leg('P', 95, 'buy'), symbol: 'junk' })).toEqual({
      passed: false,
      limit: RULE,
      actual: null,
      message: 'cannot analyse legs that are not OCC symbols',
    });
    expect(runCheck(optionsDefinedRiskCheck).message).toBe('not applicable: not a multi-leg order');
  });
});
