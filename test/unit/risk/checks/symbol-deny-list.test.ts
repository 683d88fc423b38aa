import { describe, expect, it } from 'vitest';
import { symbolDenyListCheck } from '../../../../src/risk/checks/symbol-deny-list.js';
import { creditSpreadInput } from '../fixtures.js';
import { runCheck } from '../check-context.js';

describe('symbol_deny_list', () => {
  it('passes with an empty deny-list', () => {
    expect(runCheck(symbolDenyListCheck)).toEqual({ passed: true, limit: '', actual: 'AAPL', message: 'deny-list is empty' });
  });

  it('passes a symbol the list does not name', () => {
    expect(runCheck(symbolDenyListCheck, { limits: { denySymbols: ['TSLA'] } })).toEqual({
      passed: true,
      limit: 'TSLA',
      actual: 'AAPL',
      message: 'not on the deny-list',
    });
  });

  it('refuses a denied symbol written in full width, lower case or with a zero-width space', () => {
    for (const written of ['AAPL', 'ａａｐｌ', 'A\u200BAPL', '\u0391APL']) {
      expect(runCheck(symbolDenyListCheck, { limits: { denySymbols: [written] } })).toEqual({
        passed: false,
        limit: written,
        actual: 'AAPL',
        message: 'AAPL is on the deny-list',
      });
    }
  });

  it('refuses a multi-leg order on a denied underlying', () => {
    expect(runCheck(symbolDenyListCheck, { input: creditSpreadInput(), limits: { denySymbols: ['spy'] } })).toMatchObject({
      passed: false,
      message: 'SPY is on the deny-list',
    });
  });
});
