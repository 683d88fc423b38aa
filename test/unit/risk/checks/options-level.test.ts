import { describe, expect, it } from 'vitest';
import { optionsLevelCheck } from '../../../../src/risk/checks/options-level.js';
import { account, creditSpreadInput, occ, position } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

const at = (optionsLevel: number | null) => ({ account: account({ optionsLevel }) });
const put = occ('2026-04-09', 'P', 95);

describe('options_level', () => {
  it('lets level 2 buy a call, and refuses it at level 1', () => {
    expect(runCheck(optionsLevelCheck, { input: { ...optionInput(), ...at(2) } })).toEqual({
      passed: true,
      limit: 2,
      actual: 2,
      message: 'options level 2 allows long calls and puts (level 2)',
    });
    expect(runCheck(optionsLevelCheck, { input: { ...optionInput(), ...at(1) } })).toEqual({
      passed: false,
      limit: 2,
      actual: 1,
      message: 'options level 1 is below the 2 that long calls and puts need',
    });
  });

  it('lets level 1 sell a cash-secured put, sell a covered call and close; level 0 none of them', () => {
    const csp = { ...optionInput({ side: 'sell', symbol: put }), ...at(1) };
    expect(runCheck(optionsLevelCheck, { input: csp })).toMatchObject({ passed: true, limit: 1, actual: 1 });
    const closing = { ...optionInput({ side: 'sell', intent: 'sell_to_close' }), positions: [position(occ('2026-04-09', 'C', 100), 2, 1.1)], ...at(1) };
    expect(runCheck(optionsLevelCheck, { input: closing })).toMatchObject({ passed: true, limit: 1 });
    expect(runCheck(optionsLevelCheck, { input: { ...csp, ...at(0) } })).toMatchObject({ passed: false, limit: 1, actual: 0 });
  });

  it('needs level 3 for a multi-leg spread', () => {
    expect(runCheck(optionsLevelCheck, { input: { ...creditSpreadInput(), ...at(3) } })).toMatchObject({ passed: true, limit: 3, actual: 3 });
    expect(runCheck(optionsLevelCheck, { input: { ...creditSpreadInput(), ...at(2) } })).toEqual({
      passed: false,
      limit: 3,
      actual: 2,
      message: 'options level 2 is below the 3 that spreads (multi-leg) need',
    });
  });

  it('fails closed when the broker does not report the level, and does not apply to an equity order', () => {
    expect(runCheck(optionsLevelCheck, { input: { ...optionInput(), ...at(null) } })).toEqual({
      passed: false,
      limit: 2,
      actual: null,
      message: "the broker does not report the account's options level: refusing an options order (needs level 2, long calls and puts)",
    });
    expect(runCheck(optionsLevelCheck, { input: at(null) })).toEqual({
      passed: true,
      limit: null,
      actual: null,
      message: 'not applicable: not an options order',
    });
  });
});
