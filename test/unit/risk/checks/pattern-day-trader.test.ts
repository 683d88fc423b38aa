import { describe, expect, it } from 'vitest';
import { patternDayTraderCheck, PDT_EQUITY_THRESHOLD } from '../../../../src/risk/checks/pattern-day-trader.js';
import { account, order, position } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const closing = order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 });
const acct = (equity: number, daytradeCount: number, patternDayTrader = false) => account({ equity, lastEquity: equity, daytradeCount, patternDayTrader });
const sellHeld = (equity: number, daytrades: number, flagged = false) => ({
  input: { order: closing, positions: [position('AAPL', 10)], account: acct(equity, daytrades, flagged) },
});

describe('pattern_day_trader', () => {
  it('does not bind at or above $25,000', () => {
    expect(PDT_EQUITY_THRESHOLD).toBe(25_000);
    expect(runCheck(patternDayTraderCheck, sellHeld(25_000, 3))).toEqual({
      passed: true,
      limit: 3,
      actual: 3,
      message: 'equity $25,000.00 at or above $25,000.00: PDT rule does not bind',
    });
  });

  it('refuses a closing order that could be the 4th day trade under $25,000', () => {
    expect(runCheck(patternDayTraderCheck, sellHeld(24_999.99, 3))).toEqual({
      passed: false,
      limit: 3,
      actual: 3,
      message: '3 day trades in 5 days under $25,000.00: a closing order could be the 4th',
    });
  });

  it('passes an opening order with 3 day trades, and a closing one with 2', () => {
    expect(runCheck(patternDayTraderCheck, { input: { account: acct(24_999.99, 3) } })).toEqual({
      passed: true,
      limit: 3,
      actual: 3,
      message: '3 day trades in 5 days; the order opens or adds',
    });
    expect(runCheck(patternDayTraderCheck, sellHeld(24_999.99, 2)).message).toBe('2 day trades in 5 days');
  });

  it('refuses an account flagged pattern day trader under $25,000', () => {
    expect(runCheck(patternDayTraderCheck, sellHeld(24_999.99, 0, true))).toEqual({
      passed: false,
      limit: 3,
      actual: 0,
      message: 'the account is flagged pattern day trader with equity $24,999.99 under $25,000.00',
    });
  });

  it('passes anything when the profile does not enforce the rule', () => {
    expect(runCheck(patternDayTraderCheck, { ...sellHeld(1_000, 5, true), limits: { enforcePdt: false } })).toEqual({
      passed: true,
      limit: null,
      actual: 5,
      message: 'PDT rule not enforced by the profile',
    });
  });
});
