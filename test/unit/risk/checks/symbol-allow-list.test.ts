import { describe, expect, it } from 'vitest';
import { symbolAllowListCheck } from '../../../../src/risk/checks/symbol-allow-list.js';
import { DEFAULT_ALLOW_LIST } from '../../../../src/risk/limits.js';
import { creditSpreadInput, occ } from '../fixtures.js';
import { leg, mlegInput, optionInput, runCheck } from '../check-context.js';

describe('symbol_allow_list', () => {
  it('passes a symbol on the default list', () => {
    expect(runCheck(symbolAllowListCheck)).toEqual({ passed: true, limit: DEFAULT_ALLOW_LIST.join(','), actual: 'AAPL', message: 'AAPL is on the allow-list' });
  });

  it('matches list entries after folding case, width and look-alikes', () => {
    expect(runCheck(symbolAllowListCheck, { limits: { allowSymbols: ['ａａｐｌ'] } }).passed).toBe(true);
    expect(runCheck(symbolAllowListCheck, { limits: { allowSymbols: ['\u0410\u0410PL'] } }).passed).toBe(true); // Cyrillic А
  });

  it('allows any symbol when the list is null', () => {
    expect(runCheck(symbolAllowListCheck, { limits: { allowSymbols: null } })).toEqual({
      passed: true,
      limit: null,
      actual: 'AAPL',
      message: 'no allow-list: any symbol may trade',
    });
  });

  it('refuses a symbol not on the list', () => {
    expect(runCheck(symbolAllowListCheck, { limits: { allowSymbols: ['MSFT', 'SPY'] } })).toEqual({
      passed: false,
      limit: 'MSFT,SPY',
      actual: 'AAPL',
      message: 'AAPL is not on the allow-list (2 symbols)',
    });
  });

  it('checks the underlying of a multi-leg order', () => {
    expect(runCheck(symbolAllowListCheck, { input: creditSpreadInput() }).message).toBe('SPY is on the allow-list');
    const zzz = runCheck(symbolAllowListCheck, { input: mlegInput([leg('P', 100, 'sell', { root: 'ZZZ' }), leg('P', 95, 'buy', { root: 'ZZZ' })]) });
    expect(zzz).toMatchObject({ passed: false, actual: 'ZZZ' });
  });

  it('refuses an order that names no tradable symbol, even without a list', () => {
    const none = { limits: { allowSymbols: null }, input: mlegInput([{ ...leg('P', 95, 'buy'), symbol: 'NOT-AN-OCC' }]) };
    expect(runCheck(symbolAllowListCheck, none)).toEqual({ passed: false, limit: null, actual: null, message: 'the order names no tradable symbol' });
  });

  it("checks a single-leg option's underlying", () => {
    expect(runCheck(symbolAllowListCheck, { input: optionInput() })).toMatchObject({ passed: true, actual: 'SPY' });
    expect(runCheck(symbolAllowListCheck, { input: optionInput({ symbol: occ('2026-04-09', 'C', 10, 'ZZZ') }) })).toMatchObject({
      passed: false,
      actual: 'ZZZ',
    });
  });
});
