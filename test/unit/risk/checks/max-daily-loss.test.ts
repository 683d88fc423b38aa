import { describe, expect, it } from 'vitest';
import { maxDailyLossCheck } from '../../../../src/risk/checks/max-daily-loss.js';
import { account } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const day = (equity: number, startOfDayEquity: number | null = 100_000, lastEquity = 100_000) => ({
  input: { account: account({ equity, lastEquity }), state: { halted: false, haltReason: null, startOfDayEquity, recentOrders: [] } },
});

describe('max_daily_loss', () => {
  it('passes a flat day and a gain', () => {
    expect(runCheck(maxDailyLossCheck)).toEqual({
      passed: true,
      limit: 0.03,
      actual: 0,
      message: 'equity $100,000.00 vs $100,000.00 at the start of the day: gain 0%, limit 3%',
    });
    expect(runCheck(maxDailyLossCheck, day(101_000)).message).toBe('equity $101,000.00 vs $100,000.00 at the start of the day: gain 1%, limit 3%');
  });

  it('passes a loss just under the limit', () => {
    expect(runCheck(maxDailyLossCheck, day(97_000.01))).toMatchObject({ passed: true, actual: 0.03 });
  });

  it('refuses (and so halts) a loss that reaches the limit', () => {
    expect(runCheck(maxDailyLossCheck, day(97_000))).toEqual({
      passed: false,
      limit: 0.03,
      actual: 0.03,
      message: 'equity $97,000.00 vs $100,000.00 at the start of the day: loss 3% reaches the 3% limit: trading halts',
    });
  });

  it("falls back to the account's last equity when the day's base is unknown", () => {
    expect(runCheck(maxDailyLossCheck, day(96_000, null, 100_000))).toMatchObject({ passed: false, actual: 0.04 });
  });

  it('passes when no starting equity is known at all', () => {
    expect(runCheck(maxDailyLossCheck, day(50_000, null, 0))).toEqual({
      passed: true,
      limit: 0.03,
      actual: null,
      message: 'no starting equity known for today; daily loss not measurable',
    });
  });
});
