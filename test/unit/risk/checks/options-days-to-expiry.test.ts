import { describe, expect, it } from 'vitest';
import { optionsDaysToExpiryCheck } from '../../../../src/risk/checks/options-days-to-expiry.js';
import { clock, creditSpreadInput, occ, position } from '../fixtures.js';
import { leg, mlegInput, optionInput, runCheck } from '../check-context.js';

const expiring = (expiry: string) => runCheck(optionsDaysToExpiryCheck, { input: creditSpreadInput({ expiry }) });

describe('options_days_to_expiry', () => {
  it('passes opening legs 30 and 45 days out', () => {
    expect(expiring('2026-04-09')).toEqual({ passed: true, limit: '30-45', actual: '30', message: '30 days to expiry, within 30-45' });
    expect(expiring('2026-04-24').passed).toBe(true);
  });

  it('refuses opening legs 29 or 46 days out', () => {
    expect(expiring('2026-04-08')).toEqual({ passed: false, limit: '30-45', actual: '29', message: '29 days to expiry, outside 30-45' });
    expect(expiring('2026-04-25').passed).toBe(false);
  });

  it('reports the range across legs', () => {
    const calendar = mlegInput([leg('P', 100, 'sell', { expiry: '2026-04-09' }), leg('P', 100, 'buy', { expiry: '2026-04-19' })]);
    expect(runCheck(optionsDaysToExpiryCheck, { input: calendar }).message).toBe('30-40 days to expiry, within 30-45');
  });

  it("counts from the New York date of the broker's clock", () => {
    // 03:00 UTC on the 11th is still the 10th in New York: 30 days, not 29.
    const late = { ...creditSpreadInput(), clock: clock('2026-03-11T03:00:00.000Z', false) };
    expect(runCheck(optionsDaysToExpiryCheck, { input: late })).toMatchObject({ passed: true, actual: '30' });
  });

  it('exempts closing legs, refuses unreadable legs, and does not apply to a simple order', () => {
    const closing = mlegInput([
      leg('P', 100, 'buy', { expiry: '2026-03-13', intent: 'buy_to_close' }),
      leg('P', 95, 'sell', { expiry: '2026-03-13', intent: 'sell_to_close' }),
    ]);
    expect(runCheck(optionsDaysToExpiryCheck, { input: closing })).toEqual({
      passed: true,
      limit: '30-45',
      actual: null,
      message: 'closing legs only: any expiry may be closed',
    });
    expect(runCheck(optionsDaysToExpiryCheck, { input: mlegInput([leg('P', 100, 'sell'), { ...leg('P', 95, 'buy'), symbol: 'junk' }]) })).toEqual({
      passed: false,
      limit: '30-45',
      actual: null,
      message: 'cannot read expiries from legs that are not OCC symbols',
    });
    expect(runCheck(optionsDaysToExpiryCheck).message).toBe('not applicable: not an options order');
  });

  it('applies to a single contract bought or sold to open, not to one closed', () => {
    expect(runCheck(optionsDaysToExpiryCheck, { input: optionInput() })).toEqual({
      passed: true,
      limit: '30-45',
      actual: '30',
      message: '30 days to expiry, within 30-45',
    });
    const soon = occ('2026-03-13', 'C', 100);
    expect(runCheck(optionsDaysToExpiryCheck, { input: optionInput({ symbol: soon }) })).toMatchObject({ passed: false, actual: '3' });
    const closing = { ...optionInput({ symbol: soon, side: 'sell' }), positions: [position(soon, 2, 1.1)] };
    expect(runCheck(optionsDaysToExpiryCheck, { input: closing })).toEqual({
      passed: true,
      limit: '30-45',
      actual: null,
      message: 'closing an option only: any expiry may be closed',
    });
  });
});
