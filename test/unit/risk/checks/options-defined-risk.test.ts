import { describe, expect, it } from 'vitest';
import { optionsDefinedRiskCheck } from '../../../../src/risk/checks/options-defined-risk.js';
import { creditSpreadInput, occ, openOrder, position } from '../fixtures.js';
import { leg, mlegInput, optionInput, runCheck } from '../check-context.js';

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
    expect(runCheck(optionsDefinedRiskCheck).message).toBe('not applicable: not an options order');
  });

  it('passes a long option, a close and a cash-secured put', () => {
    expect(runCheck(optionsDefinedRiskCheck, { input: optionInput() })).toEqual({
      passed: true,
      limit: RULE,
      actual: 'long',
      message: 'a long call: the loss is at most the premium',
    });
    const held = [position(occ('2026-04-09', 'C', 100), 2, 1.1)];
    expect(runCheck(optionsDefinedRiskCheck, { input: { ...optionInput({ side: 'sell' }), positions: held } })).toMatchObject({
      passed: true,
      actual: 'closing',
      message: 'closes an option position (sell_to_close, inferred from the contracts held): no new short risk',
    });
    expect(runCheck(optionsDefinedRiskCheck, { input: optionInput({ side: 'sell', symbol: occ('2026-04-09', 'P', 95) }) })).toMatchObject({
      passed: true,
      actual: 'cash-secured',
    });
  });

  it('refuses a call sold to open without 100 free shares a contract, counting shares already promised', () => {
    const sellCalls = optionInput({ side: 'sell', qty: 2 });
    expect(runCheck(optionsDefinedRiskCheck, { input: sellCalls })).toEqual({
      passed: false,
      limit: RULE,
      actual: 'naked call',
      message:
        'a naked short call (sell_to_open, inferred from the contracts held): 200 shares of SPY needed to cover it, 0 shares of SPY free (0 held, 0 on open sells, 0 covering calls already short)',
    });
    expect(runCheck(optionsDefinedRiskCheck, { input: { ...sellCalls, positions: [position('SPY', 200)] } })).toMatchObject({
      passed: true,
      actual: 'covered',
    });
    const promised = {
      ...sellCalls,
      positions: [position('SPY', 250), position(occ('2026-05-15', 'C', 110), -1, 2)],
      openOrders: [openOrder({ symbol: 'SPY', side: 'sell', qty: 50 })],
    };
    expect(runCheck(optionsDefinedRiskCheck, { input: promised })).toMatchObject({
      passed: false,
      message: expect.stringContaining('100 shares of SPY free (250 held, 50 on open sells, 100 covering calls already short)'),
    });
  });
});
