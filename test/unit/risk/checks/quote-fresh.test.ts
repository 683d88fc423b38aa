import { describe, expect, it } from 'vitest';
import { quoteFreshCheck } from '../../../../src/risk/checks/quote-fresh.js';
import { clock, creditSpreadInput, isoBefore, OPEN_AT, quote } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const aged = (seconds: number) => ({ input: { quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(OPEN_AT, seconds)) } } });

describe('quote_fresh', () => {
  it('passes a quote at the age limit and refuses one a second older', () => {
    expect(runCheck(quoteFreshCheck, aged(120))).toEqual({ passed: true, limit: 120, actual: 120, message: 'quote age 120 s within 120 s' });
    expect(runCheck(quoteFreshCheck, aged(121))).toEqual({ passed: false, limit: 120, actual: 121, message: 'quote is 121 s old, older than 120 s' });
  });

  it("measures age on the broker's clock, not the local now", () => {
    const localLate = { input: { ...aged(1).input, now: new Date(Date.parse(OPEN_AT) + 3_600_000), clock: clock() } };
    expect(runCheck(quoteFreshCheck, localLate)).toMatchObject({ passed: true, actual: 1 });
  });

  it('refuses a missing, crossed or undated quote', () => {
    expect(runCheck(quoteFreshCheck, { input: { quotes: {} } })).toEqual({ passed: false, limit: 120, actual: null, message: 'no quote for AAPL' });
    expect(runCheck(quoteFreshCheck, { input: { quotes: { AAPL: quote('AAPL', 100.02, 100.01, OPEN_AT) } } }).message).toBe(
      'the quote for AAPL is unusable (bid 100.02, ask 100.01)',
    );
    expect(runCheck(quoteFreshCheck, { input: { quotes: { AAPL: quote('AAPL', 99.99, 100.01, 'yesterday') } } }).message).toBe(
      'the quote for AAPL has no valid timestamp',
    );
  });

  it('takes the oldest leg quote of a multi-leg order', () => {
    const spread = creditSpreadInput();
    const [first] = Object.keys(spread.quotes);
    const stale = { ...spread, quotes: { ...spread.quotes, [first!]: { ...spread.quotes[first!]!, timestamp: isoBefore(OPEN_AT, 121) } } };
    expect(runCheck(quoteFreshCheck, { input: stale })).toMatchObject({ passed: false, actual: 121 });
  });

  it('refuses an order with nothing to quote', () => {
    expect(runCheck(quoteFreshCheck, { input: creditSpreadInput(), facts: { legs: [] } })).toEqual({
      passed: false,
      limit: 120,
      actual: null,
      message: 'no symbol to quote',
    });
  });
});
